"""`python -m trainer dataset`: build window files from a folder of MIDI."""

from __future__ import annotations

import argparse
from pathlib import Path

from trainer.dataset import DatasetConfig, build_dataset


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dataset", help="build 2-bar and 16-bar windows from a folder of drum MIDI")
    p.add_argument("--midi", type=Path, required=True, help="folder read recursively (e.g. ../shared/data/groove-midi)")
    p.add_argument("--out", type=Path, required=True, help="output folder for windows_*bar.npz and summary.json")
    p.add_argument("--workers", type=int, default=0, help="processes reading MIDI (default: one per core)")
    p.add_argument("--test-fraction", type=float, default=0.1)
    p.add_argument("--valid-fraction", type=float, default=0.1)
    p.set_defaults(run=run)


def format_skipped(counts: dict[str, int], examples: dict[str, list[str]]) -> list[str]:
    """Files left out, by reason, each reason with one example message (which names its file)."""
    lines = ["skipped: " + (", ".join(f"{k} {v}" for k, v in counts.items()) or "none")]
    return lines + [f"  e.g. {messages[0]}" for messages in examples.values() if messages]


def format_summary(s: dict) -> str:
    lines = [
        f"files: {s['files_found']} found, {s['files_read']} read "
        f"(train {s['files_per_split']['train']}, valid {s['files_per_split']['valid']}, test {s['files_per_split']['test']})",
        *format_skipped(s["files_skipped"], s["skipped_examples"]),
    ]
    b = s["bars"]
    lines.append(f"bars (4/4): {b['total']} (train {b['train']}, valid {b['valid']}, test {b['test']})")
    o = s["onsets"]
    lines.append(
        f"onsets: {o.get('onsets', 0)}, merged on one step {o.get('merged_onsets', 0)}, "
        f"unmapped pitch {o.get('unmapped_onsets', 0)}, outside 4/4 {o.get('outside_4_4_onsets', 0)}"
    )
    lines.append(f"{'windows':>10} {'train':>8} {'valid':>8} {'test':>8}  (kept; dropped empty / duplicate)")
    for bars, by_split in s["windows"].items():
        row = " ".join(f"{by_split[sp]['windows']:>8}" for sp in ("train", "valid", "test"))
        dropped = sum(v["dropped_mostly_empty"] for v in by_split.values())
        dup = sum(v["duplicates_dropped"] for v in by_split.values())
        lines.append(f"{bars + '-bar':>10} {row}  ({dropped} / {dup})")
    lines.append("class hit rate per step: " + ", ".join(f"{k} {v:.3f}" for k, v in s["class_hit_rate"].items()))
    lines.append("top tokens: " + ", ".join(f"{t['token']} {t['name']} {t['share']:.3f}" for t in s["top_tokens"]))
    lines.append(f"built in {s['seconds']:.1f} s")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    config = DatasetConfig(test_fraction=args.test_fraction, valid_fraction=args.valid_fraction, workers=args.workers)
    summary = build_dataset(args.midi, args.out, config)
    print(format_summary(summary))
    print(f"wrote {args.out}/windows_*bar.npz and summary.json")
    return 0
