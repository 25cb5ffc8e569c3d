"""How many of the sample figures do real drummers' grooves match? A reference for a model's samples.

    python bench/sample_reference.py [--data data/gmd] [--samples 200] [--draws 10] [--json OUT.json]

bench/groove_quality.py counts how many of 18 figures (lag profile, repeats, distinct bars, class rates within
25%, diversity, ...) a model's samples match on a held-out split. This reads real grooves as if they were samples,
through the same `sample_figure_rows`, against each held-out split:
- training grooves: --draws draws of --samples windows drawn at random (each window as likely as any other, as in
  the held-out figures; windows of one file share its groove, so their files resample together): what a sampler
  that plays the training drummers' own grooves would score;
- all training windows at once (the same sampler with unlimited samples);
- the other held-out split: all of its windows.
A model tuned on validation can score above the training grooves there, so this is a reference, not a bound. Where
real grooves miss a figure, the held-out drummers play differently from the others (GMD's held-out splits hold few
files of each drummer and style).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from trainer.dataset import load_windows  # noqa: E402
from trainer.groove_report import diversity_estimate, grooves_of, sample_figure_rows  # noqa: E402

SPLITS = ("valid", "test")


def summary(rows: dict) -> dict:
    """How many figures matched, which did not, and each figure's value for the set read as samples."""
    missed = [k for k, v in rows.items() if not v["matches"]]
    return {"matched": len(rows) - len(missed), "missed": missed,
            "values": {k: v["samples"].value for k, v in rows.items()}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("data/gmd"))
    ap.add_argument("--bars", type=int, default=16)
    ap.add_argument("--samples", type=int, default=200, help="training windows a draw (a model's sample set)")
    ap.add_argument("--draws", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, help="write every count and figure here")
    args = ap.parse_args()
    sets = {s: load_windows(args.data, args.bars, s) for s in ("train", *SPLITS)}
    if not 2 <= args.samples <= len(sets["train"].tokens) or args.draws < 1:
        ap.error(f"--samples is 2 to {len(sets['train'].tokens)} (the training windows) and --draws at least 1, "
                 f"not {args.samples} and {args.draws}")

    grooves = {s: grooves_of(w.tokens.astype(np.int64)) for s, w in sets.items()}
    train, train_files = grooves["train"], sets["train"].file_index
    rng = np.random.default_rng(args.seed)
    draws = [rng.choice(len(train), size=args.samples, replace=False) for _ in range(args.draws)]
    out: dict = {"samples": args.samples, "draws": args.draws, "splits": {}}
    for split in SPLITS:
        real, files = grooves[split], sets[split].file_index
        real_diversity = diversity_estimate(real, files)
        per_draw = [summary(sample_figure_rows(real, files, train[idx], real_diversity, train_files[idx]))
                    for idx in draws]
        everything = sample_figure_rows(real, files, train, real_diversity, train_files)
        other = SPLITS[1 - SPLITS.index(split)]
        rows = sample_figure_rows(real, files, grooves[other], real_diversity, sets[other].file_index)
        counts = [d["matched"] for d in per_draw]
        missed: dict[str, int] = {}
        for d in per_draw:
            for m in d["missed"]:
                missed[m] = missed.get(m, 0) + 1
        out["splits"][split] = o = {
            "of": len(rows), "files": int(len(np.unique(files))),
            "real": {k: v["real"].to_dict() for k, v in rows.items()},
            "training_draws": {"matched": counts, "mean": float(np.mean(counts)),
                               "sd": float(np.std(counts, ddof=1)) if len(counts) > 1 else 0.0,
                               "draws_missed": missed, "draws": per_draw},
            "training_all": summary(everything),
            "other_split": {"split": other, **summary(rows)},
        }
        t = o["training_draws"]
        print(f"\n## {split}: real grooves read as samples ({o['files']} held-out files; figures of {o['of']})")
        print(f"training grooves, {args.draws} draws of {args.samples} windows: {t['mean']:.1f} (sd {t['sd']:.1f}) "
              "matched; per draw " + " ".join(map(str, counts)))
        print("missed in draws: " + (", ".join(f"{k} {v} of {args.draws}" for k, v in
                                              sorted(missed.items(), key=lambda kv: -kv[1])) or "none"))
        a = o["training_all"]
        print(f"all {len(train)} training windows: {a['matched']} matched; missed: " + (", ".join(a["missed"]) or "none"))
        s = o["other_split"]
        print(f"the {other} split's grooves, all windows: {s['matched']} matched; missed: " + (", ".join(s["missed"]) or "none"))
        print(f"| figure | {split} (real) | training, all windows | training, mean over draws | {other} (real) |\n"
              "|---|---|---|---|---|")
        for k, v in rows.items():
            mean = float(np.mean([d["values"][k] for d in per_draw]))
            print(f"| {k} | {v['real']} | {a['values'][k]:.3f} | {mean:.3f} | {s['values'][k]:.3f} |")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
