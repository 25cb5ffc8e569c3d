"""A real JACK server (dummy driver) for the MIDI tests, with a per-run name so parallel runs never collide."""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

RECORDER = Path(__file__).with_name("midi_recorder.py")
CLOCK_SOURCE = Path(__file__).with_name("clock_source.py")


REGISTRY = Path("/dev/shm/jack-shm-registry")
# jack2's shm registry: a 24-byte header (magic, protocol, type, size, hdr_len, entry_len), then 8 server slots
# of (pid_t pid, char name[257]) padded to 264 bytes
REGISTRY_HEADER, SERVER_SLOT, SERVER_SLOTS = 24, 264, 8


def reclaim_dead_server_slots(registry: Path = REGISTRY) -> int:
    """Free the registry slots of JACK servers whose process is gone; returns how many.

    jack2 has 8 server slots per machine and reclaims a dead server's slot only when a server of the same
    name starts again, so servers killed with -9 (as the fault tests do) would use them all up and every
    later jackd would fail with 'Too many servers already active'."""
    import struct

    try:
        with open(registry, "r+b") as fh:
            data = bytearray(fh.read(REGISTRY_HEADER + SERVER_SLOT * SERVER_SLOTS))
            if len(data) < REGISTRY_HEADER + SERVER_SLOT * SERVER_SLOTS:
                return 0
            freed = 0
            for i in range(SERVER_SLOTS):
                at = REGISTRY_HEADER + i * SERVER_SLOT
                (pid,) = struct.unpack_from("<i", data, at)
                if pid > 0 and not Path(f"/proc/{pid}").exists():
                    fh.seek(at)
                    fh.write(bytes(SERVER_SLOT))
                    freed += 1
            return freed
    except OSError:
        return 0


XRUN_WORDS = ("XRun", "was not finished")  # jackd's lines for a cycle it missed (its driver woke late, or a
#                                            client's process callback had not finished: "client = NAME")


class JackServer:
    """One jackd. Its error lines are kept with the time.monotonic_ns() each arrived (`log`), so a test can ask
    which cycles the server missed, and whose fault it named (`xruns`)."""

    def __init__(self, name: str, period: int = 256, rate: int = 48000):
        self.name, self.period, self.rate = name, period, rate
        self.proc = None
        self.log: list[tuple[int, str]] = []

    def start(self, clean: bool = True) -> "JackServer":
        if clean:  # stale files of a killed server with this name would stop a new one
            reclaim_dead_server_slots()
            for path in glob.glob(f"/dev/shm/jack_sem.*_{self.name}_*") + glob.glob(f"/dev/shm/jack_{self.name}_*"):
                Path(path).unlink(missing_ok=True)
        for mode in scheduling_modes():
            self.proc = subprocess.Popen(
                ["jackd", *mode, "-n", self.name, "-d", "dummy", "-r", str(self.rate), "-p", str(self.period)],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, errors="replace", start_new_session=True,
            )
            threading.Thread(target=self._keep_log, args=(self.proc.stderr,), daemon=True).start()
            done = subprocess.run(["jack_wait", "-s", self.name, "-w", "-t", "5"], capture_output=True, text=True)
            if done.returncode == 0 and "available" in done.stdout and self.proc.poll() is None:
                self.realtime = mode[0] == "-R"
                return self
            self.stop()
        raise RuntimeError(f"jackd {self.name} did not start: {done.stdout} {done.stderr}")

    def _keep_log(self, stream) -> None:
        for line in stream:
            self.log.append((time.monotonic_ns(), line.rstrip("\n")))

    def xruns(self, since_ns: int = 0, until_ns: int | None = None) -> list[tuple[int, str]]:
        """The server's lines about missed cycles that arrived in [since_ns, until_ns] (time.monotonic_ns)."""
        return [(t, line) for t, line in list(self.log) if t >= since_ns and (until_ns is None or t <= until_ns)
                and any(w in line for w in XRUN_WORDS)]

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def kill(self) -> None:
        """Kill -9, as a crash does: no client hears a goodbye, and the server's files stay in /dev/shm."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    @property
    def env(self) -> dict:
        return {"JACK_DEFAULT_SERVER": self.name, "JACK_NO_START_SERVER": "1"}


def scheduling_modes() -> list[list[str]]:
    """jackd's scheduling flags to try in turn. Realtime where the system allows it (root, or rtprio granted):
    the server's and every client's process thread then keep their cycles however loaded the cores are; else
    plain scheduling. DRUMMACHINE_TEST_JACK_PLAIN=1 asks for plain scheduling alone, as a CI machine that grants
    no realtime runs: how the timing tests are tried against such a machine here."""
    plain = ["--no-realtime"]
    return [plain] if os.environ.get("DRUMMACHINE_TEST_JACK_PLAIN") == "1" else [["-R", "-P", "70"], plain]


def jack_available() -> bool:
    return shutil.which("jackd") is not None and shutil.which("jack_wait") is not None


class Recorder:
    """The independent client: its own process, recording every message arriving from a port."""

    def __init__(self, tmp: Path, connect: str = "Drum Machine", virtual: str | None = None):
        self.out = tmp / f"rec-{time.monotonic_ns()}.jsonl"
        args = ["--virtual", virtual] if virtual else ["--connect", connect]
        self.proc = subprocess.Popen([sys.executable, str(RECORDER), "--out", str(self.out), *args, "--seconds", "120"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
        line = self.proc.stdout.readline()
        if "ready" not in line:
            raise RuntimeError(f"recorder did not start: {line} {self.proc.stderr.read()}")
        time.sleep(0.1)  # the connection takes effect within a server cycle or two

    def stop(self) -> list[dict]:
        self.proc.terminate()
        self.proc.wait(10)
        return [json.loads(line) for line in open(self.out)]


class PlayProcess:
    """`drummachine play` in its own process, its stdout and stderr read line by line as they come, each line
    with its arrival time (time.monotonic)."""

    def __init__(self, *args: str):
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        self.proc = subprocess.Popen([sys.executable, "-m", "drummachine", "play", "--api", "jack", *args], env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: dict[str, list[tuple[float, str]]] = {"stdout": [], "stderr": []}
        self._readers = [threading.Thread(target=self._read, args=(stream, self.lines[key]), daemon=True)
                         for key, stream in (("stdout", self.proc.stdout), ("stderr", self.proc.stderr))]
        for r in self._readers:
            r.start()

    @staticmethod
    def _read(stream, into: list) -> None:
        for line in stream:
            into.append((time.monotonic(), line.rstrip("\n")))

    def wait_for(self, stream: str, *words: str, timeout: float = 15.0) -> float:
        """The arrival time of the first line on `stream` holding every one of `words`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for at, line in list(self.lines[stream]):
                if all(w in line for w in words):
                    return at
            if self.proc.poll() is not None and not any(r.is_alive() for r in self._readers):
                break
            time.sleep(0.02)
        raise AssertionError(f"no {stream} line with {words}; stderr: {self.text('stderr')}")

    def text(self, stream: str) -> str:
        return "\n".join(line for _, line in self.lines[stream])

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM (play's own way to stop); the exit status."""
        if self.proc.poll() is None:
            self.proc.terminate()
        code = self.proc.wait(timeout)
        for r in self._readers:
            r.join(5)
        return code


class DawClock:
    """The stand-in DAW (its own process): a virtual port sending Start (or Song Position and Continue),
    24 clock ticks a beat, then Stop, when `play()` is called."""

    def __init__(self, tmp: Path, bpm: float, beats: int, from_step: int = -1, port: str = "DAW clock",
                 hold: bool = False):
        self.ticks_file = tmp / f"ticks-{time.monotonic_ns()}.txt"
        self.hold, self.port = hold, port
        self.proc = subprocess.Popen(
            [sys.executable, str(CLOCK_SOURCE), "--port", port, "--bpm", str(bpm), "--beats", str(beats),
             "--from-step", str(from_step), "--out", str(self.ticks_file), *(["--hold"] if hold else [])],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        if "ready" not in self.proc.stdout.readline():
            raise RuntimeError("the clock source did not start")

    def seen_by(self, studio, timeout_s: float = 10.0) -> str:
        """The studio's name for this DAW's port, once it lists the port among its clock inputs."""
        deadline = time.monotonic() + timeout_s
        while True:
            found = [p for p in studio.clock_inputs() if p.endswith(self.port)]
            if found:
                return found[0]
            if time.monotonic() > deadline:
                raise RuntimeError(f"the studio never listed the DAW's port {self.port!r} among its clock inputs")
            time.sleep(0.1)

    def play(self) -> list[int]:
        """Run the whole performance; returns the send time (perf_counter_ns) of every tick. With `hold`, its
        port stays open afterwards until `close()`."""
        if not self.hold:
            self.proc.communicate("go\n", timeout=60)
        else:
            self.proc.stdin.write("go\n")
            self.proc.stdin.flush()
            if "done" not in self.proc.stdout.readline():
                raise RuntimeError("the clock source stopped before the end of its performance")
        return [int(x) for x in self.ticks_file.read_text().split()]

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.communicate("", timeout=10)
