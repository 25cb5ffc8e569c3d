"""Do the knobs do what they say? For each knob at -2..2, the attributes of the grooves it decodes.

    python bench/knobs.py [--model assets/model] [--codes 100] [--temperature 1] [--json]

The same `--codes` codes (drawn from the model's prior by seed) are decoded with one knob at each position,
the others at 0, with the same sampling seeds, so only the knob differs. For each knob: the mean of its own
attribute at each position (it should rise monotonically), its change from -2 to +2 in units of the data's
spread (the training grooves' high-quarter mean minus low-quarter mean), and the largest change of another
attribute in the same units (it should be smaller).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from drummachine.groove.attributes import measure  # noqa: E402
from drummachine.model.engine import Engine  # noqa: E402
from drummachine.model.folder import DEFAULT_MODEL  # noqa: E402

POSITIONS = (-2.0, -1.0, 0.0, 1.0, 2.0)


def knob_table(engine: Engine, codes: int, temperature: float, seed: int = 0) -> list[dict]:
    knobs = engine.model.knobs
    base = np.stack([engine.random_latent(seed + i) for i in range(codes)])
    rows = []
    for name in knobs.names:
        means = {}
        for k in POSITIONS:
            zs = base + knobs.offset({name: k})
            hits = np.stack([p.hits for p in engine.decode_many(zs, engine.bars, temperature, seed)])
            means[k] = {a: float(v.mean()) for a, v in measure(hits).items()}
        spread = {a: knobs.span[a][1] - knobs.span[a][0] for a in knobs.names}
        own = [means[k][name] for k in POSITIONS]
        change = {a: (means[2.0][a] - means[-2.0][a]) / spread[a] for a in knobs.names}
        other = max((a for a in knobs.names if a != name), key=lambda a: abs(change[a]))
        rows.append({"knob": name, "own_by_position": dict(zip(map(str, POSITIONS), own)),
                     "monotonic": bool(np.all(np.diff(own) > 0)), "own_change_spreads": change[name],
                     "largest_other": other, "largest_other_change_spreads": change[other], "all": means})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("--codes", type=int, default=100)
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    engine = Engine(args.model)
    if engine.model.knobs is None:
        sys.exit(f"{args.model} has no knobs: make them with python -m export.knobs")
    t0 = time.perf_counter()
    rows = knob_table(engine, args.codes, args.temperature)
    print(f"model {args.model}: {args.codes} codes, 16 bars, temperature {args.temperature} "
          f"({time.perf_counter() - t0:.0f} s)")
    print(f"{'knob':<12} " + " ".join(f"{'at ' + format(k, '+g'):>8}" for k in POSITIONS)
          + f" {'monotonic':>9} {'own change':>10} {'largest other change':>28}")
    for r in rows:
        own = " ".join(f"{v:>8.2f}" for v in r["own_by_position"].values())
        print(f"{r['knob']:<12} {own} {str(r['monotonic']):>9} {r['own_change_spreads']:>9.2f}x "
              f"{r['largest_other']:>16} {r['largest_other_change_spreads']:>+9.2f}x")
    if args.json:
        print(json.dumps({"model": str(args.model), "codes": args.codes, "temperature": args.temperature, "rows": rows}))


if __name__ == "__main__":
    main()
