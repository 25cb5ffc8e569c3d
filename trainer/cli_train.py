"""`python -m trainer train`: train one of the three models on a built dataset."""

from __future__ import annotations

import argparse
from pathlib import Path

from trainer.models import PRESETS, model_config
from trainer.train import default_train_config, train


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train the LSTM baseline, flat VAE or hierarchical VAE")
    p.add_argument("--model", choices=["lstm", "flat", "hier"], required=True)
    p.add_argument("--bars", type=int, choices=[2, 16], required=True)
    p.add_argument("--data", type=Path, required=True, help="folder written by `python -m trainer dataset`")
    p.add_argument("--out", type=Path, required=True, help="run folder: checkpoint.pt, log.csv, curves.png")
    p.add_argument("--preset", choices=sorted(PRESETS), default="cpu")
    p.add_argument("--steps", type=int, default=20_000)
    p.add_argument("--batch", type=int, default=512)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--lr-decay", type=float, default=0.9999)
    p.add_argument("--free-bits", type=float, help="default 48 for 2 bars, 256 for 16 bars")
    p.add_argument("--max-beta", type=float, default=0.2)
    p.add_argument("--beta-rate", type=float, default=0.99999)
    p.add_argument("--sampling", choices=["teacher", "fixed", "inverse_sigmoid"], default="inverse_sigmoid")
    p.add_argument("--sampling-p", type=float, default=0.5, help="with --sampling fixed (0.5 in the seed paper)")
    p.add_argument("--sampling-rate", type=float, default=1000.0, help="k of the inverse-sigmoid schedule")
    p.add_argument("--log-every", type=int, default=10)
    p.add_argument("--eval-every", type=int, default=200)
    p.add_argument("--checkpoint-every", type=int, default=200)
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt (its configs win)")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    mcfg = model_config(args.model, args.bars, args.preset)
    overrides = dict(
        steps=args.steps, batch=args.batch, lr=args.lr, lr_decay=args.lr_decay, max_beta=args.max_beta,
        beta_rate=args.beta_rate, sampling=args.sampling, sampling_p=args.sampling_p,
        sampling_rate=args.sampling_rate, eval_every=args.eval_every, log_every=args.log_every,
        checkpoint_every=args.checkpoint_every, seed=args.seed,
    )
    if args.free_bits is not None:
        overrides["free_bits"] = args.free_bits
    tcfg = default_train_config(args.bars, **overrides)
    figures = train(mcfg, tcfg, args.data, args.out, args.device, args.resume, progress=not args.no_progress)
    if figures:
        print("final: " + ", ".join(f"{k} {v}" for k, v in figures.items()))
    return 0
