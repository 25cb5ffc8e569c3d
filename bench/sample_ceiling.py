"""How many of the sample figures can real drummers' grooves match? The ceiling for a model's samples.

    python bench/sample_ceiling.py [--data data/gmd] [--samples 200] [--draws 10] [--json OUT.json]

bench/groove_quality.py counts how many of 18 figures (lag profile, repeats, distinct bars, class rates within
25%, diversity, ...) a model's samples match on a held-out split. A model can do no better, on average, than a
perfect sampler of its training data: so this reads real grooves as if they were samples, through the same
`sample_figure_rows`, against each held-out split:
- training grooves: --draws draws of --samples windows, each from another training file (files drawn by their
  share of windows, one window in each), the set a perfect model of the training grooves would play;
- the other held-out split: all of its windows, resampled by file.
Where real grooves miss a figure, the held-out drummers play differently from the others (GMD's splits hold few
files of each drummer and style), and a model that misses it too is not the worse for it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from trainer.dataset import load_windows  # noqa: E402
from trainer.groove_report import diversity_estimate, grooves_of, one_window_per_file, sample_figure_rows  # noqa: E402

SPLITS = ("valid", "test")


def count_matches(rows: dict) -> tuple[int, list[str]]:
    """How many figures matched, and the names of those that did not."""
    missed = [k for k, v in rows.items() if not v["matches"]]
    return len(rows) - len(missed), missed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("data/gmd"))
    ap.add_argument("--bars", type=int, default=16)
    ap.add_argument("--samples", type=int, default=200, help="training windows a draw (a model's sample set)")
    ap.add_argument("--draws", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, help="write every count here")
    args = ap.parse_args()
    if args.samples < 2 or args.draws < 1:
        ap.error(f"--samples is at least 2 and --draws at least 1, not {args.samples} and {args.draws}")

    sets = {s: load_windows(args.data, args.bars, s) for s in ("train", *SPLITS)}
    grooves = {s: grooves_of(w.tokens.astype(np.int64)) for s, w in sets.items()}
    rng = np.random.default_rng(args.seed)
    draws = [one_window_per_file(sets["train"].file_index, args.samples, rng) for _ in range(args.draws)]
    out: dict = {"samples": args.samples, "draws": args.draws, "splits": {}}
    for split in SPLITS:
        real, files = grooves[split], sets[split].file_index
        real_diversity = diversity_estimate(real, files)
        train_counts, missed = [], {}
        for idx in draws:
            n, miss = count_matches(sample_figure_rows(real, files, grooves["train"][idx], real_diversity,
                                                       sets["train"].file_index[idx]))
            train_counts.append(n)
            for m in miss:
                missed[m] = missed.get(m, 0) + 1
        other = SPLITS[1 - SPLITS.index(split)]
        rows = sample_figure_rows(real, files, grooves[other], real_diversity, sets[other].file_index)
        other_count, other_missed = count_matches(rows)
        of = len(rows)
        out["splits"][split] = {
            "of": of, "files": int(len(np.unique(files))),
            "training_grooves": {"matched": train_counts, "mean": float(np.mean(train_counts)),
                                 "sd": float(np.std(train_counts, ddof=1)) if len(train_counts) > 1 else 0.0,
                                 "draws_missed": missed},
            "other_split": {"split": other, "matched": other_count, "missed": other_missed,
                            "figures": {k: {"real": v["real"].to_dict(), "other": v["samples"].to_dict()}
                                        for k, v in rows.items()}},
        }
        o = out["splits"][split]
        print(f"\n## {split}: real grooves read as samples ({o['files']} held-out files; figures of {of})")
        t = o["training_grooves"]
        print(f"training grooves, {args.draws} draws of {args.samples} windows from different files: "
              f"{t['mean']:.1f} (sd {t['sd']:.1f}) matched; per draw " + " ".join(map(str, train_counts)))
        print("missed in draws: " + (", ".join(f"{k} {v} of {args.draws}" for k, v in
                                              sorted(missed.items(), key=lambda kv: -kv[1])) or "none"))
        print(f"the {other} split's grooves, all windows: {other_count} matched; missed: "
              + (", ".join(other_missed) or "none"))
        print(f"| figure | {split} (real) | {other} (real) |\n|---|---|---|")
        for k, v in rows.items():
            print(f"| {k} | {v['real']} | {v['samples']} |")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
