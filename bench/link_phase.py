"""Phase error against an Ableton Link peer's beat grid, in a private network namespace.

    python bench/link_phase.py [--beats 512] [--tempos 120,133,97,150] [--every 32] [--source clock] [--json]

Peer A is a plain Link app (tests/link_peer.py, LinkHut's habits). It starts the session, reports the time of
each of its beats once the beat has passed, moves the tempo every `--every` beats, and stops. The follower
runs in its own process in the same namespace and plays along:

- `--source clock` (now): a scheduler as small as the player's, on a `LinkClock`. It reads `state(now)`,
  sleeps towards each 16th in slices of at most 20 ms, spins the last 1.5 ms, and notes when it woke. Two
  errors per beat k, against A's beat k: the clock's prediction (`step_time(4k)` as read last before the
  step: the conversion and Link's own agreement) and the wake-up (prediction plus scheduling lateness).
- `--source player` (stage 2): the live player on a `LinkClock`, its note-on send times. Not wired yet; see
  `player_note_ons`, which is where those notes will be read.

Reports, over the beats both sides have: median, p99 and max phase error in ms, beats missing on either side,
and how many times the follower saw the epoch change (once at the start; more means the grid jumped).
Link runs only inside the namespace (tests/netns.py), so no packet leaves the machine.
"""

from __future__ import annotations

import argparse
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
from link_peer import PeerProcess  # noqa: E402
from netns import NetNamespace, require_isolated, unavailable_reason  # noqa: E402

SLICE_NS = 20_000_000  # the follower re-reads the clock at least this often while it waits (the player's horizon)
SPIN_NS = 1_500_000  # and spins the last stretch before a step, as the player does


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


def player_note_ons(bpm: float, timeout_s: float) -> Iterator[dict]:
    """STAGE 2 - where the notes from the player will be read.

    The player now reads one Clock (`Player.use_clock`, commit d85b582); what is left: make a `Player` with a
    pattern that has a note on every beat, `PlayerSettings(bpm=bpm, swing=50)`, `record_sends=True` and an
    output the namespace can open (no server outside it is reachable: a JACK server started inside, or ALSA),
    call `use_clock(LinkClock(LinkConfig(bpm=bpm)))` and `start()`, and once the session stops yield for each
    note-on in `player.sends` {"step": its step (the clock's `step_at(scheduled_ns)`, rounded),
    "predicted_ns": scheduled_ns, "woke_ns": sent_ns, "epoch": the clock's epoch}: the records `clock_steps`
    yields, so `phase_errors` and `summary` apply unchanged."""
    raise NotImplementedError("stage 2: the player's notes are not read yet (bench/link_phase.py, player_note_ons)")


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
    """Each record on a beat (step 4k) against the peer's beat k: errors in ms, and what did not pair up."""
    on_beats = {r["step"] // 4: r for r in records if r["step"] % 4 == 0}
    paired = sorted(set(grid_ns) & set(on_beats))
    return {
        "beats": len(paired),
        "missing_in_follower": len(set(grid_ns) - set(on_beats)),
        "missing_in_peer": len(set(on_beats) - set(grid_ns)),
        "epochs": len({r["epoch"] for r in records}),
        "prediction_ms": [(on_beats[k]["predicted_ns"] - grid_ns[k]) / 1e6 for k in paired],
        "wake_ms": [(on_beats[k]["woke_ns"] - grid_ns[k]) / 1e6 for k in paired],
    }


def summary(errors_ms: list[float]) -> dict:
    """Median, p99 and max of the absolute error, and the signed median (ms)."""
    if not errors_ms:
        return {"median": None, "p99": None, "max": None, "signed_median": None}
    a = np.abs(np.asarray(errors_ms))
    return {"median": float(np.median(a)), "p99": float(np.percentile(a, 99)), "max": float(a.max()),
            "signed_median": float(np.median(errors_ms))}


# --- the run ------------------------------------------------------------------------------------------------

def run(beats: int, tempos: list[float], every: int, source: str) -> dict:
    with NetNamespace() as ns:
        peer = PeerProcess(ns, "raw", tempos[0], timeout_s=30.0)
        longest_s = beats * 60 / min(tempos) + 30
        follower = ns.popen([sys.executable, __file__, "--follower", source, "--bpm", str(tempos[0]),
                             "--timeout", str(longest_s + 30)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        records: list[dict] = []
        reader = threading.Thread(target=lambda: records.extend(json.loads(line) for line in follower.stdout),
                                  daemon=True)
        try:
            reader.start()
            if not peer(op="wait", what="peers", value=1, timeout_s=10.0)["ok"]:
                died = follower.poll() is not None
                raise SystemExit("the follower never joined the peer's session"
                                 + (f": {follower.stderr.read().strip().splitlines()[-1]}" if died else ""))
            time.sleep(0.5)  # let the follower see the peer too
            grid: dict[int, float] = {}
            peer.send(op="play", beats=beats, tempos=tempos, every=every)
            while True:
                line = peer.reply(timeout_s=60.0)
                if line.get("done"):
                    break
                grid[line["beat"]] = line["time_ns"]
            follower.wait(timeout=30)
            reader.join(timeout=10)
        finally:
            peer.close()
            if follower.poll() is None:
                follower.kill()
        if follower.returncode != 0:
            raise SystemExit(f"the follower failed: {follower.stderr.read()[-2000:]}")
    steps = [r for r in records if "step" in r]
    found = phase_errors(grid, steps)
    return {"source": source, "tempos": tempos, "every": every, "beats_played": beats,
            "beats_compared": found["beats"], "missing_in_follower": found["missing_in_follower"],
            "missing_in_peer": found["missing_in_peer"], "epochs": found["epochs"],
            "prediction_ms": summary(found["prediction_ms"]), "wake_ms": summary(found["wake_ms"])}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--beats", type=int, default=512)
    ap.add_argument("--tempos", default="120,133,97,150", help="BPM, the peer moves to the next every --every beats")
    ap.add_argument("--every", type=int, default=32)
    ap.add_argument("--source", choices=["clock", "player"], default="clock")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--follower", choices=["clock", "player"], help=argparse.SUPPRESS)  # inside the namespace
    ap.add_argument("--bpm", type=float, default=120.0, help=argparse.SUPPRESS)
    ap.add_argument("--timeout", type=float, default=600.0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.follower:
        return follow(args.follower, args.bpm, args.timeout)
    reason = unavailable_reason()
    if reason:
        raise SystemExit(f"cannot run: {reason}")
    result = run(args.beats, [float(t) for t in args.tempos.split(",")], args.every, args.source)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{result['source']}: {result['beats_compared']} beats compared of {result['beats_played']} "
          f"(tempos {args.tempos}, a change every {args.every}); missing: follower {result['missing_in_follower']}, "
          f"peer {result['missing_in_peer']}; epochs seen {result['epochs']}")
    for name in ("prediction_ms", "wake_ms"):
        s = result[name]
        print(f"  {name[:-3]:<10} |error| median {s['median']:.3f} ms, p99 {s['p99']:.3f} ms, max {s['max']:.3f} ms "
              f"(signed median {s['signed_median']:+.3f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
