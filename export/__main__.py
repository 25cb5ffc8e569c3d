"""`python -m export --checkpoint CKPT --out DIR`: the hierarchical VAE as ONNX graphs for the app."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from drummachine.model import format as fmt
from export.onnx_export import add_bar_fit, export_checkpoint


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m export", description=__doc__)
    ap.add_argument("--checkpoint", type=Path, required=True, help="checkpoint.pt or its run folder")
    ap.add_argument("--out", type=Path, required=True, help="model folder to write (e.g. assets/model)")
    ap.add_argument("--evaluation", type=Path, help="scores JSON from `python -m trainer evaluate --json`, embedded")
    ap.add_argument("--data", type=Path, help="dataset folder: the latent prior is fitted to its train windows, "
                    "and its test windows join the parity check")
    ap.add_argument("--add-fit", action="store_true", help="only write the graph that fits a groove's code "
                    f"({fmt.BAR_FIT}) into --out, a folder exported from this checkpoint before the graph existed")
    ap.add_argument("--fit-evaluation", nargs=2, action="append", metavar=("SPLIT", "JSON"), default=[],
                    help="with --add-fit, for the card: `trainer evaluate --model OUT OUT --fit-steps 0 N --json` "
                         "of a split (repeat for each split)")
    args = ap.parse_args(argv)
    if args.add_fit:
        try:
            evaluations = {split: json.loads(Path(path).read_text()) for split, path in args.fit_evaluation}
            info = add_bar_fit(args.checkpoint, args.out, evaluations)
        except (FileNotFoundError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"wrote {fmt.BAR_FIT} ({info['files'][fmt.BAR_FIT] / 1e6:.1f} MB) to {args.out}; parity: max relative "
              f"difference {info['parity']['bar_fit_max_rel']:.2e}")
        return 0
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
