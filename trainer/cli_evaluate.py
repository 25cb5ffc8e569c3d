"""`python -m trainer evaluate`: score checkpoints on held-out windows and print the seed-style table."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from trainer.checkpoint import CHECKPOINT_NAMES, resolve_checkpoint
from trainer.evaluate import evaluation_windows, format_table, score


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="reconstruction accuracy on held-out data, as in the seed's tables")
    p.add_argument("--model", type=Path, nargs="+", required=True,
                   help=f"checkpoints or run folders (holding {' or '.join(CHECKPOINT_NAMES)})")
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
    for path in args.model:
        model, ckpt = load_model(resolve_checkpoint(path))
        bars = model.cfg.bars
        if bars not in cache:
            cache[bars] = evaluation_windows(bars, args.data, args.midi, args.split, args.limit)
        name = f"{model.cfg.model} ({path.name})"
        rows.append(score(model, cache[bars], name))
        extras.append({"checkpoint": str(path), "steps": ckpt.get("step"), "seconds": ckpt.get("seconds"),
                       "hardware": ckpt.get("hardware"), "parameters": ckpt.get("parameters")})
    print(format_table(rows))
    if args.json:
        split = args.split if args.data else f"midi:{args.midi}"
        args.json.write_text(json.dumps([{**r.to_dict(), "split": split, **e} for r, e in zip(rows, extras)], indent=1))
    return 0
