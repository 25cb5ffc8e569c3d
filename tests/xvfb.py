"""A private X server (Xvfb) for tests that need a real window, on a display number Xvfb picks itself.

`-displayfd` makes Xvfb choose a free display and report it, so parallel runs (and other engineers'
servers on this machine) never collide and nothing guesses numbers.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import select
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Optional

from processes import end

X_TOOLS = ("Xvfb", "xdotool")


def missing_x_tools() -> list[str]:
    """The programs a real-window test needs that are not installed (scripts/setup.sh --test installs them)."""
    return [tool for tool in X_TOOLS if shutil.which(tool) is None]


class XServer:
    """Xvfb with one screen; `display` is ':N' once started. A context manager; stop() is safe twice."""

    def __init__(self, width: int = 1600, height: int = 1000, depth: int = 24):
        self.size = f"{width}x{height}x{depth}"
        self.proc: Optional[subprocess.Popen] = None
        self.display = ""
        self._fd: Optional[int] = None

    def start(self, timeout_s: float = 10.0) -> "XServer":
        # the read end stays open while the server runs: with it closed at once, Xvfb named its display
        # and then accepted no client (seen on this machine)
        self._fd, write_fd = os.pipe()
        try:
            self.proc = subprocess.Popen(
                ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", self.size, "-nolisten", "tcp"],
                pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        finally:
            os.close(write_fd)
        ready, _, _ = select.select([self._fd], [], [], timeout_s)
        number = os.read(self._fd, 32).decode().strip() if ready else ""
        if not number.isdigit():
            self.stop()
            raise RuntimeError(f"Xvfb did not name a display within {timeout_s:g} s")
        self.display = f":{number}"
        return self

    def stop(self) -> None:
        end(self.proc)
        self.proc = None
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "XServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def request_close(display: str, window: int) -> None:
    """Ask `window` to close as a window manager's close button does (a WM_DELETE_WINDOW message), so the
    app runs its own close handling; xdotool 3.2016's windowclose destroys the window instead and the app
    lives on without it."""
    x11 = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XInternAtom.restype = ctypes.c_ulong
    x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x11.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long, ctypes.c_void_p]
    x11.XFlush.argtypes = x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    dpy = x11.XOpenDisplay(display.encode())
    if not dpy:
        raise RuntimeError(f"cannot open X display {display}")
    try:
        event = _ClientMessage(type=_CLIENT_MESSAGE, window=window, format=32,
                               message_type=x11.XInternAtom(dpy, b"WM_PROTOCOLS", 0))
        event.data[0] = x11.XInternAtom(dpy, b"WM_DELETE_WINDOW", 0)
        x11.XSendEvent(dpy, window, 0, 0, ctypes.byref(event))
        x11.XFlush(dpy)
    finally:
        x11.XCloseDisplay(dpy)


_CLIENT_MESSAGE = 33


class _ClientMessage(ctypes.Structure):
    """Xlib's XClientMessageEvent, padded to the size of an XEvent (24 longs)."""

    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                ("display", ctypes.c_void_p), ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                ("format", ctypes.c_int), ("data", ctypes.c_long * 5), ("pad", ctypes.c_long * 12)]


def screenshot(display: str, path: Path) -> bool:
    """The whole screen of `display` as a PNG, through Qt in a process of its own; False if that failed."""
    grab = ("import sys; from PySide6.QtWidgets import QApplication; app = QApplication([]); "
            "sys.exit(0 if app.primaryScreen().grabWindow(0).save(sys.argv[1]) else 1)")
    done = subprocess.run([sys.executable, "-c", grab, str(path)], capture_output=True, timeout=60,
                          env={**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"})
    return done.returncode == 0
