"""Phase error against an Ableton Link peer's beat grid, in a private network namespace.

    python bench/link_phase.py [--beats 512] [--tempos 120,133,97,150] [--every 32] [--source clock] [--json]

Peer A is a plain Link app (tests/link_peer.py, LinkHut's habits). It starts the session, reports the time of
each of its beats once the beat has passed, moves the tempo every `--every` beats, and stops. The follower
runs in its own process in the same namespace and plays along:

- `--source clock` (now): a scheduler as small as the player's, on a `LinkClock`. It reads `state(now)`,
  sleeps towards each 16th in slices of at most 20 ms, spins the last 1.5 ms, and notes when it woke. Two
  errors per beat k, against A's beat k: the clock's prediction (`step_time(4k)` as read last before the
  step: the conversion and Link's own agreement) and the wake-up (prediction plus scheduling lateness).
- `--source player`: the live player (`Player`, as `drummachine play --sync link` runs it) on a `LinkClock`,
  playing a kick on every beat and a hat on every 16th, swing 50, MIDI clock on, into a virtual port of a JACK
  server started inside the namespace. Its `SendRecord`s give, per beat, the time the note-on was scheduled
  for (the player's prediction) and the time it was sent (`scheduled`, `sent`), each against A's beat k.

Reports, over the beats both sides have: median, p99 and max phase error in ms, beats missing on either side,
and how many times the follower saw the epoch change (once at the start; more means the grid jumped). A beat
pairs with the peer's beat at the same place in the bar (Link shares the phase within the bar, not bar
numbers); beats whose peer beat has another number (whole bars away) are counted as renumbered.
Link runs only inside the namespace (tests/netns.py), so no packet leaves the machine.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import json
import math
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
from drummachine.live.clock import Clock, ClockState  # noqa: E402
from drummachine.groove.pattern import Pattern  # noqa: E402
from link_peer import PeerProcess  # noqa: E402
from netns import NamespaceJack, NetNamespace, require_isolated, unavailable_reason  # noqa: E402

SLICE_NS = 20_000_000  # the follower re-reads the clock at least this often while it waits (the player's horizon)
SPIN_NS = 1_500_000  # and spins the last stretch before a step, as the player does
BAR_SEARCH = 2  # a beat pairs with the peer's beat at its place in the bar, up to this many bars either way


# --- the follower (runs inside the namespace) -------------------------------------------------------------

def clock_steps(bpm: float, timeout_s: float) -> Iterator[dict]:
    """Play along on a LinkClock until the session stops: one {"step", "predicted_ns", "woke_ns", "epoch"}
    per 16th."""
    from drummachine.live.link_clock import LinkClock, LinkConfig

    with LinkClock(LinkConfig(bpm=bpm)) as clock:
        deadline = time.monotonic() + timeout_s
        while clock.peers < 1 or not clock.state(time.perf_counter_ns()).playing:
            if time.monotonic() > deadline:
                raise SystemExit("the follower saw no peer start the session")
            time.sleep(0.001)
        epoch, step = None, 0
        while time.monotonic() < deadline:
            now = time.perf_counter_ns()
            st = clock.state(now)
            if not st.playing:
                return
            if st.epoch != epoch:
                epoch, step = st.epoch, max(0, math.ceil(st.step_at(now)))
            target = st.step_time(step)
            if target - now > SPIN_NS:
                time.sleep(min(target - now - SPIN_NS, SLICE_NS) / 1e9)
                continue
            while time.perf_counter_ns() < target:
                pass
            yield {"step": step, "predicted_ns": target, "woke_ns": time.perf_counter_ns(), "epoch": epoch}
            step += 1


class ClockReads:
    """The LinkClock the player reads, passed through, keeping each new timeline the player was told.

    A note-on's step is where the timeline it was planned on puts its time: the player's own `step_at` of the
    state it last read before that time. A state is kept when its step, tempo, epoch or transport differs from
    the one kept before (a few per step), so a long run holds thousands, not every one of the loop's reads."""

    def __init__(self, clock: Clock):
        self.clock = clock
        self.name = clock.name
        self.kept: list[ClockState] = []  # in the order read
        self.read_at: list[int] = []  # when each was read (perf_counter ns)
        self._lock = threading.Lock()

    def state(self, now_ns: int) -> ClockState:
        st = self.clock.state(now_ns)
        with self._lock:
            last = self.kept[-1] if self.kept else None
            if last is None or (st.anchor_step, st.bpm, st.epoch, st.playing) != (
                    last.anchor_step, last.bpm, last.epoch, last.playing):
                self.kept.append(st)
                self.read_at.append(now_ns)
        return st

    def start(self, now_ns: int) -> None:
        self.clock.start(now_ns)

    def stop(self, now_ns: int) -> None:
        self.clock.stop(now_ns)

    def set_bpm(self, bpm: float, now_ns: int) -> None:
        self.clock.set_bpm(bpm, now_ns)

    def close(self) -> None:
        self.clock.close()

    def at(self, t_ns: int) -> ClockState:
        """The state read last at or before `t_ns` (the first one for an earlier time)."""
        return self.kept[max(0, bisect.bisect_right(self.read_at, t_ns) - 1)]


def beat_pattern() -> Pattern:
    """One bar: a kick on each beat, a closed hat on every 16th (so the player sends as it would a busy groove)."""
    p = Pattern.empty(1)
    for s in range(16):
        p = p.with_hit(0, s, 2, 80)
        if s % 4 == 0:
            p = p.with_hit(0, s, 0, 110)
    return p


def player_note_ons(bpm: float, timeout_s: float) -> Iterator[dict]:
    """The live player on a LinkClock, into a JACK virtual port (the server this process is pointed at): one
    record per step with notes, once the session stops, of its first note-on: {"step", "predicted_ns" (the
    time it was scheduled for), "woke_ns" (when it was sent), "epoch"}, the records `clock_steps` yields."""
    from drummachine.live.link_clock import LinkClock, LinkConfig
    from drummachine.live.player import Player, PlayerSettings
    from drummachine.live.sources import LoopSource
    from drummachine.midi.ports import MidiOutput

    settings = PlayerSettings(bpm=bpm, swing=50)  # MIDI clock on, as `play` sends by default
    with Player(lambda: MidiOutput("jack"), LoopSource(beat_pattern()), settings, record_sends=True) as player:
        if not player.output_ok:
            raise SystemExit(f"the player has no MIDI output: {[f.message for f in player.faults]}")
        link = LinkClock(LinkConfig(bpm=bpm))
        reads = ClockReads(link)
        player.use_clock(reads)  # the player closes it (leaving the session) when it closes
        deadline = time.monotonic() + timeout_s
        while link.peers < 1 or not reads.state(time.perf_counter_ns()).playing:
            if time.monotonic() > deadline:
                raise SystemExit("the follower saw no peer start the session")
            time.sleep(0.001)
        player.start()  # the session plays: join it, in phase
        while reads.state(time.perf_counter_ns()).playing:
            if time.monotonic() > deadline:
                raise SystemExit("the session never stopped")
            time.sleep(0.05)
        faults = [f"{f.kind}: {f.message}" for f in player.faults]
        sends = list(player.sends)
    if faults:
        print(json.dumps({"faults": faults}), file=sys.stderr, flush=True)
    seen: set[int] = set()
    for send in sends:
        status, *data = send.message
        if status & 0xF0 != 0x90 or data[1] == 0:
            continue
        st = reads.at(send.scheduled_ns)
        step = round(st.step_at(send.scheduled_ns))
        if step not in seen:  # the step's first note-on (the kick, on a beat)
            seen.add(step)
            yield {"step": step, "predicted_ns": send.scheduled_ns, "woke_ns": send.sent_ns, "epoch": st.epoch}


def follow(source: str, bpm: float, timeout_s: float) -> int:
    """The follower process: prints {"ready": true}, then one JSON line per step, then {"done": true}."""
    require_isolated()
    print(json.dumps({"ready": True}), flush=True)
    steps = clock_steps if source == "clock" else player_note_ons
    for record in steps(bpm, timeout_s):
        print(json.dumps(record), flush=True)
    print(json.dumps({"done": True}), flush=True)
    return 0


# --- the statistics -----------------------------------------------------------------------------------------

def phase_errors(grid_ns: dict[int, float], records: list[dict]) -> dict:
    """Each record on a beat (step 4k, our beat k) against the peer's beat at the same place in the bar that is
    nearest in time: errors in ms, and what did not pair up.

    Link shares tempo and the phase within the bar (quantum 4), not bar numbers, so two peers may count bars
    differently, and a peer's count may move by whole bars while its phase stays; `renumbered` counts the beats
    paired with a peer beat whose number is not ours (a whole number of bars away), `bar_offsets` which."""
    on_beats = {r["step"] // 4: r for r in records if r["step"] % 4 == 0}
    pairs: dict[int, tuple[int, dict]] = {}  # peer beat -> (our beat, our record)
    for ours, record in on_beats.items():
        same_place = [ours + 4 * m for m in range(-BAR_SEARCH, BAR_SEARCH + 1) if ours + 4 * m in grid_ns]
        if same_place:
            peer = min(same_place, key=lambda k: abs(record["predicted_ns"] - grid_ns[k]))
            pairs[peer] = (ours, record)
    paired = sorted(pairs)
    return {
        "beats": len(paired),
        "missing_in_follower": len(set(grid_ns) - set(pairs)),
        "missing_in_peer": len(on_beats) - len(paired),
        "renumbered": sum(1 for k in paired if pairs[k][0] != k),
        "bar_offsets": sorted({(pairs[k][0] - k) // 4 for k in paired}),
        "epochs": len({r["epoch"] for r in records}),
        "prediction_ms": [(pairs[k][1]["predicted_ns"] - grid_ns[k]) / 1e6 for k in paired],
        "wake_ms": [(pairs[k][1]["woke_ns"] - grid_ns[k]) / 1e6 for k in paired],
    }


def summary(errors_ms: list[float]) -> dict:
    """Median, p99 and max of the absolute error, and the signed median (ms)."""
    if not errors_ms:
        return {"median": None, "p99": None, "max": None, "signed_median": None}
    a = np.abs(np.asarray(errors_ms))
    return {"median": float(np.median(a)), "p99": float(np.percentile(a, 99)), "max": float(a.max()),
            "signed_median": float(np.median(errors_ms))}


# --- the run ------------------------------------------------------------------------------------------------

def run(beats: int, tempos: list[float], every: int, source: str, dump: Path | None = None) -> dict:
    with NetNamespace() as ns, contextlib.ExitStack() as held:
        # the player's notes go to a JACK server inside the namespace (none outside it is reachable from there)
        env = held.enter_context(NamespaceJack(ns)).env if source == "player" else None
        peer = PeerProcess(ns, "raw", tempos[0], timeout_s=30.0)
        longest_s = beats * 60 / min(tempos) + 30
        follower = ns.popen([sys.executable, __file__, "--follower", source, "--bpm", str(tempos[0]),
                             "--timeout", str(longest_s + 30)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        records: list[dict] = []
        said: list[str] = []  # the follower's stderr: a failure's reason, or the player's faults as JSON
        readers = [threading.Thread(target=lambda: records.extend(json.loads(line) for line in follower.stdout),
                                    daemon=True),
                   threading.Thread(target=lambda: said.extend(follower.stderr), daemon=True)]
        try:
            for reader in readers:
                reader.start()
            if not peer(op="wait", what="peers", value=1, timeout_s=10.0)["ok"]:
                died = follower.poll() is not None
                time.sleep(0.2)
                raise SystemExit("the follower never joined the peer's session"
                                 + (f": {''.join(said).strip()[-2000:]}" if died else ""))
            time.sleep(0.5)  # let the follower see the peer too
            grid: dict[int, float] = {}
            peer_beats: list[dict] = []
            peer.send(op="play", beats=beats, tempos=tempos, every=every)
            while True:
                line = peer.reply(timeout_s=60.0)
                if line.get("done"):
                    break
                grid[line["beat"]] = line["time_ns"]
                peer_beats.append(line)
            follower.wait(timeout=60)
            for reader in readers:
                reader.join(timeout=10)
        finally:
            peer.close()
            if follower.poll() is None:
                follower.kill()
        if follower.returncode != 0:
            raise SystemExit(f"the follower failed: {''.join(said).strip()[-2000:]}")
    steps = [r for r in records if "step" in r]
    if dump is not None:  # the raw material, to look at a run whose numbers surprise
        dump.write_text(json.dumps({"peer_beats": peer_beats, "records": steps}))
    faults = [f for line in said if line.startswith("{") for f in json.loads(line).get("faults", [])]
    found = phase_errors(grid, steps)
    return {"source": source, "tempos": tempos, "every": every, "beats_played": beats,
            "tempo_changes": sum(1 for k in range(1, beats) if tempos and k % every == 0
                                 and tempos[(k // every) % len(tempos)] != tempos[(k // every - 1) % len(tempos)]),
            "beats_compared": found["beats"], "missing_in_follower": found["missing_in_follower"],
            "missing_in_peer": found["missing_in_peer"], "renumbered": found["renumbered"],
            "bar_offsets": found["bar_offsets"], "epochs": found["epochs"], "faults": faults,
            "prediction_ms": summary(found["prediction_ms"]), "wake_ms": summary(found["wake_ms"])}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--beats", type=int, default=512)
    ap.add_argument("--tempos", default="120,133,97,150", help="BPM, the peer moves to the next every --every beats")
    ap.add_argument("--every", type=int, default=32)
    ap.add_argument("--source", choices=["clock", "player"], default="clock")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--dump", type=Path, help="write the peer's beat times and the follower's records here (JSON)")
    ap.add_argument("--follower", choices=["clock", "player"], help=argparse.SUPPRESS)  # inside the namespace
    ap.add_argument("--bpm", type=float, default=120.0, help=argparse.SUPPRESS)
    ap.add_argument("--timeout", type=float, default=600.0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.follower:
        return follow(args.follower, args.bpm, args.timeout)
    reason = unavailable_reason()
    if reason:
        raise SystemExit(f"cannot run: {reason}")
    result = run(args.beats, [float(t) for t in args.tempos.split(",")], args.every, args.source, args.dump)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{result['source']}: {result['beats_compared']} beats compared of {result['beats_played']} "
          f"(tempos {args.tempos}, {result['tempo_changes']} changes, every {args.every} beats); missing: follower "
          f"{result['missing_in_follower']}, peer {result['missing_in_peer']}; epochs seen {result['epochs']}; "
          f"beats a whole bar from the peer's number {result['renumbered']} (bars {result['bar_offsets']}); "
          f"player faults {len(result['faults'])}")
    # the player's records: when a note-on was scheduled for, and when it was sent
    names = {"prediction_ms": "scheduled", "wake_ms": "sent"} if args.source == "player" else {
        "prediction_ms": "prediction", "wake_ms": "wake"}
    for name, label in names.items():
        s = result[name]
        print(f"  {label:<10} |error| median {s['median']:.3f} ms, p99 {s['p99']:.3f} ms, max {s['max']:.3f} ms "
              f"(signed median {s['signed_median']:+.3f} ms)")
    for fault in result["faults"][:10]:
        print(f"  fault: {fault}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
