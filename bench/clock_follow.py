"""How closely the studio follows a DAW's MIDI clock through a real JACK server: the lag of each beat's kick
behind the DAW's tick for that beat.

    python bench/clock_follow.py [--beats 64] [--bpm 120 150] [--model assets/model] [--json]

Starts its own JACK server (dummy driver, 256-frame periods, 5.3 ms) unless JACK_DEFAULT_SERVER names one. A
stand-in DAW in its own process (tests/clock_source.py) sends Start, 24 ticks a beat and Stop; the studio, set
to follow its port (`Studio.set_sync("midi", port)`, as the window's clock menu does), plays a kick on every
beat; an independent recorder process hears the studio's port. Per tempo: kicks heard against beats sent, and
the lag of each kick behind its beat's tick (the DAW's send time; the kick's arrival at the recorder: through
the server twice, so two or three periods are the floor) as median, p99 and max. The test
(tests/test_studio.py) only checks that the kicks come with their ticks; the figures are this bench's.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
from jack_server import DawClock, JackServer, Recorder  # noqa: E402

from drummachine.groove.pattern import Pattern  # noqa: E402
from drummachine.groove.take import Take  # noqa: E402
from drummachine.model.engine import Engine  # noqa: E402
from drummachine.model.folder import DEFAULT_MODEL  # noqa: E402
from drummachine.studio.session import Session  # noqa: E402
from drummachine.studio.studio import Studio  # noqa: E402

TICKS_PER_BEAT = 24


def run(engine: Engine, bpm: float, beats: int, tmp: Path) -> dict:
    v = np.zeros((1, 16, 9), np.uint8)
    v[0, ::4, 0] = 100  # a kick on every beat
    daw = DawClock(tmp, bpm=bpm, beats=beats)
    studio = Studio(engine, Session(), tmp / "config", api="jack")
    try:
        studio.session.commit(Take(Pattern(v)))
        studio.set_feel(amount=0.0)
        port = daw.seen_by(studio)
        if not studio.set_sync("midi", port):
            raise RuntimeError(f"the studio would not follow {port}: {studio.notice}")
        rec = Recorder(tmp)
        time.sleep(0.2)
        sent = daw.play()
        time.sleep(0.3)
        got = rec.stop()
    finally:
        studio.close()
        daw.close()
    kicks = np.array([m["t_ns"] for m in got if m["msg"][0] == 0x99 and m["msg"][2] > 0])
    beat_ticks = np.array(sent[::TICKS_PER_BEAT])
    n = min(len(kicks), len(beat_ticks))
    lag = (kicks[:n] - beat_ticks[:n]) / 1e6
    stats = lambda a: {"median": round(float(np.median(a)), 3), "p99": round(float(np.percentile(a, 99)), 3),  # noqa: E731
                       "max": round(float(a.max()), 3)} if len(a) else None
    return {"bpm": bpm, "beats_sent": len(beat_ticks), "kicks_heard": len(kicks), "lag_ms": stats(lag),
            "kicks_before_their_tick": int((lag <= 0).sum())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--beats", type=int, default=64)
    ap.add_argument("--bpm", type=float, nargs="+", default=[120.0, 150.0])
    ap.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    server = None
    if "JACK_DEFAULT_SERVER" not in os.environ:
        server = JackServer(f"follow{uuid.uuid4().hex[:6]}").start()
        os.environ.update(server.env)
    try:
        engine = Engine(args.model)
        with tempfile.TemporaryDirectory(prefix="clock-follow-") as tmp:
            rows = [run(engine, bpm, args.beats, Path(tmp)) for bpm in args.bpm]
    finally:
        if server:
            server.stop()
    where = f"JACK dummy, 256 frames at 48 kHz ({'realtime' if server and server.realtime else 'as running'})"
    print(f"{where}; a kick on every beat, following a DAW's clock")
    print(f"{'BPM':>5} {'beats':>6} {'kicks':>6} {'early':>6} | lag behind the tick, ms: {'median':>7} {'p99':>7} {'max':>7}")
    for r in rows:
        lag = r["lag_ms"] or {"median": float("nan"), "p99": float("nan"), "max": float("nan")}
        print(f"{r['bpm']:>5g} {r['beats_sent']:>6} {r['kicks_heard']:>6} {r['kicks_before_their_tick']:>6} | "
              f"{'':>24}{lag['median']:>7.2f} {lag['p99']:>7.2f} {lag['max']:>7.2f}")
    if args.json:
        print(json.dumps({"rows": rows}))


if __name__ == "__main__":
    main()
