"""The two processes a window soak watches: the installed app with its window, and a MIDI tap that hears it.

`App` starts `drummachine` (no arguments: the window) on an X display with a private config folder and
HOME, reads its memory and threads from /proc and its session from disk, and closes it as a musician would.
`Tap` runs tests/midi_tap.py on JACK port soak-tap:in and keeps the app's virtual port connected to it, and
to a second listener of another make (`Dump`: JACK's own jack_midi_dump), so that a message one listener's
client lost under load is told from one the app never sent.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional

from note_audit import START, STOP, Expectation
from processes import end
from xvfb import request_close

HERE = Path(__file__).resolve().parent
TAP_CLIENT = "soak-tap"
DUMP_CLIENT = "soak-dump"
HEX_BYTE = frozenset("0123456789abcdef")
APP_PORT = ":Drum Machine"  # the app's virtual port, whichever client name it has


def app_command(python: Path = Path(sys.executable)) -> Path:
    return python.parent / "drummachine"


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS (kB) and Threads of a live process, from /proc."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "Threads"):
            out[key] = int(value.split()[0])
    return out


class StreamedLines:
    """A file another process writes line by line, read as it grows: each call gives the lines completed since
    the last (the last piece may be a line still being written)."""

    def __init__(self, path: Path):
        self._fh = open(path)
        self._partial = ""

    def new(self) -> list[str]:
        self._partial += self._fh.read()
        *lines, self._partial = self._partial.split("\n")
        return lines

    def close(self) -> None:
        self._fh.close()


def dump_line(line: str, rate: int) -> Optional[tuple[int, list[int]]]:
    """One line of `jack_midi_dump -a` ("  78080: 99 24 64 note on  (channel  9): ..."): (ns since the dump
    started, message), or None for a line that holds no message (a warning)."""
    frame, colon, rest = line.partition(":")
    if not colon or not frame.strip().isdigit():
        return None
    data = []
    for word in rest.split():
        if len(word) != 2 or not set(word) <= HEX_BYTE:
            break
        data.append(int(word, 16))
    return (int(frame) * 1_000_000_000 // rate, data) if data else None


class Dump:
    """The second listener: `jack_midi_dump -a` (C, no Python, its own JACK client soak-dump:input), whose lines
    are "FRAME: b1 b2 ... description"; the frame count since it started is its clock."""

    def __init__(self, folder: Path, env: dict, rate: int):
        self.path, self.rate = folder / "dump.txt", rate
        # line-buffered, so that a take is on disk once it arrived
        with open(self.path, "w") as out, open(folder / "dump.err", "w") as err:
            self.proc = subprocess.Popen(["stdbuf", "-oL", "jack_midi_dump", "-a", DUMP_CLIENT], stdout=out,
                                         stderr=err, env=env)
        self.timed: list[tuple[int, list[int]]] = []
        self._lines = StreamedLines(self.path)
        for _ in range(50):
            ports = subprocess.run(["jack_lsp"], env=env, capture_output=True, text=True).stdout.split()
            if f"{DUMP_CLIENT}:input" in ports:
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        self.close()
        raise RuntimeError(f"jack_midi_dump, the second MIDI listener, did not start: "
                           f"{(folder / 'dump.err').read_text()[-500:]}")

    def read(self) -> list[tuple[int, list[int]]]:
        """Every message so far, as (arrival ns since the dump started, message)."""
        self.timed += [m for m in (dump_line(line, self.rate) for line in self._lines.new()) if m is not None]
        return self.timed

    def close(self) -> None:
        end(self.proc)
        self._lines.close()


class Tap:
    """The listening end: midi_tap.py in its own process on JACK port soak-tap:in, read as it streams, and the
    second listener (`Dump`) beside it."""

    def __init__(self, folder: Path, env: dict, rate: int):
        self.path, self.env = folder / "tap.jsonl", env
        with open(folder / "tap.err", "w") as err:
            self.proc = subprocess.Popen([sys.executable, str(HERE / "midi_tap.py"), "--client", TAP_CLIENT,
                                          "--out", str(self.path)], stdout=subprocess.PIPE, stderr=err, text=True,
                                         env=env)
        try:
            if "ready" not in (self.proc.stdout.readline() or ""):
                raise RuntimeError("the MIDI tap did not start")
            self.dump = Dump(folder, env, rate)
        except RuntimeError:
            end(self.proc)
            raise
        self.timed: list[tuple[int, list[int]]] = []
        self._lines = StreamedLines(self.path)
        self._playing = False

    def read(self) -> list[tuple[int, list[int]]]:
        """Every message so far, as (arrival ns, message)."""
        for line in self._lines.new():
            t, *msg = json.loads(line)
            self.timed.append((t, msg))
            if msg[0] in (START, STOP):
                self._playing = msg[0] == START
        return self.timed

    @property
    def playing(self) -> bool:
        """Whether the last of Start and Stop that arrived was Start."""
        self.read()
        return self._playing

    def first_arrival_ns(self) -> Optional[int]:
        """When the tap's clock began (its first message arrived), on time.monotonic_ns()'s clock: the tightest
        of the tap's pairs of a reading taken after a batch and the batch's last arrival (midi_tap.py)."""
        pairs = [line.split() for line in Path(f"{self.path}.clock").read_text().splitlines()]
        gaps = [int(p[0]) - int(p[1]) for p in pairs  # a line still being written is left out
                if len(p) == 2 and p[0].isdigit() and p[1].lstrip("-").isdigit()]
        return min(gaps) if gaps else None

    def connections(self) -> dict[str, list[str]]:
        """Every JACK port of the server and the ports it is connected to."""
        listing = subprocess.run(["jack_lsp", "-c"], env=self.env, capture_output=True, text=True).stdout
        links: dict[str, list[str]] = {}
        port = ""
        for line in listing.splitlines():
            if line.startswith(" "):
                links[port].append(line.strip())
            else:
                port = line.strip()
                links[port] = []
        return links

    def connect(self) -> None:
        """Connect the app's virtual port to the tap (again: the port is new after a port change or a
        reconnection, and its client may then carry another name, such as drummachine-01)."""
        for port, peers in self.connections().items():
            if not port.endswith(APP_PORT):
                continue
            for listener in (f"{TAP_CLIENT}:in", f"{DUMP_CLIENT}:input"):
                if listener not in peers:
                    subprocess.run(["jack_connect", port, listener], env=self.env, capture_output=True)

    def close(self) -> None:
        end(self.proc)
        self._lines.close()
        self.dump.close()


class App:
    """`drummachine` with no arguments (the window), on `display`, with a private config folder and HOME."""

    def __init__(self, folder: Path, display: str, jack_env: dict, python: Path = Path(sys.executable)):
        self.config, home = folder / "config", folder / "home"
        for d in (self.config, home, folder / "run"):
            d.mkdir(mode=0o700, exist_ok=True)
        self.display = display
        env = {**os.environ, **jack_env, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb", "HOME": str(home),
               "XDG_CONFIG_HOME": str(home / ".config"), "XDG_RUNTIME_DIR": str(folder / "run"),
               "DRUMMACHINE_CONFIG": str(self.config), "OMP_NUM_THREADS": "1"}
        self.log_path = folder / "app.log"
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen([str(app_command(python))], cwd=home, env=env, stdout=log,
                                         stderr=subprocess.STDOUT)
        self.window = 0

    def wait_for_window(self, timeout_s: float) -> int:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and self.proc.poll() is None:
            found = self.xdo("search", "--onlyvisible", "--pid", str(self.proc.pid), "--name", "^drummachine$")
            if found.split():
                self.window = int(found.split()[0])
                return self.window
            time.sleep(0.5)
        status = self.proc.poll()
        why = f"exited with status {status}" if status is not None else f"did not open within {timeout_s:g} s"
        raise RuntimeError(f"the window {why}: {self.output_tail()}")

    def xdo(self, *args: str) -> str:
        return subprocess.run(["xdotool", *args], env={**os.environ, "DISPLAY": self.display},
                              capture_output=True, text=True).stdout

    def other_windows(self) -> list[int]:
        """Visible windows of the app besides the main one, with a title: dialogs (a file chooser)."""
        found = self.xdo("search", "--onlyvisible", "--pid", str(self.proc.pid), "--name", ".")
        return [int(w) for w in found.split() if int(w) != self.window]

    def session(self) -> dict:
        return json.loads((self.config / "session.json").read_text())

    def session_age_s(self) -> float:
        return time.time() - (self.config / "session.json").stat().st_mtime

    def expectation(self) -> Expectation:
        """What a take should send, from the session the app saved and the note maps it knows."""
        from drummachine.midi import note_maps
        from drummachine.studio.session import Session

        s = Session.from_json(self.session())
        played = self.performed(s)  # with the model's feel, as the app plays it
        return Expectation(played.velocities, note_maps.resolve(s.settings.note_map, self.config),
                           s.settings.channel - 1, s.audible(), played.offsets, s.settings.swing, s.settings.bpm)

    def performed(self, session):
        """The session's pattern as the app plays it: the studio's own rule, with the app's (bundled) model."""
        from drummachine.model.engine import Engine
        from drummachine.studio.studio import Studio

        if getattr(self, "_engine", None) is None:
            self._engine = Engine()
        return Studio(self._engine, session, self.config, api=None).performed()

    def status(self) -> dict[str, int]:
        return proc_status(self.proc.pid)

    def output_tail(self, chars: int = 2000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]

    def window_size(self) -> tuple[int, int]:
        geometry = self.xdo("getwindowgeometry", str(self.window)).split("Geometry:")[-1].strip()
        w, _, h = geometry.partition("x")
        return int(w), int(h)

    def close(self, timeout_s: float = 20.0) -> Optional[int]:
        """Close the window as a musician does; the exit status (None if it had to be killed)."""
        if self.proc.poll() is None and self.window:
            request_close(self.display, self.window)
        try:
            return self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None
