"""A MIDI port that may go away and come back: the player keeps one for its output and one for the clock input.

Only the watchdog thread opens and closes ports; it swaps them in and out under the lock the real-time thread
holds while it sends, so a port is never dropped unclosed and never written by two threads. A send that
raises hands its port back to the watchdog (`failed`), which closes it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable, Optional, Protocol


class Port(Protocol):
    name: str

    def alive(self) -> bool: ...
    def server_alive(self) -> bool: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class Change:
    """What one watchdog check found: `lost` (with whether the server itself stopped), `back`, or a reason the
    port cannot be opened that differs from the last one reported."""

    kind: str  # lost | back | unavailable
    name: str
    server_stopped: bool = False
    reason: str = ""


class ReconnectingPort:
    """Holds one port, or none while it is gone, and reopens it with growing pauses (up to `retry_max_s`).

    A port whose server still runs is dropped only after `misses` consecutive checks find it missing, so a
    probe that cannot tell never costs the user their connection; a stopped server is certain at once.
    """

    def __init__(self, open_port: Callable[[], Port], lock: threading.RLock, misses: int = 2,
                 retry_min_s: float = 0.5, retry_max_s: float = 2.0):
        self._open_port = open_port
        self._lock = lock
        self._misses_needed = misses
        self._retry = (retry_min_s, retry_max_s)
        self.port: Optional[Port] = None
        self.name = ""
        self._misses = 0
        self._failed: list[Port] = []
        self._pause = retry_min_s
        self._next_try = 0.0
        self._reason = ""

    def open(self) -> None:
        """The first open, from the caller's thread: a port that cannot be opened raises, and the watchdog
        tries again later without repeating the same reason."""
        try:
            port = self._open_port()
        except Exception as exc:
            self._reason = _first_clause(exc)
            raise
        with self._lock:
            self.port, self.name = port, port.name

    def failed(self, port: Port) -> None:
        """A send on `port` raised (real-time thread, lock held): stop using it; the watchdog closes it."""
        if self.port is port:
            self.port = None
            self._failed.append(port)

    def check(self) -> Optional[Change]:
        """One watchdog round: close what failed, drop a port that has gone, reopen one that is missing."""
        with self._lock:
            failed, self._failed = self._failed, []
            if failed and self.port is None and failed[-1].alive():
                self.port = failed.pop()  # a send raised, yet the port is there: keep the DAW's connection
            port = self.port
        stopped = [not dead.server_alive() for dead in failed]
        for dead in failed:
            _close(dead)
        if failed and port is None:
            return self._lost(failed[-1], server_stopped=stopped[-1])
        if port is not None:
            if port.alive():
                self._misses = 0
                return None
            stopped = not port.server_alive()
            self._misses += 1
            if not stopped and self._misses < self._misses_needed:
                return None
            with self._lock:
                if self.port is port:
                    self.port = None
            _close(port)
            return self._lost(port, stopped)
        return self._reopen()

    def _lost(self, port: Port, server_stopped: bool) -> Change:
        self._misses, self._pause, self._next_try = 0, self._retry[0], time.monotonic() + self._retry[0]
        self._reason = "server stopped" if server_stopped else "gone"
        return Change("lost", port.name, server_stopped=server_stopped)

    def _reopen(self) -> Optional[Change]:
        now = time.monotonic()
        if now < self._next_try:
            return None
        try:
            port = self._open_port()
        except Exception as exc:  # noqa: BLE001 - whatever the MIDI system says, we try again later
            self._pause = min(self._pause * 2, self._retry[1])
            self._next_try = now + self._pause
            reason = _first_clause(exc)
            if reason == self._reason or self._reason == "server stopped" and "not running" in reason:
                return None
            self._reason = reason
            return Change("unavailable", self.name, reason=str(exc))
        with self._lock:
            self.port, self.name = port, port.name
        self._reason, self._pause = "", self._retry[0]
        return Change("back", port.name)

    def close(self) -> None:
        with self._lock:
            port, self.port = self.port, None
            failed, self._failed = self._failed, []
        for p in failed + ([port] if port is not None else []):
            _close(p)


def _first_clause(exc: Exception) -> str:
    """A failure's reason without its details (a port list that changes between tries is the same reason)."""
    return str(exc).split(";")[0]


def _close(port: Port) -> None:
    try:
        port.close()
    except Exception:  # noqa: BLE001 - a port of a vanished server may raise on close; it is gone either way
        pass
