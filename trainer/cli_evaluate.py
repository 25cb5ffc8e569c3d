"""`python -m trainer evaluate`: score checkpoints on held-out windows and print the seed-style table."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

from drummachine.model import format as fmt
from drummachine.model.code_fit import FitSettings
from trainer.checkpoint import CHECKPOINT_NAMES, resolve_checkpoint
from trainer.cli_dataset import format_skipped
from trainer.evaluate import evaluation_windows, format_table, rebuild, scores_from_rebuild
from trainer.evaluate_onnx import is_model_folder, rebuild_onnx
from trainer.groove_report import build_report, paired_differences


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="reconstruction accuracy on held-out data, as in the seed's tables")
    p.add_argument("--model", type=Path, nargs="+", required=True,
                   help=f"checkpoints, run folders (holding {' or '.join(CHECKPOINT_NAMES)}) or exported model folders; "
                        "with two or more and --data, each is also compared with the first on the same windows "
                        "(paired intervals: seeds and settings told apart from noise)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--data", type=Path, help="dataset folder from `python -m trainer dataset`")
    src.add_argument("--midi", type=Path, help="any folder of MIDI files, all of it test data")
    p.add_argument("--split", default="test", choices=["train", "valid", "test"])
    p.add_argument("--limit", type=int, default=0, help="score only the first N windows (0: all)")
    p.add_argument("--fit-steps", type=int, nargs="+", default=[FitSettings().steps], metavar="N",
                   help="steps that fit each window's code to it before decoding, as the app does "
                        "(drummachine/model/code_fit.py; a model with a code per bar; 0: the encoder's code as it "
                        "is); one for every model, or one per --model (the same model twice with 0 and N pairs the "
                        "fit with none)")
    p.add_argument("--json", type=Path, help="write the scores here")
    p.add_argument("--report", type=Path, help="also write the groove reports (markdown tables) here")
    p.set_defaults(run=run)


def skipped_lines(skipped: dict[str, tuple[str, str]]) -> list[str]:
    """The files left out of `--midi`, reported as `trainer dataset` reports them."""
    examples: dict[str, list[str]] = {}
    for reason, message in sorted(skipped.values()):
        examples.setdefault(reason, []).append(message)
    return format_skipped(dict(Counter(reason for reason, _ in sorted(skipped.values()))), examples)


def run(args: argparse.Namespace) -> int:
    from trainer.checkpoint import load_model

    rows, extras, cache = [], [], {}
    skipped: dict[str, tuple[str, str]] = {}  # --midi files the reader refused: relpath -> (reason, message)
    def windows(bars: int):
        if bars not in cache:
            cache[bars] = evaluation_windows(bars, args.data, args.midi, args.split, args.limit, skipped)
        return cache[bars]

    if len(args.fit_steps) not in (1, len(args.model)) or min(args.fit_steps) < 0:
        print(f"error: --fit-steps takes one number of steps (0 or more) for every model, or one per --model; "
              f"got {args.fit_steps} for {len(args.model)} models", file=sys.stderr)
        return 2
    steps = args.fit_steps * len(args.model) if len(args.fit_steps) == 1 else args.fit_steps
    reports, records = [], []
    for path, fit_steps in zip(args.model, steps):
        if is_model_folder(path):  # an exported model, scored with onnxruntime
            bars = json.loads((path / fmt.INFO).read_text())["model_config"]["bars"] if (path / fmt.INFO).is_file() else 16
            tokens, file_index, files = windows(bars)
            record = rebuild_onnx(path, tokens, fit=replace(FitSettings(), steps=fit_steps), progress=True)
            kind = "hier onnx"
            extras.append({"model_folder": str(path), "fit_steps": record["fit_steps"],
                           **{k: record["training"].get(k) for k in ("steps", "seconds", "hardware", "parameters")}})
        else:
            model, ckpt = load_model(resolve_checkpoint(path))
            tokens, file_index, files = windows(model.cfg.bars)
            record = rebuild(model, tokens, progress=True, fit=replace(FitSettings(), steps=fit_steps))
            kind = model.cfg.model
            extras.append({"checkpoint": str(path), "fit_steps": record["fit_steps"], "steps": ckpt.get("step"), "seconds": ckpt.get("seconds"),
                           "hardware": ckpt.get("hardware"), "parameters": ckpt.get("parameters")})
        fitted = f", codes fitted in {record['fit_steps']} steps" if record["fit_steps"] else ""
        name = f"{kind} ({path.name}{fitted})"
        rows.append(scores_from_rebuild(record, tokens, name))
        if file_index is not None:  # held-out windows with their source files: intervals, drummers, baselines
            reports.append(build_report(name, tokens, file_index, files, record))
            records.append((len(rows) - 1, name, record, tokens, file_index))
    if args.midi:
        print("\n".join(skipped_lines(skipped)))
    print(format_table(rows))
    for report in reports:
        print()
        print(report.table())
    paired: dict[int, tuple[str, dict]] = {}  # row -> (name, figure -> difference from the first model)
    first = records[0] if records else None
    for row, name, record, tokens, file_index in records[1:]:
        if tokens.shape != first[3].shape:
            continue  # another length: other windows, nothing to pair
        paired[row] = (name, paired_differences(tokens, file_index, record, first[2]))
    if paired:
        keys = list(next(iter(paired.values()))[1])
        lines = [f"\npaired against {first[1]} (this minus it, same windows, 95% intervals by file):",
                 "| model | " + " | ".join(keys) + " |", "|---|" + "---|" * len(keys)]
        lines += [f"| {name} | " + " | ".join(str(d[k]) for k in keys) + " |" for name, d in paired.values()]
        print("\n".join(lines))
    if args.report:
        args.report.write_text("\n\n".join(r.table() for r in reports) + "\n"
                               + ("\n".join(lines) + "\n" if paired else ""))
    if args.json:
        split = args.split if args.data else f"midi:{args.midi}"
        by_name = {r.name: r.to_dict() for r in reports}
        against = {i: {k: v.to_dict() for k, v in d.items()} for i, (_, d) in paired.items()}
        args.json.write_text(json.dumps([{**r.to_dict(), "split": split, **e, "report": by_name.get(r.model),
                                          **({"paired_against_first": against[i]} if i in against else {})}
                                         for i, (r, e) in enumerate(zip(rows, extras))], indent=1))
    return 0
