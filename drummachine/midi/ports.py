"""MIDI ports through python-rtmidi: pick the API that works here, open a virtual or a named port.

Only this module talks to rtmidi, so the player and its tests see one small interface (send, alive,
server_alive, close). A client of a dead server is parked, never closed (see `jack_watch.park`).
"""

from __future__ import annotations

import os
import re
import sys
import threading
from typing import Optional

from drummachine.midi.jack_watch import JackError, JackWatch, park, quiet

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
        raise PortError(f"cannot start a MIDI client on {api}: {exc}") from exc


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
    with quiet(api):
        client = _client(kind, api, f"{CLIENT}-probe")
        try:
            return list(client.get_ports())
        finally:
            client.delete()


def supports_virtual(api: str) -> bool:
    return api != "windowsmm"


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
            try:
                self._watch: Optional[JackWatch] = JackWatch()
            except JackError as exc:
                raise PortError(str(exc)) from exc
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
        """Close the watch, then our rtmidi clients (parking them instead if their server died).

        The watch goes first: a server killed a moment ago may not have told us yet, and then closing the
        watch hangs; it gives up after a moment and says so, and the rtmidi clients are parked, not closed."""
        alive = self.server_alive()
        if self._watch is not None:
            alive = self._watch.close() and alive
        for c in clients + ([self._probe] if self._probe is not None else []):
            if not alive:
                park(c)
                continue
            c.close_port()
            c.delete()


class _ClientPort:
    """What an output and an input share: one rtmidi client, watched by a `_Presence`, closed once (parked
    if its server died), under the lock that `send` holds."""

    _client = None
    _presence: _Presence

    def __init__(self) -> None:
        self._lock = threading.Lock()

    @property
    def closed(self) -> bool:
        return self._client is None

    def server_alive(self) -> bool:
        return self._client is not None and self._presence.server_alive()

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            self._presence.release([client])

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class MidiOutput(_ClientPort):
    """One output: a virtual port others connect to, or a connection to an existing port by name.

    `alive()` costs microseconds and no server round trip. A port is only reported gone when
    its server died or the server no longer lists it, so it is never re-created while the old one exists.
    """

    def __init__(self, api: str, port: Optional[str] = None, virtual_name: str = VIRTUAL_PORT):
        super().__init__()
        self.api, self.port = api, port
        self.name = port or virtual_name
        with quiet(api):
            self._open(port, virtual_name)

    def _open(self, port: Optional[str], virtual_name: str) -> None:
        api = self.api
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
                self._pattern = ":" + re.escape(virtual_name) + "$"
                before = self._presence.jack_ports(self._pattern)
                client.open_virtual_port(virtual_name)
                ours = self._presence.jack_ports(self._pattern) - before
                # JACK: the full name of the port that appeared; None when another opened one at the same
                # moment and we cannot tell ours (then any port of that name counts). Elsewhere: the name.
                self._full_name = ours.pop() if len(ours) == 1 else None if api == "jack" else virtual_name
            else:
                self.name = self._full_name = _open_named(client, port, "output")
        except PortError:
            self._presence.release([client])
            raise
        self._client = client

    def send(self, message) -> None:
        with self._lock:
            if self._client is None:
                raise PortError(f"MIDI port {self.name} is closed")
            self._client.send_message(message)

    def alive(self) -> bool:
        """Whether our port (or the named peer) is still there."""
        if self._client is None:
            return False
        if self._full_name is None:
            return bool(self._presence.jack_ports(self._pattern))
        return self._presence.exists(self._full_name)


class MidiInput(_ClientPort):
    """An input port whose messages (clock included) go to `callback(message_bytes)`."""

    def __init__(self, api: str, port: str, callback):
        super().__init__()
        self.api = api
        with quiet(api):
            self._open(port, callback)

    def _open(self, port: str, callback) -> None:
        api = self.api
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

    def alive(self) -> bool:
        """Whether the port we listen to is still there (on a server that still runs)."""
        return self._client is not None and self._presence.exists(self.name)
