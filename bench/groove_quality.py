"""Do the model's grooves sound like real drummers'? Samples, rebuilds' neighbours and morphs, measured
musically beside real held-out grooves (the test split, or validation to choose a setting without looking at
test), with 95% intervals.

    python bench/groove_quality.py [--model assets/model] [--data data/gmd] [--split test|valid] [--samples 200]
                                   [--first-seed 0] [--temperatures 0 0.5 0.8 1] [--morphs 40] [--json OUT.json]

Samples use seeds first-seed .. first-seed + samples - 1: other seeds give another draw of the same model. With
--draws K, K draws of --samples each (the next seeds) are summed up per temperature: how many figures each draw
matched (mean and spread over draws), each figure's mean over draws and in how many draws it matched, and each
feature's mean overlap area. One draw's count moves by about a figure from seed to seed, so two models' or two
priors' samples are compared over draws. --morphs 0 skips the morphs.

Per temperature: every figure of trainer.grooves (hits per bar, backbeat, bar-to-bar distance at lags
1/2/4/8, repeat share, distinct bars, class rates) for samples beside the real held-out windows (real:
intervals by resampling files; samples: by resampling samples), whether the sample mean lies inside the
real interval (class rates: within 25% of the real rate), the same beside the training windows (the held-out
drummers play differently from the training drummers: ride 0.08 of steps on validation, 0.16 on test, 0.18 in
training; a model of the training grooves is read against both), diversity between samples, copying (bars found
verbatim in the training windows), and Yang & Lerch feature agreement (KL, overlap area). Then morphs:
the largest single-step share of the A-to-B change and the path length over the direct distance, for
A-to-B morphs between held-out grooves.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from drummachine.model.code_fit import FitSettings  # noqa: E402
from drummachine.model.engine import Engine  # noqa: E402
from drummachine.model.folder import DEFAULT_MODEL  # noqa: E402
from drummachine.groove.pattern import Pattern  # noqa: E402
from trainer.dataset import load_windows  # noqa: E402
from trainer.groove_report import diversity_estimate, grooves_of, sample_figure_rows, sample_grooves  # noqa: E402
from trainer.grooves import (  # noqa: E402
    FEATURES, feature_agreement, hamming_to_nearest, morph_smoothness,
)
from trainer.intervals import Estimate  # noqa: E402

def copying(samples: np.ndarray, train_bars: np.ndarray) -> dict:
    """Share of sample bars found verbatim among the training bars, and the mean cells to the nearest one."""
    bars = samples.reshape(-1, 16, 9)
    nearest = hamming_to_nearest(bars, train_bars)
    return {"verbatim_share": float((nearest == 0).mean()), "nearest_cells": float(nearest.mean())}


def morph_rows(engine: Engine, real_tokens: np.ndarray, count: int, steps: int, temperature: float,
               planned: bool = False) -> dict:
    """Smoothness of `count` A-to-B morphs between held-out windows: decoded along the latent path (the
    engine's interpolate at `temperature`), or `planned` (engine.plan_morph, what the app plays)."""
    rng = np.random.default_rng(0)
    shares, ratios = [], []
    for i in range(count):
        a, b = rng.choice(len(real_tokens), size=2, replace=False)
        pa, pb = Pattern.from_tokens(real_tokens[a]), Pattern.from_tokens(real_tokens[b])
        if planned:
            path = engine.plan_morph(pa, pb, seed=i).steps(steps)
        else:
            path = engine.interpolate(pa, pb, steps, temperature=temperature, seed=i)
        m = morph_smoothness(np.stack([p.hits for p in path]))
        shares.append(m["largest_step_share"])
        ratios.append(m["path_over_direct"])
    shares, ratios = np.array(shares), np.array(ratios)
    return {"morphs": count, "steps": steps, "kind": "planned" if planned else f"latent path, T={temperature:g}",
            "largest_step_share_mean": float(shares.mean()), "largest_step_share_max": float(shares.max()),
            "steady_share": float((shares <= 0.2).mean()),
            "path_over_direct_mean": float(np.mean(ratios[np.isfinite(ratios)])),
            "path_over_direct_le_1_5_share": float((ratios <= 1.5).mean())}


def over_draws(engine: Engine, real: np.ndarray, real_files: np.ndarray, temperature: float, first_seed: int,
               first: np.ndarray, draws: int, real_diversity: Estimate) -> dict:
    """The held-out figures and feature overlaps of `draws` draws of as many samples as `first`, the first draw's
    (drawn with seeds from first_seed; the next draws with the seeds after)."""
    samples, per_draw = len(first), []

    def sd(values: list) -> float:  # spread over draws (0 for one draw)
        return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0

    for d in range(draws):
        seeds = range(first_seed + d * samples, first_seed + (d + 1) * samples)
        hits = first if d == 0 else sample_grooves(engine, temperature, seeds)
        rows = sample_figure_rows(real, real_files, hits, real_diversity)
        per_draw.append({"matched": int(sum(v["matches"] for v in rows.values())),
                         "figures": {k: (v["samples"].value, bool(v["matches"])) for k, v in rows.items()},
                         "overlap": {n: feature_agreement(f(real), f(hits))["overlap"] for n, f in FEATURES.items()},
                         "real": {k: v["real"].to_dict() for k, v in rows.items()}})
    matched = [d["matched"] for d in per_draw]
    figures = {k: [d["figures"][k] for d in per_draw] for k in per_draw[0]["figures"]}
    overlaps = {n: [d["overlap"][n] for d in per_draw] for n in FEATURES}
    return {"draws": draws, "samples": samples, "matched": matched, "matched_mean": float(np.mean(matched)),
            "matched_sd": sd(matched),
            "figures": {k: {"real": per_draw[0]["real"][k], "mean": float(np.mean([v for v, _ in f])),
                            "sd": sd([v for v, _ in f]), "draws_matched": int(sum(m for _, m in f))}
                        for k, f in figures.items()},
            "overlap": {n: {"mean": float(np.mean(o)), "sd": sd(o)} for n, o in overlaps.items()}}


def fmt(e: Estimate) -> str:
    return f"{e.value:7.3f} [{e.low:.3f}, {e.high:.3f}]"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("--data", type=Path, default=Path("data/gmd"))
    ap.add_argument("--split", choices=("test", "valid"), default="test",
                    help="the held-out grooves to compare with (valid: for choices; test: for the record)")
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--first-seed", type=int, default=0, help="the first sampling seed")
    ap.add_argument("--draws", type=int, default=1,
                    help="draws of --samples each (the next seeds) to sum up per temperature (default 1: none)")
    ap.add_argument("--temperatures", type=float, nargs="+", default=[0.0, 0.5, 0.8, 1.0])
    ap.add_argument("--morphs", type=int, default=40)
    ap.add_argument("--morph-steps", type=int, default=8)
    ap.add_argument("--fit-steps", type=int, default=FitSettings().steps,
                    help="steps that fit a morph end's code to its groove, as the app does (0: the encoder's code)")
    ap.add_argument("--json", type=Path, help="write every figure here")
    args = ap.parse_args()
    if args.draws < 1 or args.samples < 2 or args.fit_steps < 0:
        ap.error(f"--draws is at least 1, --samples at least 2 and --fit-steps at least 0, not {args.draws}, "
                 f"{args.samples} and {args.fit_steps}")

    engine = Engine(args.model, fit=FitSettings(steps=args.fit_steps))
    held_out = load_windows(args.data, engine.bars, args.split)
    real, real_files = grooves_of(held_out.tokens.astype(np.int64)), held_out.file_index
    train = load_windows(args.data, engine.bars, "train")
    train_grooves, train_files = grooves_of(train.tokens.astype(np.int64)), train.file_index
    train_bars = train_grooves.reshape(-1, 16, 9)
    real_diversity, train_diversity = diversity_estimate(real, real_files), diversity_estimate(train_grooves, train_files)
    out = {"model": str(args.model), "split": args.split, "first_seed": args.first_seed, "real_windows": len(real),
           "real_files": int(len(np.unique(real_files))),
           "real": {"copying": copying(real[:200], train_bars)}, "temperatures": {}}
    print(f"model {args.model}; real: {len(real)} held-out 16-bar windows ({args.split} split) from "
          f"{out['real_files']} files; sampling seeds {args.first_seed}..{args.first_seed + args.samples - 1}")
    for t in args.temperatures:
        samples = sample_grooves(engine, t, range(args.first_seed, args.first_seed + args.samples))
        rows = sample_figure_rows(real, real_files, samples, real_diversity)
        rows_train = sample_figure_rows(train_grooves, train_files, samples, train_diversity)
        agreement = {name: feature_agreement(f(real), f(samples)) for name, f in FEATURES.items()}
        out["temperatures"][f"{t:g}"] = {
            "figures": {k: {"real": v["real"].to_dict(), "samples": v["samples"].to_dict(), "matches": v["matches"]}
                        for k, v in rows.items()},
            "matched": int(sum(v["matches"] for v in rows.values())), "of": len(rows),
            "train": {k: {"real": v["real"].to_dict(), "matches": v["matches"]} for k, v in rows_train.items()},
            "matched_train": int(sum(v["matches"] for v in rows_train.values())),
            "copying": copying(samples, train_bars), "features": agreement,
        }
        o = out["temperatures"][f"{t:g}"]
        print(f"\n## T = {t:g}: {o['matched']} of {o['of']} figures match the real held-out grooves "
              f"({o['matched_train']} the training grooves)")
        print("| figure | real held-out | samples | match | training grooves | match |\n|---|---|---|---|---|---|")
        for name, v in rows.items():
            tr = rows_train[name]
            print(f"| {name} | {fmt(v['real'])} | {fmt(v['samples'])} | {'yes' if v['matches'] else 'no'} | "
                  f"{fmt(tr['real'])} | {'yes' if tr['matches'] else 'no'} |")
        print(f"copying: {o['copying']['verbatim_share']:.1%} of sample bars verbatim in training "
              f"(real held-out: {out['real']['copying']['verbatim_share']:.1%}); nearest {o['copying']['nearest_cells']:.2f} cells")
        print("| feature | KL | overlap area |\n|---|---|---|")
        for name, a in agreement.items():
            print(f"| {name} | {a['kl']:.3f} | {a['overlap']:.3f} |")
        if args.draws > 1:
            o["over_draws"] = summary = over_draws(engine, real, real_files, t, args.first_seed, samples, args.draws,
                                                   real_diversity)
            print(f"\nover {args.draws} draws of {args.samples} (seeds {args.first_seed}.."
                  f"{args.first_seed + args.draws * args.samples - 1}): {summary['matched_mean']:.1f} "
                  f"(sd {summary['matched_sd']:.1f}) of {o['of']} figures matched; per draw "
                  + " ".join(str(m) for m in summary["matched"]))
            print("| figure | real held-out | samples: mean over draws (sd) | draws matched |\n|---|---|---|---|")
            for name, v in summary["figures"].items():
                r = v["real"]
                print(f"| {name} | {r['value']:.4f} [{r['low']:.4f}, {r['high']:.4f}] | {v['mean']:.4f} "
                      f"({v['sd']:.4f}) | {v['draws_matched']} of {args.draws} |")
            print("| feature | overlap area: mean over draws (sd) |\n|---|---|")
            for name, v in summary["overlap"].items():
                print(f"| {name} | {v['mean']:.3f} ({v['sd']:.3f}) |")
    for t, planned in ((0.0, False), (0.8, False), (0.0, True)) if args.morphs > 0 else ():
        m = morph_rows(engine, held_out.tokens.astype(np.int64), args.morphs, args.morph_steps, t, planned)
        out.setdefault("morphs", []).append(m)
        print(f"\nmorphs ({m['kind']}; {m['morphs']} of {m['steps']} steps): largest step share mean "
              f"{m['largest_step_share_mean']:.2f} (max {m['largest_step_share_max']:.2f}; {m['steady_share']:.0%} of "
              f"morphs <= 0.20); path / direct mean {m['path_over_direct_mean']:.2f} "
              f"({m['path_over_direct_le_1_5_share']:.0%} <= 1.5)")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
