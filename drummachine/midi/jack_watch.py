"""The JACK server, watched from one long-lived libjack client (through ctypes, so nothing here waits for the
interpreter lock): whether the server still runs, which ports it has, and libjack kept quiet while we open
clients. `ports.py` uses it for every JACK port; nothing else needs to.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional


class JackError(Exception):
    """No JACK server answers, or this system lacks what watching one needs; the message says which."""


JACK_NO_START_SERVER_OPTION = 0x01


@dataclass(frozen=True)
class _Jack:
    """libjack through ctypes. Its calls release the interpreter lock, so a probe never stalls the player's
    real-time thread. `chatty` are the libjacks in this process whose error and info lines `_quiet` silences:
    ours, and the copy bundled in python-rtmidi's wheel, which has its own. Those functions are each
    library's process-wide settings, so one thread at a time (`quiet`) silences them and puts them back."""

    lib: ctypes.CDLL
    libc: ctypes.CDLL
    chatty: tuple
    silent: object
    quiet: threading.RLock
    # Held by each jack_client_open and jack_client_close of ours, taken after `quiet`. libjack runs opens and
    # closes one at a time itself, but a close that got stuck inside it (seen once, in a test run: the close of
    # a watch whose server was being stopped) kept every later open waiting for good; an open takes this first,
    # with a timeout, so that such a wait ends in a sentence instead of hanging its caller.
    lifecycle: threading.Lock


def _rtmidis_libjack() -> list:
    """The libjack rtmidi runs on when its wheel bundles one (site-packages/python_rtmidi.*/libjack-HASH.so)."""
    import rtmidi

    site = Path(rtmidi.__file__).resolve().parents[1]
    return [ctypes.CDLL(str(p)) for p in sorted(site.glob("python_rtmidi*/libjack*.so*"))]


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
    chatty = []
    for each in [lib, *_rtmidis_libjack()]:
        try:
            ctypes.c_void_p.in_dll(each, "jack_error_callback")  # we can put back only what we can read
            ctypes.c_void_p.in_dll(each, "jack_info_callback")
        except ValueError:
            continue
        each.jack_set_error_function.argtypes = [ctypes.c_void_p]
        each.jack_set_info_function.argtypes = [ctypes.c_void_p]
        chatty.append(each)
    libc = ctypes.CDLL(None)
    # The silencer must be C: libjack logs from its own threads too, and a Python callback there would wait
    # for the interpreter lock while rtmidi holds it waiting for that thread. strlen reads the line, no more.
    silent = ctypes.cast(libc.strlen, ctypes.c_void_p)
    return _Jack(lib, libc, tuple(chatty), silent, threading.RLock(), threading.Lock())


@contextlib.contextmanager
def _quiet(jack: Optional[_Jack]) -> Iterator[None]:
    """libjack's error and info lines silenced while we open clients and ports: a failed open prints five
    lines (every probe of an outage), and the first open after a server crash seven more as libjack frees the
    dead server's clients. What matters reaches us anyway: a failed open returns nothing, and rtmidi raises."""
    if jack is None:
        yield
        return
    with jack.quiet:
        previous = [(ctypes.c_void_p.in_dll(lib, "jack_error_callback").value,
                     ctypes.c_void_p.in_dll(lib, "jack_info_callback").value) for lib in jack.chatty]
        for lib in jack.chatty:
            lib.jack_set_error_function(jack.silent)
            lib.jack_set_info_function(jack.silent)
        try:
            yield
        finally:
            for lib, (error, info) in zip(jack.chatty, previous):
                lib.jack_set_error_function(error)
                lib.jack_set_info_function(info)


def quiet(api: str):
    """libjack's lines silenced where the API is JACK, for a whole port opening (rtmidi opens its JACK client
    at the first port call, not in its constructor)."""
    return _quiet(_libjack() if api == "jack" else None)


OPEN_WAIT_S = 10.0  # how long an open waits for a close of ours still under way (a live server's: milliseconds)


def _open_quietly(jack: _Jack, name: bytes) -> Optional[int]:
    """A libjack client, or None when no server answers. It waits for an open or close of ours still under way
    (see `_Jack.lifecycle`); one that never ends leaves libjack unable to open clients in this process, and
    that is said rather than waited on for good."""
    with _quiet(jack):
        if not jack.lifecycle.acquire(timeout=OPEN_WAIT_S):
            raise JackError(f"an earlier JACK client of drummachine's has not finished opening or closing in "
                            f"{OPEN_WAIT_S:g} s (libjack is stuck, or the server is far too slow), so no other can "
                            "open in this process; restart drummachine")
        try:
            return jack.lib.jack_client_open(name, JACK_NO_START_SERVER_OPTION, ctypes.byref(ctypes.c_int())) or None
        finally:
            jack.lifecycle.release()


CLOSE_TIMEOUT_S = 2.0  # a live server closes a client in milliseconds


def _closed_within(jack: _Jack, client, seconds: float) -> bool:
    """jack_client_close on a daemon thread (ctypes lets go of the GIL), after any open or close of ours under
    way: True when it returned in time."""
    done = threading.Event()

    def close() -> None:
        with jack.lifecycle:
            jack.lib.jack_client_close(client)
        done.set()

    threading.Thread(target=close, name="jack-watch-close", daemon=True).start()
    return done.wait(seconds)


def park(obj) -> None:
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

    def __init__(self, name: str = "drummachine-watch"):
        jack = _libjack()
        if jack is None:
            raise JackError("libjack is not installed, so JACK cannot be used here")
        self._jack = jack
        self._died = (ctypes.c_long * 8)()  # a sem_t (32 bytes on glibc), zero until the server dies
        if jack.libc.sem_init(self._died, 0, 0) != 0:
            raise JackError("this system has no POSIX semaphores to watch the JACK server with")
        self._client = _open_quietly(jack, name.encode())
        if self._client is None:
            raise JackError("the JACK server is not running")
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

    def close(self) -> bool:
        """Close the watch client; False when its server is gone (or its close hung, which means the same)."""
        if self._client is None:
            return False
        alive = self.server_alive()
        client, self._client = self._client, None
        if alive and _closed_within(self._jack, client, CLOSE_TIMEOUT_S):
            return True
        # a dead server's client is never closed (see `park`); its semaphore is kept with it. A server killed
        # without the shutdown callback having fired yet looks alive, and closing its client then blocks in
        # libjack for good: that close is left to a daemon thread, and the client counts as dead.
        park(self._died)
        return False

    def __enter__(self) -> "JackWatch":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
