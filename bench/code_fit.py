"""How fitting a groove's code to the groove (drummachine/model/code_fit.py) trades fidelity, distance and time.

For random held-out windows (seeded; windows of every drummer, not the first N of one), each setting of steps,
step size and anchor: the greedy rebuild's per-step accuracy and kick / snare / closed-hat F1, how far the fitted
code moved from the encoder's (RMS over the code, in the encoder's sigmas), and the milliseconds a groove takes.
Then, for the engine's settings, how far variations of a groove land from it with either code under them. Settings
are chosen here on validation; `trainer evaluate --fit-steps` then scores the chosen one on every window with
intervals.

    .venv/bin/python bench/code_fit.py --model assets/model --split valid --windows 256 [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import astuple
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from drummachine.model import format as fmt  # noqa: E402
from drummachine.model.code_fit import FitSettings, fit_groove  # noqa: E402
from drummachine.model.engine import Engine  # noqa: E402
from drummachine.model.folder import DEFAULT_MODEL  # noqa: E402
from trainer.dataset import load_windows  # noqa: E402
from trainer.groove_report import grooves_of  # noqa: E402

SETTINGS = ((0, 0.2, 0.1), (10, 0.2, 0.1), (20, 0.2, 0.1), (50, 0.1, 0.1), (20, 0.2, 0.0), (20, 0.2, 0.3),
            (20, 0.2, 1.0))  # (steps, rate, anchor): the first is the encoder's code as it is


def rebuild_figures(tokens: np.ndarray, rebuilt: np.ndarray) -> dict:
    real, made = grooves_of(tokens), grooves_of(rebuilt)
    out = {"accuracy": float((rebuilt == tokens).mean())}
    for c, name in ((0, "kick"), (1, "snare"), (2, "closed hat")):
        a, b = real[..., c].astype(bool), made[..., c].astype(bool)
        out[f"F1 {name}"] = float(2 * (a & b).sum() / max(2 * (a & b).sum() + (a ^ b).sum(), 1))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("--data", type=Path, default=Path("data/gmd"))
    ap.add_argument("--split", choices=("valid", "test"), default="valid")
    ap.add_argument("--windows", type=int, default=256)
    ap.add_argument("--settings", choices=("grid", "engine"), default="grid",
                    help="grid: the settings compared in docs/RESULTS.md; engine: the engine's own only")
    ap.add_argument("--variation-grooves", type=int, default=64, help="grooves the variations are measured on")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    engine = Engine(args.model)
    fit_graph = engine.model.sessions.get(fmt.BAR_FIT)
    if fit_graph is None:
        sys.exit(f"error: {args.model} has no {fmt.BAR_FIT}: add it with `python -m export --add-fit`")
    held_out = load_windows(args.data, engine.bars, args.split).tokens.astype(np.int64)
    tokens = held_out[np.sort(np.random.default_rng(0).choice(len(held_out), min(args.windows, len(held_out)),
                                                              replace=False))]
    mu, sigma = engine.model.sessions[fmt.ENCODER].run(None, {"tokens": tokens})
    rows = []
    print(f"model {args.model}; {len(tokens)} random {args.split} windows")
    print(f"{'steps':>5} {'rate':>5} {'anchor':>6} {'accuracy':>9} {'F1 kick':>8} {'F1 snare':>9} {'F1 hat':>7} "
          f"{'moved (sd)':>10} {'ms a groove':>12}")
    grid = SETTINGS if args.settings == "grid" else ((0, 0.2, 0.1), astuple(engine.fit_settings))
    for steps, rate, anchor in grid:
        settings = FitSettings(steps, rate, anchor)
        t0 = time.perf_counter()
        codes = np.stack([fit_groove(fit_graph, t, m, s, settings) if steps else m
                          for t, m, s in zip(tokens, mu, sigma)])
        ms = (time.perf_counter() - t0) * 1000 / len(tokens)
        rebuilt = np.stack([engine.decode(z, None, 0.0, 0).tokens() for z in codes])
        moved = float(np.sqrt((((codes - mu) / sigma) ** 2).mean(1)).mean())
        row = {"steps": steps, "rate": rate, "anchor": anchor, **rebuild_figures(tokens, rebuilt),
               "moved_sd": moved, "ms_per_groove": ms}
        rows.append(row)
        print(f"{steps:>5} {rate:>5g} {anchor:>6g} {row['accuracy']:>9.4f} {row['F1 kick']:>8.4f} "
              f"{row['F1 snare']:>9.4f} {row['F1 closed hat']:>7.4f} {moved:>10.2f} {ms:>12.1f}", flush=True)
    variation_rows = variations(engine, tokens[:args.variation_grooves], mu, sigma, fit_graph)
    if args.json:
        print(json.dumps({"model": str(args.model), "split": args.split, "windows": len(tokens), "rows": rows,
                          "variations": variation_rows}))


def variations(engine: Engine, tokens: np.ndarray, mu: np.ndarray, sigma: np.ndarray, fit_graph) -> list[dict]:
    """How far a variation (engine.variations, T = 0) lands from the groove it varies, in cells per bar, with the
    encoder's code and with the fitted code under it: a variation of amount 0 should be the groove itself, and
    more should move further."""
    from drummachine.groove.pattern import Pattern

    grooves = grooves_of(tokens)
    fitted = np.stack([fit_groove(fit_graph, t, m, s, engine.fit_settings) for t, m, s in zip(tokens, mu, sigma)])
    out = []
    print(f"\nvariations of {len(tokens)} of these grooves at T = 0 (seed 1): cells per bar from the groove")
    print(f"{'amount':>6} {'encoder':>8} {'fitted':>7}")
    for amount in (0.0, 0.25, 0.5, 1.0):
        row = {"amount": amount}
        for name, codes in (("encoder", mu), ("fitted", fitted)):
            made = np.stack([engine.variations(Pattern.from_tokens(t), amount, 1, 0.0, 1, code=z)[0].pattern.hits
                             for t, z in zip(tokens, codes)])
            row[name] = float((made != grooves).sum(axis=(2, 3)).mean())
        out.append(row)
        print(f"{amount:>6g} {row['encoder']:>8.2f} {row['fitted']:>7.2f}", flush=True)
    return out


if __name__ == "__main__":
    main()
