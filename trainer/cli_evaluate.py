"""`python -m trainer evaluate`: score checkpoints on held-out windows and print the seed-style table."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from drummachine import model_format as fmt
from trainer.checkpoint import CHECKPOINT_NAMES, resolve_checkpoint
from trainer.evaluate import evaluation_windows, format_table, score
from trainer.evaluate_onnx import is_model_folder, score_onnx


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="reconstruction accuracy on held-out data, as in the seed's tables")
    p.add_argument("--model", type=Path, nargs="+", required=True,
                   help=f"checkpoints, run folders (holding {' or '.join(CHECKPOINT_NAMES)}) or exported model folders")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--data", type=Path, help="dataset folder from `python -m trainer dataset`")
    src.add_argument("--midi", type=Path, help="any folder of MIDI files, all of it test data")
    p.add_argument("--split", default="test", choices=["train", "valid", "test"])
    p.add_argument("--limit", type=int, default=0, help="score only the first N windows (0: all)")
    p.add_argument("--json", type=Path, help="write the scores here")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from trainer.checkpoint import load_model

    rows, extras, cache = [], [], {}
    def windows(bars: int):
        if bars not in cache:
            cache[bars] = evaluation_windows(bars, args.data, args.midi, args.split, args.limit)
        return cache[bars]

    for path in args.model:
        if is_model_folder(path):  # an exported model, scored with onnxruntime

            bars = json.loads((path / fmt.INFO).read_text())["model_config"]["bars"] if (path / fmt.INFO).is_file() else 16
            row, extra = score_onnx(path, windows(bars), f"hier onnx ({path.name})")
            rows.append(row)
            extras.append(extra)
            continue
        model, ckpt = load_model(resolve_checkpoint(path))
        name = f"{model.cfg.model} ({path.name})"
        rows.append(score(model, windows(model.cfg.bars), name, progress=True))
        extras.append({"checkpoint": str(path), "steps": ckpt.get("step"), "seconds": ckpt.get("seconds"),
                       "hardware": ckpt.get("hardware"), "parameters": ckpt.get("parameters")})
    print(format_table(rows))
    if args.json:
        split = args.split if args.data else f"midi:{args.midi}"
        args.json.write_text(json.dumps([{**r.to_dict(), "split": split, **e} for r, e in zip(rows, extras)], indent=1))
    return 0
