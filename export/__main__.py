"""`python -m export --checkpoint CKPT --out DIR`: the hierarchical VAE as ONNX graphs for the app."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from export.onnx_export import export_checkpoint


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m export", description=__doc__)
    ap.add_argument("--checkpoint", type=Path, required=True, help="checkpoint.pt or its run folder")
    ap.add_argument("--out", type=Path, required=True, help="model folder to write (e.g. assets/model)")
    ap.add_argument("--evaluation", type=Path, help="scores JSON from `python -m trainer evaluate --json`, embedded")
    ap.add_argument("--data", type=Path, help="dataset folder: the latent prior is fitted to its train windows, "
                    "and its test windows join the parity check")
    args = ap.parse_args(argv)
    try:
        evaluation = None
        if args.evaluation:
            scores = json.loads(args.evaluation.read_text())
            evaluation = scores[0] if isinstance(scores, list) else scores
        real = train = None
        if args.data:
            from trainer.checkpoint import load_model, resolve_checkpoint
            from trainer.dataset import load_windows

            bars = load_model(resolve_checkpoint(args.checkpoint))[0].cfg.bars
            real = load_windows(args.data, bars, "test").tokens
            train = load_windows(args.data, bars, "train").tokens
        info = export_checkpoint(args.checkpoint, args.out, evaluation, real, progress=lambda m: print(m, flush=True),
                                 train_tokens=train)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    p = info["parity"]
    print(f"parity: max |onnx - torch| {p['max_abs']:.2e} (tolerance {p['tolerance']:.0e}), "
          f"greedy {p['decoded_bars']}-bar decodes identical: {p['greedy_decodes_identical']}")
    print("wrote " + ", ".join(f"{n} ({s / 1e6:.1f} MB)" for n, s in info["files"].items()) + f" to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
