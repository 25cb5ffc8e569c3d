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
from dataclasses import dataclass
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


@dataclass(frozen=True)
class _Jack:
    """libjack through ctypes. Its calls release the interpreter lock, so a probe never stalls the player's
    real-time thread. `quiet` guards libjack's error and info functions, which are the library's own
    process-wide settings: one thread at a time silences them and puts the previous ones back."""

    lib: ctypes.CDLL
    libc: ctypes.CDLL
    silent: object
    quiet: threading.Lock


@functools.lru_cache(maxsize=1)
def _libjack() -> Optional[_Jack]:
    name = ctypes.util.find_library("jack")
    if not name:
        return None
    lib = ctypes.CDLL(name)
    lib.jack_client_open.restype = ctypes.c_void_p
    lib.jack_client_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
    lib.jack_client_close.argtypes = [ctypes.c_void_p]
    lib.jack_on_shutdown.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    lib.jack_port_by_name.restype = ctypes.c_void_p
    lib.jack_port_by_name.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    lib.jack_get_ports.restype = ctypes.POINTER(ctypes.c_char_p)
    lib.jack_get_ports.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong]
    lib.jack_free.argtypes = [ctypes.c_void_p]
    lib.jack_set_error_function.argtypes = [ctypes.c_void_p]
    lib.jack_set_info_function.argtypes = [ctypes.c_void_p]
    silent = ctypes.CFUNCTYPE(None, ctypes.c_char_p)(lambda _line: None)
    return _Jack(lib, ctypes.CDLL(None), silent, threading.Lock())


def _open_quietly(jack: _Jack, name: bytes) -> Optional[int]:
    """A libjack client, or None when no server answers, without libjack's lines on stderr for the failure
    (it prints five per failed open, every probe of an outage)."""
    lib = jack.lib
    with jack.quiet:
        try:
            previous = [ctypes.c_void_p.in_dll(lib, v).value for v in ("jack_error_callback", "jack_info_callback")]
        except ValueError:  # a libjack that hides its callbacks: we could not put them back, so leave them
            return lib.jack_client_open(name, JACK_NO_START_SERVER_OPTION, ctypes.byref(ctypes.c_int())) or None
        silent = ctypes.cast(jack.silent, ctypes.c_void_p)
        lib.jack_set_error_function(silent)
        lib.jack_set_info_function(silent)
        try:
            return lib.jack_client_open(name, JACK_NO_START_SERVER_OPTION, ctypes.byref(ctypes.c_int())) or None
        finally:
            lib.jack_set_error_function(previous[0])
            lib.jack_set_info_function(previous[1])


def _park(obj) -> None:
    """Keep a client of a dead MIDI server forever: closing or freeing it, even at interpreter exit, lets
    rtmidi and libjack touch memory the server took with it (a segfault once a new server answers)."""
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(obj))


class JackWatch:
    """A long-lived, idle libjack client that says whether its server still runs and which ports it has.

    Why not a fresh client per probe: each open costs the server a graph change and every client a
    notification; under load the open timed out and reported a live port missing, and the port was
    needlessly re-created. This client reads the server's port table in shared memory (no round trip),
    and the server's death posts a semaphore (libjack's shutdown callback is libc's sem_post, so no Python
    runs in libjack's thread). A watch never outlives its server: once it has died, open a new one.
    """

    def __init__(self, name: str = f"{CLIENT}-watch"):
        jack = _libjack()
        if jack is None:
            raise PortError("libjack is not installed, so JACK cannot be used here")
        self._jack = jack
        self._died = (ctypes.c_long * 8)()  # a sem_t (32 bytes on glibc), zero until the server dies
        if jack.libc.sem_init(self._died, 0, 0) != 0:
            raise PortError("this system has no POSIX semaphores to watch the JACK server with")
        self._client = _open_quietly(jack, name.encode())
        if self._client is None:
            raise PortError("the JACK server is not running")
        jack.lib.jack_on_shutdown(self._client, ctypes.cast(jack.libc.sem_post, ctypes.c_void_p),
                                  ctypes.cast(self._died, ctypes.c_void_p))

    @property
    def closed(self) -> bool:
        return self._client is None

    def server_alive(self) -> bool:
        """False from the moment the server this watch was opened on dies, even if a new one has started."""
        value = ctypes.c_int()
        self._jack.libc.sem_getvalue(self._died, ctypes.byref(value))
        return self._client is not None and value.value == 0

    def port_exists(self, full_name: str) -> bool:
        """Whether the port ("client:port") exists on this watch's server, which must still run."""
        return self.server_alive() and bool(self._jack.lib.jack_port_by_name(self._client, full_name.encode()))

    def ports(self, name_regex: str) -> set[str]:
        """Full names of this server's ports matching a POSIX extended regex."""
        if not self.server_alive():
            return set()
        lib = self._jack.lib
        found = lib.jack_get_ports(self._client, name_regex.encode(), None, 0)
        if not found:
            return set()
        names, i = set(), 0
        while found[i]:
            names.add(found[i].decode(errors="replace"))
            i += 1
        lib.jack_free(ctypes.cast(found, ctypes.c_void_p))
        return names

    def close(self) -> None:
        if self._client is None:
            return
        alive = self.server_alive()
        client, self._client = self._client, None
        if alive:
            self._jack.lib.jack_client_close(client)
        else:  # a dead server's client is never closed (see `_park`); its semaphore is kept with it
            _park(self._died)

    def __enter__(self) -> "JackWatch":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _open_named(client, port: str, kind: str) -> str:
    names = client.get_ports()
    matches = [i for i, n in enumerate(names) if n == port] or [i for i, n in enumerate(names) if port in n]
    if not matches:
        raise PortError(f"no MIDI {kind} port named {port!r}; ports: {', '.join(names) or 'none'}")
    client.open_port(matches[0])
    return names[matches[0]]


class _Presence:
    """Whether a port is still there: on JACK through a `JackWatch`, elsewhere through an idle rtmidi
    client's port list (opening a new client to check would hold the interpreter for tens of milliseconds)."""

    def __init__(self, api: str, kind: str):
        self.api = api
        if api == "jack":
            self._watch: Optional[JackWatch] = JackWatch()
            self._probe = None
        else:
            self._watch = None
            self._probe = _client(kind, api, f"{CLIENT}-watch")

    def jack_ports(self, name_regex: str) -> set[str]:
        return self._watch.ports(name_regex) if self._watch is not None else set()

    def server_alive(self) -> bool:
        if self._watch is not None:
            return self._watch.server_alive()
        try:
            self._probe.get_ports()
            return True
        except Exception:
            return False

    def exists(self, name: str) -> bool:
        if self._watch is not None:
            return self._watch.port_exists(name)
        try:
            return any(name in p for p in self._probe.get_ports())
        except Exception:
            return False

    def release(self, clients: list) -> None:
        """Close our rtmidi clients (parking them instead if their server died), then the watch itself."""
        alive = self.server_alive()
        for c in clients + ([self._probe] if self._probe is not None else []):
            if not alive:
                _park(c)
                continue
            c.close_port()
            c.delete()
        if self._watch is not None:
            self._watch.close()


class MidiOutput:
    """One output: a virtual port others connect to, or a connection to an existing port by name.

    `alive()` costs a tenth of a millisecond and no server round trip. A port is only reported gone when
    its server died or the server no longer lists it, so it is never re-created while the old one exists.
    """

    def __init__(self, api: str, port: Optional[str] = None, virtual_name: str = VIRTUAL_PORT):
        self.api, self.port = api, port
        self.name = port or virtual_name
        self._lock = threading.Lock()
        # first: on JACK it fails fast and quietly when no server runs, and it is on the server rtmidi joins
        self._presence = _Presence(api, "in" if port is None else "out")
        try:
            client = _client("out", api)
        except PortError:
            self._presence.release([])
            raise
        try:
            if port is None:
                if not supports_virtual(api):
                    raise PortError(f"{api} cannot make virtual ports; choose one of: "
                                    f"{', '.join(client.get_ports()) or 'no ports found'}")
                pattern = ":" + re.escape(virtual_name) + "$"
                before = self._presence.jack_ports(pattern)
                client.open_virtual_port(virtual_name)
                ours = self._presence.jack_ports(pattern) - before
                self._full_name = ours.pop() if len(ours) == 1 else virtual_name
            else:
                self.name = self._full_name = _open_named(client, port, "output")
        except PortError:
            self._presence.release([client])
            raise
        self._client = client

    @property
    def closed(self) -> bool:
        return self._client is None

    def send(self, message) -> None:
        with self._lock:
            if self._client is None:
                raise PortError(f"MIDI port {self.name} is closed")
            self._client.send_message(message)

    def server_alive(self) -> bool:
        return self._client is not None and self._presence.server_alive()

    def alive(self) -> bool:
        """Whether our port (or the named peer) is still there."""
        return self._client is not None and self._presence.exists(self._full_name)

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            self._presence.release([client])

    def __enter__(self) -> "MidiOutput":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class MidiInput:
    """An input port whose messages (clock included) go to `callback(message_bytes)`."""

    def __init__(self, api: str, port: str, callback):
        self.api = api
        self._presence = _Presence(api, "in")
        try:
            client = _client("in", api, f"{CLIENT}-in")
        except PortError:
            self._presence.release([])
            raise
        client.ignore_types(sysex=True, timing=False, active_sense=True)
        client.set_callback(lambda event, _data: callback(event[0]))
        try:
            self.name = _open_named(client, port, "input")
        except PortError:
            self._presence.release([client])
            raise
        self._client = client

    @property
    def closed(self) -> bool:
        return self._client is None

    def server_alive(self) -> bool:
        return self._client is not None and self._presence.server_alive()

    def alive(self) -> bool:
        """Whether the port we listen to is still there (on a server that still runs)."""
        return self._client is not None and self._presence.exists(self.name)

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            self._presence.release([client])

    def __enter__(self) -> "MidiInput":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
