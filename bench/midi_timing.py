"""Live MIDI timing through a real MIDI server, with the engine generating concurrently.

    python bench/midi_timing.py [--notes 2000] [--bpm 120 180] [--api jack] [--model assets/model] [--json]

Starts its own JACK server (dummy driver, 256-frame periods) unless --api names a running system, plays a
generated 16-bar groove (hats on every 16th so notes are dense) into the virtual port, records it in an
independent client process, and reports for each tempo: the error of each note's send time against its
schedule (median, p99, max), the receive-time error through the server (quantised to its period), and
notes dropped or out of order. Meanwhile a thread asks the engine for a new 16-bar groove every bar.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import uuid
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
from jack_server import JackServer, Recorder  # noqa: E402

from drummachine.live.sources import LoopSource  # noqa: E402
from drummachine.model.engine import Engine  # noqa: E402
from drummachine.model.folder import DEFAULT_MODEL  # noqa: E402
from drummachine.groove.pattern import Pattern  # noqa: E402
from drummachine.live.player import Player, PlayerSettings  # noqa: E402
from drummachine.midi.ports import MidiOutput  # noqa: E402


def dense_groove(engine: Engine) -> Pattern:
    """A generated groove with a closed hat on every 16th, so every step sends notes."""
    p = engine.sample(16, 0.8, seed=7).pattern
    v = p.velocities.copy()
    v[:, :, 2] = np.where(v[:, :, 2] > 0, v[:, :, 2], 70)
    return Pattern(v)


def run(engine: Engine, bpm: float, notes: int, api: str, tmp: Path) -> dict:
    pattern = dense_groove(engine)
    per_bar = int(pattern.hits.sum()) / pattern.bars
    bars = int(np.ceil(notes / per_bar))
    seconds = bars * 4 * 60 / bpm
    stop_generating = threading.Event()
    generated = []

    def generate():  # the engine works while the player plays, as in the app
        while not stop_generating.wait(4 * 60 / bpm):
            t0 = time.perf_counter()
            engine.sample(16, 0.8, seed=len(generated))
            generated.append((time.perf_counter() - t0) * 1000)

    settings = PlayerSettings(bpm=bpm, send_clock=True)
    with Player(lambda: MidiOutput(api), LoopSource(pattern), settings, record_sends=True) as player:
        rec = Recorder(tmp)
        worker = threading.Thread(target=generate, daemon=True)
        worker.start()
        player.start()
        time.sleep(seconds + 0.03 - 60 / bpm / 8)
        player.stop()
        stop_generating.set()
        time.sleep(0.2)
        got = rec.stop()
        sends = [r for r in player.sends if r.message[0] & 0xF0 == 0x90 and r.message[2] > 0]
        realtime = player.realtime
    send_err = np.array([(r.sent_ns - r.scheduled_ns) / 1e6 for r in sends])
    sent_notes = [(r.message[1], r.message[2]) for r in sends]
    recv = [m for m in got if m["msg"][0] & 0xF0 == 0x90 and m["msg"][2] > 0]
    recv_notes = [(m["msg"][1], m["msg"][2]) for m in recv]
    n = min(len(sends), len(recv))
    # receive error: arrival minus schedule, minus the median offset (the server's fixed latency)
    offsets = np.array([(recv[i]["t_ns"] - sends[i].scheduled_ns) / 1e6 for i in range(n)])
    recv_err = offsets - np.median(offsets) if n else np.array([0.0])
    return {
        "bpm": bpm, "notes_sent": len(sends), "notes_received": len(recv),
        "dropped": len(sends) - len(recv), "out_of_order": int(sum(a != b for a, b in zip(sent_notes, recv_notes))),
        "send_error_ms": {"median": round(float(np.median(send_err)), 4), "p99": round(float(np.percentile(send_err, 99)), 4),
                          "max": round(float(send_err.max()), 4)},
        "receive_jitter_ms": {"median": round(float(np.median(np.abs(recv_err))), 3),
                              "p99": round(float(np.percentile(np.abs(recv_err), 99)), 3),
                              "max": round(float(np.abs(recv_err).max()), 3)},
        "server_latency_ms": round(float(np.median(offsets)), 3) if n else None,
        "generations_during_play": len(generated),
        "generation_ms_median": round(float(np.median(generated)), 2) if generated else None,
        "realtime_thread": realtime,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--notes", type=int, default=2000)
    ap.add_argument("--bpm", type=float, nargs="+", default=[120.0, 180.0])
    ap.add_argument("--api", default="jack")
    ap.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    server = None
    if args.api == "jack" and "JACK_DEFAULT_SERVER" not in os.environ:
        server = JackServer(f"bench{uuid.uuid4().hex[:6]}").start()
        os.environ.update(server.env)
    tmp = Path(os.environ.get("TMPDIR", "/tmp"))
    try:
        engine = Engine(args.model)
        rows = [run(engine, bpm, args.notes, args.api, tmp) for bpm in args.bpm]
    finally:
        if server:
            server.stop()
    period = f"JACK dummy, 256 frames at 48 kHz ({'realtime' if server and server.realtime else 'as running'})"
    print(f"{period}; engine sampling 16 bars every bar meanwhile")
    print(f"{'BPM':>5} {'sent':>6} {'recv':>6} {'lost':>5} {'order':>6} | send error ms: {'median':>7} {'p99':>7} {'max':>7} "
          f"| receive jitter ms: {'median':>7} {'p99':>7} {'max':>7}")
    for r in rows:
        s, j = r["send_error_ms"], r["receive_jitter_ms"]
        print(f"{r['bpm']:>5g} {r['notes_sent']:>6} {r['notes_received']:>6} {r['dropped']:>5} {r['out_of_order']:>6} | "
              f"{'':>14}{s['median']:>7.3f} {s['p99']:>7.3f} {s['max']:>7.3f} | {'':>19}{j['median']:>7.3f} "
              f"{j['p99']:>7.3f} {j['max']:>7.3f}")
    if args.json:
        print(json.dumps({"rows": rows}))


if __name__ == "__main__":
    main()
