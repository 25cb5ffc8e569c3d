"""MIDI ports through python-rtmidi: pick the API that works here, open a virtual or a named port.

Only this module talks to rtmidi, so the player and its tests see one small interface (send, alive, close).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import re
import sys
import threading
from typing import Optional

VIRTUAL_PORT = "Drum Machine"
CLIENT = "drummachine"
# our preference per platform; the first that can open a client wins
_API_ORDER = {"linux": ("alsa", "jack"), "darwin": ("coremidi", "jack"), "win32": ("windowsmm",)}


class PortError(Exception):
    """A port that cannot be opened or has gone; the message says which and what can be done."""


def _rtmidi():
    import rtmidi

    return rtmidi


def _api_ids() -> dict[str, int]:
    rt = _rtmidi()
    return {rt.get_api_name(api): api for api in rt.get_compiled_api()}


def compiled_apis() -> list[str]:
    return list(_api_ids())


def _client(kind: str, api: str, name: str = CLIENT):
    rt = _rtmidi()
    ids = _api_ids()
    if api not in ids:
        raise PortError(f"MIDI API {api!r} is not available here; this rtmidi has: {', '.join(ids) or 'none'}")
    if api == "jack":
        os.environ.setdefault("JACK_NO_START_SERVER", "1")  # never spawn a JACK server as a side effect
    cls = rt.MidiOut if kind == "out" else rt.MidiIn
    try:
        return cls(rtapi=ids[api], name=name)
    except (SystemError, RuntimeError, rt.RtMidiError) as exc:
        raise PortError(f"cannot start a {api} MIDI client: {exc}") from exc


def pick_api(forced: Optional[str] = None) -> str:
    """The MIDI API to use: `forced` if given, else the first of this platform's that can open a client."""
    if forced:
        _client("out", forced).delete()
        return forced
    tried = []
    for api in _API_ORDER.get(sys.platform, ()) + tuple(compiled_apis()):
        if api in tried or api not in _api_ids():
            continue
        tried.append(api)
        try:
            _client("out", api).delete()
            return api
        except PortError:
            continue
    raise PortError(f"no MIDI system answers here (tried {', '.join(tried) or 'nothing'}): start ALSA's "
                    "sequencer or a JACK server, or choose one with --api")


def list_ports(api: str, kind: str = "out") -> list[str]:
    client = _client(kind, api, f"{CLIENT}-probe")
    try:
        return list(client.get_ports())
    finally:
        client.delete()


def supports_virtual(api: str) -> bool:
    return api != "windowsmm"


JACK_NO_START_SERVER_OPTION = 0x01


@functools.lru_cache(maxsize=1)
def _libjack():
    name = ctypes.util.find_library("jack")
    if not name:
        return None
    lib = ctypes.CDLL(name)  # CDLL calls release the GIL: a slow probe never stalls the player's thread
    lib.jack_client_open.restype = ctypes.c_void_p
    lib.jack_client_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
    lib.jack_get_ports.restype = ctypes.POINTER(ctypes.c_char_p)
    lib.jack_get_ports.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong]
    lib.jack_free.argtypes = [ctypes.c_void_p]
    lib.jack_client_close.argtypes = [ctypes.c_void_p]
    return lib


def jack_port_exists(port: Optional[str] = None) -> bool:
    """Whether the JACK server answers (and, if given, a port whose name ends in `port` exists).

    Opens and closes a throwaway client through libjack itself, outside the interpreter lock, because
    a client that lost its server keeps reporting the old port list.
    """
    lib = _libjack()
    if lib is None:
        return True  # cannot tell; rtmidi will say when it fails
    status = ctypes.c_int()
    client = lib.jack_client_open(b"drummachine-watch", JACK_NO_START_SERVER_OPTION, ctypes.byref(status))
    if not client:
        return False
    try:
        if port is None:
            return True
        pattern = (re.escape(port) + "$").encode()
        found = lib.jack_get_ports(client, pattern, None, 0)
        exists = bool(found) and bool(found[0])
        if found:
            lib.jack_free(ctypes.cast(found, ctypes.c_void_p))
        return exists
    finally:
        lib.jack_client_close(client)


# Clients whose MIDI server died. rtmidi crashes the process if such a client is closed or freed, so they
# are parked here, never touched again, for as long as the process lives.
_ABANDONED: list = []


def _open_named(client, port: str, kind: str) -> str:
    names = client.get_ports()
    matches = [i for i, n in enumerate(names) if n == port] or [i for i, n in enumerate(names) if port in n]
    if not matches:
        raise PortError(f"no MIDI {kind} port named {port!r}; ports: {', '.join(names) or 'none'}")
    client.open_port(matches[0])
    return names[matches[0]]


def _server_gone(api: str, client) -> bool:
    if api == "jack":
        return not jack_port_exists()
    try:
        client.get_ports()
        return False
    except Exception:
        return True


class MidiOutput:
    """One output: a virtual port others connect to, or a connection to an existing port by name.

    A second, idle client watches the system: `alive()` asks it for the port list (a tenth of a millisecond),
    because opening a new client to check would hold the interpreter for tens of milliseconds.
    """

    def __init__(self, api: str, port: Optional[str] = None, virtual_name: str = VIRTUAL_PORT):
        self.api, self.port = api, port
        self.name = port or virtual_name
        self._lock = threading.Lock()
        if api == "jack" and not jack_port_exists():  # fail fast, without rtmidi's slow failing open
            raise PortError("the JACK server is not running")
        client = _client("out", api)
        try:
            if port is None:
                if not supports_virtual(api):
                    raise PortError(f"{api} cannot make virtual ports; choose one of: "
                                    f"{', '.join(client.get_ports()) or 'no ports found'}")
                client.open_virtual_port(virtual_name)
            else:
                self.name = _open_named(client, port, "output")
            # virtual: our own port shows among the outputs an input client sees; named: the peer's input
            self._probe = _client("in" if port is None else "out", api, f"{CLIENT}-watch")
        except PortError:
            client.delete()
            raise
        self._client = client

    def send(self, message) -> None:
        with self._lock:
            if self._client is None:
                raise PortError(f"MIDI port {self.name} is closed")
            self._client.send_message(message)

    def alive(self) -> bool:
        """Whether our port (or the named peer) is still there."""
        if self.api == "jack":
            return self._client is not None and jack_port_exists(":" + self.name.split(":")[-1] if self.port is None else self.name)
        with self._lock:
            if self._client is None:
                return False
            try:
                ports = self._probe.get_ports()
            except Exception:
                return False
        return any(self.name in p for p in ports)

    def close(self) -> None:
        with self._lock:
            if self._client is None:
                return
            client, probe, self._client = self._client, self._probe, None
        if _server_gone(self.api, probe):  # closing clients of a dead server can crash rtmidi
            _ABANDONED.extend([client, probe])
            return
        for c in (client, probe):
            c.close_port()
            c.delete()


class MidiInput:
    """An input port whose messages (clock included) go to `callback(message_bytes)`."""

    def __init__(self, api: str, port: str, callback):
        self.api = api
        client = _client("in", api, f"{CLIENT}-in")
        client.ignore_types(sysex=True, timing=False, active_sense=True)
        client.set_callback(lambda event, _data: callback(event[0]))
        try:
            self.name = _open_named(client, port, "input")
        except PortError:
            client.delete()
            raise
        self._client = client

    def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        if _server_gone(self.api, client):  # closing clients of a dead server can crash rtmidi
            _ABANDONED.append(client)
            return
        client.close_port()
        client.delete()
