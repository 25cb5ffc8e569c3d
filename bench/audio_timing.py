"""The built-in sound's timing on a real audio server, heard by an independent client.

    python bench/audio_timing.py [--minutes 10] [--bpm 120] [--period 256] [--json]

Starts its own JACK server (dummy driver, 48 kHz, --period frames; realtime where the system allows), then
plays two grooves through `tests/audio_play_probe.py` (the player and the sounddevice stream, in their own
process) while `tests/audio_recorder.py` records the stream's output ports:
- sparse: kick, swung snare and closed hat, each sound over before the next, so every onset in the recording
  can be found and checked against its note-on's scheduled time (error = heard - scheduled, in ms; the
  goal is within one period plus 1 ms);
- dense: a generated 16-bar groove with a closed hat on every 16th (many voices at once): the callback's cost.
Each phase takes half of --minutes. For both: xruns PortAudio reported, hits that reached their block late
(and how many of those came within 64 blocks after an xrun), and the callback's CPU share of one core (its thread's CPU time over wall time; goal < 5 %).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
from audio_capture import AudioRecorder, onsets  # noqa: E402
from jack_server import JackServer  # noqa: E402

from drummachine.midi.clip import write_clip  # noqa: E402
from drummachine.groove.pattern import Pattern  # noqa: E402

PROBE = ROOT / "tests" / "audio_play_probe.py"


def sparse_groove(path: Path) -> Path:
    v = np.zeros((1, 16, 9), dtype=np.uint8)
    v[0, 0, 0], v[0, 5, 1], v[0, 10, 2] = 110, 100, 90
    return write_clip(Pattern(v), path)


def dense_groove(path: Path) -> Path:
    from drummachine.model.engine import Engine
    from drummachine.model.folder import DEFAULT_MODEL

    p = Engine(DEFAULT_MODEL).sample(16, 0.9, seed=11).pattern
    v = p.velocities.copy()
    v[:, :, 2] = np.where(v[:, :, 2] > 0, v[:, :, 2], 70)
    return write_clip(Pattern(v), path)


def phase(name: str, groove: Path, seconds: float, bpm: float, swing: float, tmp: Path, check: bool) -> dict:
    probe = subprocess.Popen([sys.executable, str(PROBE), str(groove), "--bpm", str(bpm), "--swing", str(swing),
                              "--seconds", str(seconds)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    opened = probe.stdout.readline()
    if not opened.startswith("open"):
        raise RuntimeError(f"the player did not open the sound device: {probe.stderr.read()}")
    recorder = AudioRecorder(tmp / f"rec-{name}", connect="PortAudio", seconds=seconds + 20) if check else None
    if recorder:
        recorder.wait_ready()
    out, err = probe.communicate("go\n", timeout=seconds + 120)
    if probe.returncode:
        raise RuntimeError(f"the player failed: {err}")
    played = json.loads(out.strip().splitlines()[-1])
    stats = played["stats"]
    row = {"phase": name, "seconds": seconds, "hits": stats["hits"], "xruns": stats["xruns"],
           "late_hits": stats["late_hits"], "late_near_xrun": stats["late_near_xrun"], "callbacks": stats["callbacks"],
           "cpu_share_pct": round(100 * stats["cpu_share"], 3),
           "mean_callback_us": round(stats["callback_ns"] / max(1, stats["callbacks"]) / 1e3, 1),
           "max_callback_ms": round(stats["max_callback_ns"] / 1e6, 3), "stream_latency_ms": round(1000 * stats["latency_s"], 3),
           "player_realtime": stats["realtime"]}
    if recorder:
        rec = recorder.stop()
        heard = onsets(rec.audio, threshold=0.01, quiet=int(0.1 * rec.rate))
        expected = np.array([rec.heard_frame_of(t) for t in played["note_ons"]])
        # each scheduled hit against the nearest onset heard
        nearest = heard[np.clip(np.searchsorted(heard, expected), 0, len(heard) - 1)] if len(heard) else expected
        before = heard[np.clip(np.searchsorted(heard, expected) - 1, 0, len(heard) - 1)] if len(heard) else expected
        best = np.where(np.abs(before - expected) < np.abs(nearest - expected), before, nearest)
        err_ms = (best - expected) / rec.rate * 1000
        bound = rec.meta["period"] / rec.rate * 1000 + 1.0
        row.update({"onsets_scheduled": len(expected), "onsets_heard": len(heard),
                    "onset_error_ms": {"median": round(float(np.median(err_ms)), 3),
                                       "p99": round(float(np.percentile(np.abs(err_ms), 99)), 3),
                                       "max_abs": round(float(np.abs(err_ms).max()), 3)},
                    "onsets_outside_bound": int((np.abs(err_ms) > bound).sum()), "bound_ms": round(bound, 3),
                    "recorder_gaps": rec.meta["gaps"]})
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--bpm", type=float, default=120.0)
    ap.add_argument("--swing", type=float, default=60.0)
    ap.add_argument("--period", type=int, default=256)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    server = JackServer(f"abench{uuid.uuid4().hex[:6]}", period=args.period).start()
    os.environ.update(server.env)
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"audio-bench-{uuid.uuid4().hex[:6]}"
    tmp.mkdir(parents=True)
    half = args.minutes * 60 / 2
    try:
        rows = [phase("sparse", sparse_groove(tmp / "sparse.mid"), half, args.bpm, args.swing, tmp, check=True),
                phase("dense", dense_groove(tmp / "dense.mid"), half, args.bpm, args.swing, tmp, check=False)]
    finally:
        server.stop()
    print(f"JACK dummy driver, {args.period} frames at 48 kHz ({'realtime' if server.realtime else 'not realtime'}); "
          f"{args.bpm:g} BPM, swing {args.swing:g} %; {args.minutes:g} minutes in all")
    print(f"{'phase':<7} {'min':>5} {'hits':>6} {'xruns':>5} {'late/near xrun':>14} {'cpu %':>6} {'mean us':>7} {'max ms':>6} | "
          f"{'onsets':>6} {'heard':>6} {'err med':>7} {'p99|e|':>7} {'max|e|':>7} {'> bound':>7} (ms)")
    for r in rows:
        line = (f"{r['phase']:<7} {r['seconds'] / 60:>5.1f} {r['hits']:>6} {r['xruns']:>5} {r['late_hits']:>6}/{r['late_near_xrun']:<7} "
                f"{r['cpu_share_pct']:>6.2f} {r['mean_callback_us']:>7.1f} {r['max_callback_ms']:>6.2f} | ")
        if "onset_error_ms" in r:
            e = r["onset_error_ms"]
            line += (f"{r['onsets_scheduled']:>6} {r['onsets_heard']:>6} {e['median']:>7.3f} {e['p99']:>7.3f} "
                     f"{e['max_abs']:>7.3f} {r['onsets_outside_bound']:>7}")
        else:
            line += "(not checked: sounds overlap)"
        print(line)
    if args.json:
        print(json.dumps({"rows": rows}))


if __name__ == "__main__":
    main()
