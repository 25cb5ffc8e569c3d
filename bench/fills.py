"""Do fills sound like fills? Grooves decoded with and without "a fill every N bars", same codes and seeds.

    python bench/fills.py [--model assets/model] [--grooves 200] [--every 4] [--temperature 1] [--json]

For each groove: tom and crash hits per bar in the fill bars against the beat bars around them (the bar
before each fill and the bar after its landing) and against the same bars decoded without fills; and how often
the bar after a fill starts with a kick or a crash, against how often the beat bars do (neither fill nor landing)
and the same bars without fills (paired). 95% intervals from resampling the grooves (1,000 resamples).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from drummachine.model.engine import Engine  # noqa: E402
from drummachine.model.fills import fill_bars  # noqa: E402
from drummachine.model.folder import DEFAULT_MODEL  # noqa: E402
from trainer.intervals import mean_estimate  # noqa: E402

TOM_CRASH = [4, 5, 6, 7]
KICK, CRASH = 0, 7


def interval(values: np.ndarray) -> list[float]:
    """Mean of per-groove values with a 95% interval from resampling the grooves."""
    e = mean_estimate(values, np.arange(len(values)))
    return [e.value, e.low, e.high]


def fill_figures(hits: np.ndarray, plain: np.ndarray, every: int) -> dict:
    """hits, plain: (grooves, bars, 16, 9) with and without fills -> per-figure [mean, low, high]."""
    bars = hits.shape[1]
    ends = fill_bars(bars, every)
    lands = [(e + 1) % bars for e in ends]
    around = sorted(({(e - 1) % bars for e in ends} | {(land + 1) % bars for land in lands}) - set(ends) - set(lands))
    others = [b for b in range(bars) if b not in lands and b not in ends]  # beat bars: neither fill nor landing
    busy = lambda h, bs: h[:, bs][..., TOM_CRASH].sum(axis=(2, 3)).mean(axis=1)  # noqa: E731
    lands_on = lambda h, bs: (h[:, bs, 0, KICK] | h[:, bs, 0, CRASH]).mean(axis=1)  # noqa: E731
    return {
        "tom_crash_fill_bars": interval(busy(hits, ends)),
        "tom_crash_bars_around": interval(busy(hits, around)),
        "tom_crash_same_bars_without_fills": interval(busy(plain, ends)),
        "fill_minus_around": interval(busy(hits, ends) - busy(hits, around)),
        "kick_or_crash_on_one_after_fill": interval(lands_on(hits, lands).astype(float)),
        "kick_or_crash_on_one_other_bars": interval(lands_on(hits, others).astype(float)),
        "kick_or_crash_on_one_same_bars_without_fills": interval(lands_on(plain, lands).astype(float)),
        "landing_minus_same_bars_without_fills": interval(
            lands_on(hits, lands).astype(float) - lands_on(plain, lands).astype(float)),
        "crash_on_one_after_fill": interval(hits[:, lands, 0, CRASH].mean(axis=1).astype(float)),
        "crash_on_one_other_bars": interval(hits[:, others, 0, CRASH].mean(axis=1).astype(float)),
        "cells_changed_outside_fill_and_landing": interval(
            (hits != plain)[:, [b for b in range(bars) if b not in ends and b not in lands]].sum(axis=(2, 3)).mean(axis=1)
            .astype(float)),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("--grooves", type=int, default=200)
    ap.add_argument("--every", type=int, default=4)
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    engine = Engine(args.model)
    if not engine.has_fills:
        sys.exit(f"{args.model} has no fills: make them with python -m export.fills (a model with a code per bar)")
    t0 = time.perf_counter()
    base = np.stack([engine.random_latent(i) for i in range(args.grooves)])
    filled = np.stack([engine.with_fills(z, args.every) for z in base])
    decode = lambda zs: np.stack([p.hits for p in engine.decode_many(zs, engine.bars, args.temperature, 0)])  # noqa: E731
    figures = fill_figures(decode(filled), decode(base), args.every)
    out = {"model": str(args.model), "grooves": args.grooves, "every": args.every, "temperature": args.temperature,
           "seconds": round(time.perf_counter() - t0, 1), "figures": figures}
    if args.json:
        print(json.dumps(out, indent=1))
        return
    print(f"fills every {args.every} bars, {args.grooves} grooves at T={args.temperature} ({out['seconds']} s)")
    print(f"{'figure':<46} {'mean':>7} {'95% interval':>18}")
    for name, (m, lo, hi) in figures.items():
        print(f"{name:<46} {m:7.3f}   [{lo:6.3f}, {hi:6.3f}]")


if __name__ == "__main__":
    main()
