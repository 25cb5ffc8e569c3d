"""A Link peer in its own process, driven over stdin/stdout with one JSON object a line each way.

    python tests/link_peer.py --role raw --bpm 120      # a plain Link app, as Ableton's LinkHut behaves
    python tests/link_peer.py --role clock --bpm 120    # our LinkClock, through the Clock protocol only

Run it only inside tests/netns.py's namespace: it refuses to enable Link in a process that sees any network
device but lo. It prints {"ready": true} once Link is enabled, then answers each request:

    {"op": "status"}                          peers, bpm, playing, the beat now (raw) or the ClockState (clock)
    {"op": "tempo", "bpm": 133}               set the session tempo now; answers when it did (perf_counter ns)
    {"op": "start"} / {"op": "stop"}          start/stop through start/stop sync; answers when
    {"op": "wait", "what": "peers"|"bpm"|"playing", "value": v, "timeout_s": 5}
                                              poll every 0.2 ms until it holds (peers: exactly v; bpm: within
                                              0.01); when it first did
    {"op": "beats", "first": k, "count": n}   perf_counter ns of beats k..k+n-1 (clock: of steps 4k..)
    {"op": "force", "beat": b}                rudely map beat b to now (a timeline jump for every peer)
    {"op": "play", "beats": n, "tempos": [..], "every": 32}
                                              (raw) start, one {"beat", "time_ns", "bpm"} line per beat as
                                              it passes, tempo changes between, stop; then {"done": true}
    {"op": "listen", "beats": n, "tempos": [..], "every": 32, "timeout_s": 10}
                                              (raw) the same for a session another peer starts: wait for it
                                              to play, report its beats (changing tempo), leave it playing
    {"op": "quit"}

Times are `time.perf_counter_ns()`: one system clock shared by every process here, so the test compares the
two peers' answers directly. The raw peer converts Link's microseconds with its own measured offset (the
tightest of 20 brackets), independently of `ClockBridge`. `PeerProcess` is a test's handle on one peer.
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from netns import NetNamespace, require_isolated  # noqa: E402
from processes import end  # noqa: E402

QUANTUM = 4.0


class RawPeer:
    """A plain Link app: LinkHut's habits (beat 0 at the start of play, next bar line with peers)."""

    def __init__(self, bpm: float):
        import link

        self.link = link.Link(bpm)
        self.link.startStopSyncEnabled = True
        self.clock = self.link.clock()
        self.offset_ns = self._measure_offset()
        self.was_playing = False
        self.link.enabled = True

    def _measure_offset(self) -> float:
        brackets = []
        for _ in range(20):
            a = time.perf_counter_ns()
            m = self.clock.micros()
            b = time.perf_counter_ns()
            brackets.append((b - a, (a + b) / 2 - (m * 1000 + 500)))
        return min(brackets)[1]

    def link_us(self, perf_ns: float) -> int:
        return round((perf_ns - self.offset_ns) / 1000)

    def session(self) -> Any:
        """The session now, with beat 0 moved to the start of play the first time we see it playing."""
        s = self.link.captureAppSessionState()
        if s.isPlaying() and not self.was_playing:
            s.requestBeatAtStartPlayingTime(0.0, QUANTUM)
            self.link.commitAppSessionState(s)
        self.was_playing = bool(s.isPlaying())
        return s

    def status(self) -> dict:
        now = time.perf_counter_ns()
        s = self.session()
        return {"perf_ns": now, "peers": self.link.numPeers(), "bpm": s.tempo(), "playing": bool(s.isPlaying()),
                "beat": s.beatAtTime(self.link_us(now), QUANTUM)}

    def tempo(self, bpm: float) -> None:
        s = self.session()
        s.setTempo(bpm, self.link_us(time.perf_counter_ns()))
        self.link.commitAppSessionState(s)

    def start(self) -> None:
        s = self.session()
        s.setIsPlayingAndRequestBeatAtTime(True, self.link_us(time.perf_counter_ns()), 0.0, QUANTUM)
        self.link.commitAppSessionState(s)
        self.was_playing = True

    def stop(self) -> None:
        s = self.session()
        s.setIsPlaying(False, self.link_us(time.perf_counter_ns()))
        self.link.commitAppSessionState(s)
        self.was_playing = False

    def beats(self, first: int, count: int) -> list[float]:
        s = self.session()
        return [s.timeAtBeat(float(k), QUANTUM) * 1000 + self.offset_ns for k in range(first, first + count)]

    def force(self, beat: float) -> None:
        s = self.session()
        s.forceBeatAtTime(beat, self.link_us(time.perf_counter_ns()), QUANTUM)
        self.link.commitAppSessionState(s)

    def play(self, beats: int, tempos: list[float], every: int) -> Iterator[dict]:
        """Start, report each beat 0..beats-1 once it has passed, and stop: a beat grid to measure against.

        Every `every` beats, just after the beat, the tempo moves to the next of `tempos` (so each beat's
        time is final when reported: Link keeps the past continuous at a change, and none comes mid-beat)."""
        self.start()
        yield from self.passing_beats(beats, tempos, every)
        self.stop()

    def listen(self, beats: int, tempos: list[float], every: int, timeout_s: float) -> Iterator[dict]:
        """As `play`, for a session another peer starts and stops: wait up to `timeout_s` for it to play, then
        report beats 0..beats-1 (beat 0 is the start, as LinkHut maps it), changing tempo as `play` does."""
        deadline = time.monotonic() + timeout_s
        while not self.session().isPlaying():
            if time.monotonic() > deadline:
                raise TimeoutError(f"no peer started the session within {timeout_s:g} s")
            time.sleep(0.0005)
        yield from self.passing_beats(beats, tempos, every)

    def passing_beats(self, beats: int, tempos: list[float], every: int) -> Iterator[dict]:
        """Beats 0..beats-1 of the playing session, each once it has passed (2 ms after); a stop ends them."""
        for k in range(beats):
            while True:
                s = self.session()
                if not s.isPlaying():
                    return
                now = time.perf_counter_ns()
                due = s.timeAtBeat(float(k), QUANTUM) * 1000 + self.offset_ns
                if now >= due + 2e6:
                    break
                time.sleep(min(0.02, max(0.0005, (due + 2e6 - now) / 1e9)))
            s = self.session()
            bpm = s.tempo()
            yield {"beat": k, "time_ns": s.timeAtBeat(float(k), QUANTUM) * 1000 + self.offset_ns, "bpm": bpm}
            if tempos and k > 0 and k % every == 0:
                self.tempo(tempos[(k // every) % len(tempos)])

    def close(self) -> None:
        self.link.enabled = False


class ClockPeer:
    """Our LinkClock, used only through the Clock protocol and its `peers`."""

    def __init__(self, bpm: float):
        from drummachine.live.link_clock import LinkClock, LinkConfig

        self.clock = LinkClock(LinkConfig(bpm=bpm))

    def status(self) -> dict:
        now = time.perf_counter_ns()
        st = self.clock.state(now)
        return {"perf_ns": now, "peers": self.clock.peers, "bpm": st.bpm, "playing": st.playing,
                "beat": st.step_at(now) / 4, "anchor_ns": st.anchor_ns, "anchor_step": st.anchor_step,
                "epoch": st.epoch}

    def tempo(self, bpm: float) -> None:
        self.clock.set_bpm(bpm, time.perf_counter_ns())

    def start(self) -> None:
        self.clock.start(time.perf_counter_ns())

    def stop(self) -> None:
        self.clock.stop(time.perf_counter_ns())

    def beats(self, first: int, count: int) -> list[float]:
        st = self.clock.state(time.perf_counter_ns())
        return [st.step_time(4 * k) for k in range(first, first + count)]

    def force(self, beat: float) -> None:
        raise ValueError("the Clock protocol has no way to force a beat")

    def close(self) -> None:
        self.clock.close()


def _wait(peer: Any, what: str, value: Any, timeout_s: float) -> dict:
    """Poll the peer's status until `what` matches `value`; when it first did, or ok False at the timeout."""
    holds: Callable[[dict], bool] = {
        "peers": lambda st: st["peers"] == value,
        "bpm": lambda st: abs(st["bpm"] - value) < 0.01,
        "playing": lambda st: st["playing"] == value,
    }[what]
    t0 = time.perf_counter_ns()
    while True:
        st = peer.status()
        if holds(st):
            return {"ok": True, "perf_ns": st["perf_ns"], "status": st}
        if st["perf_ns"] - t0 > timeout_s * 1e9:
            return {"ok": False, "perf_ns": st["perf_ns"], "status": st}
        time.sleep(0.0002)


def serve(peer: Any) -> None:
    """Answer requests from stdin until "quit" or end of input."""
    for line in sys.stdin:
        req = json.loads(line)
        op = req["op"]
        try:
            if op == "quit":
                reply: dict = {"ok": True}
            elif op == "status":
                reply = peer.status()
            elif op == "wait":
                reply = _wait(peer, req["what"], req["value"], req.get("timeout_s", 5.0))
            elif op == "beats":
                reply = {"times_ns": peer.beats(int(req["first"]), int(req["count"]))}
            elif op in ("play", "listen"):
                grid = (peer.play(int(req["beats"]), [float(t) for t in req.get("tempos", [])],
                                  int(req.get("every", 32))) if op == "play" else
                        peer.listen(int(req["beats"]), [float(t) for t in req.get("tempos", [])],
                                    int(req.get("every", 32)), float(req.get("timeout_s", 10.0))))
                for beat in grid:
                    print(json.dumps(beat), flush=True)
                reply = {"done": True}
            else:
                before = time.perf_counter_ns()
                {"tempo": lambda: peer.tempo(float(req["bpm"])), "start": peer.start, "stop": peer.stop,
                 "force": lambda: peer.force(float(req["beat"]))}[op]()
                reply = {"ok": True, "perf_ns": before}
        except Exception as exc:  # noqa: BLE001 - the test reads the error; the peer stays up
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(reply), flush=True)
        if op == "quit":
            return


class PeerProcess:
    """A test's handle on one peer process started inside `ns`: `peer(op="status")` sends and waits.

    Its answers are read from the pipe's file descriptor into our own buffer: a buffered reader could hold
    several lines that came together (a grid reported while the test was busy elsewhere), where `select`
    cannot see them, and wait for a line it already has."""

    def __init__(self, ns: NetNamespace, role: str, bpm: float = 120.0, timeout_s: float = 20.0):
        self.role = role
        self.timeout_s = timeout_s
        self._pending = b""
        self.proc = ns.popen([sys.executable, str(Path(__file__).resolve()), "--role", role, "--bpm", str(bpm)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
        first = self.reply()
        if not first.get("ready"):
            raise RuntimeError(f"{role} peer did not start: {first}")

    def send(self, **request: Any) -> None:
        """Send a request without waiting (its reply comes from `reply`)."""
        self.proc.stdin.write((json.dumps(request) + "\n").encode())

    def reply(self, timeout_s: float | None = None) -> dict:
        """The next answer; RuntimeError if the peer reported an error, died, or said nothing in time."""
        deadline = time.monotonic() + (timeout_s or self.timeout_s)
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._pending:
            left = deadline - time.monotonic()
            chunk = os.read(fd, 65536) if left > 0 and select.select([fd], [], [], left)[0] else b""
            if not chunk:  # nothing in time, or the pipe closed
                if self.proc.poll() is None and hasattr(signal, "SIGUSR1"):
                    self.proc.send_signal(signal.SIGUSR1)  # its threads' stacks to stderr, to see where it hangs
                    time.sleep(0.5)
                self.proc.kill()
                said = self.proc.stderr.read().decode(errors="replace").strip()[-4000:]
                raise RuntimeError(f"{self.role} peer gave no answer: {said}")
            self._pending += chunk
        line, _, self._pending = self._pending.partition(b"\n")
        answer = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"{self.role} peer: {answer['error']}")
        return answer

    def __call__(self, **request: Any) -> dict:
        self.send(**request)
        return self.reply()

    def close(self) -> None:
        """Ask it to quit (it disables Link), then make sure it has gone. Safe to call twice."""
        if self.proc.poll() is None:
            try:
                self.send(op="quit")
                self.proc.stdin.close()
            except (BrokenPipeError, ValueError):
                pass
        end(self.proc)
        for stream in (self.proc.stdout, self.proc.stderr):
            stream.close()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--role", choices=["raw", "clock"], required=True)
    ap.add_argument("--bpm", type=float, default=120.0)
    args = ap.parse_args()
    if hasattr(signal, "SIGUSR1"):
        faulthandler.register(signal.SIGUSR1, all_threads=True)  # PeerProcess asks for stacks when we hang
    require_isolated()
    peer = RawPeer(args.bpm) if args.role == "raw" else ClockPeer(args.bpm)
    try:
        print(json.dumps({"ready": True}), flush=True)
        serve(peer)
    finally:
        peer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
