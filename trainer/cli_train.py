"""`python -m trainer train`: train one of the three models on a built dataset."""

from __future__ import annotations

import argparse
from dataclasses import fields
from pathlib import Path

from trainer.models import PRESETS, model_config
from trainer.augment import layer_masks
from trainer.train import TrainConfig, default_train_config, train

# flag -> help; every default comes from TrainConfig, the one place that holds them
TRAIN_FLAGS = {
    "steps": "training steps",
    "batch": "windows per step",
    "lr": "starting learning rate",
    "lr_decay": "learning-rate decay per step",
    "max_beta": "largest KL weight",
    "beta_rate": "KL annealing rate",
    "sampling": "scheduled sampling: teacher | fixed | inverse_sigmoid",
    "sampling_p": "with --sampling fixed (0.5 in the seed paper)",
    "sampling_rate": "k of the inverse-sigmoid schedule",
    "word_dropout": "share of decoder input tokens zeroed while training",
    "context_dropout": "share of bars a --bar-context decoder trains without the bar before",
    "part_mix": "share of training windows whose hat and ride layers are shuffled among their own bars",
    "part_layers": "the layers --part-mix hands round: groups by comma, each on its own (hats,kick; toms+crash)",
    "weight_decay": "decoupled weight decay (AdamW; 0: plain Adam)",
    "valid_windows": "validation windows scored (0: all)",
    "log_every": "steps between log rows",
    "eval_every": "steps between validations",
    "checkpoint_every": "steps between checkpoints",
    "seed": "random seed",
}

CHOICES = {"sampling": ["teacher", "fixed", "inverse_sigmoid"]}


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train the LSTM baseline, flat VAE or hierarchical VAE")
    p.add_argument("--model", choices=["lstm", "flat", "hier"], required=True)
    p.add_argument("--bars", type=int, choices=[2, 16], required=True)
    p.add_argument("--data", type=Path, required=True, help="folder written by `python -m trainer dataset`")
    p.add_argument("--out", type=Path, required=True, help="run folder: checkpoint.pt, log.csv, curves.png")
    p.add_argument("--preset", choices=sorted(PRESETS), default="cpu")
    p.add_argument("--bar-context", action="store_true",
                   help="the hierarchical bar decoder also reads the bar before, step by step")
    p.add_argument("--bar-latent", type=int, default=0,
                   help="hierarchical only: a code of this size per bar, the window's code their side-by-side "
                        "(default 0: one code per window)")
    p.add_argument("--class-factors", action="store_true",
                   help="token layers that also learn each drum class on its own: a vector per class a token plays "
                        "added to its embedding, a score per class added to its logit")
    p.add_argument("--dropout", type=float, default=0.0,
                   help="dropout between stacked LSTM layers and before the decoder's output, while training only "
                        "(default 0)")
    defaults = {f.name: f.default for f in fields(TrainConfig)}
    for name, text in TRAIN_FLAGS.items():
        default = defaults[name]
        p.add_argument("--" + name.replace("_", "-"), type=type(default), default=default,
                       choices=CHOICES.get(name), help=f"{text} (default {default})")
    p.add_argument("--free-bits", type=float, help="default 48 for 2 bars, 256 for 16 bars")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt (its configs win)")
    p.add_argument("--continue-from", type=Path, metavar="CKPT",
                   help="start from another run's checkpoint (weights, optimizer, step) with these settings")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if not 0.0 <= args.dropout < 1.0:
        raise ValueError(f"--dropout must be at least 0 and below 1, not {args.dropout}")
    if not 0.0 <= args.part_mix <= 1.0:
        raise ValueError(f"--part-mix must be between 0 and 1, not {args.part_mix}")
    layer_masks(args.part_layers)  # a misspelt part is named before anything trains
    if args.weight_decay < 0:
        raise ValueError(f"--weight-decay must be at least 0, not {args.weight_decay}")
    if args.bar_context and args.model != "hier":
        raise ValueError("--bar-context is for --model hier only")
    if args.bar_latent and (args.model != "hier" or args.bar_context):
        raise ValueError("--bar-latent is for --model hier without --bar-context")
    options = {"bar_context": True} if args.bar_context else {}
    if args.bar_latent:
        options["bar_latent"] = args.bar_latent
    if args.dropout:
        options["dropout"] = args.dropout
    if args.class_factors:
        options["class_factors"] = True
    mcfg = model_config(args.model, args.bars, args.preset, **options)
    overrides = {name: getattr(args, name) for name in TRAIN_FLAGS}
    if args.free_bits is not None:
        overrides["free_bits"] = args.free_bits
    tcfg = default_train_config(args.bars, **overrides)
    figures = train(mcfg, tcfg, args.data, args.out, args.device, args.resume, progress=not args.no_progress,
                    continue_from=args.continue_from)
    if figures:
        print("final: " + ", ".join(f"{k} {v}" for k, v in figures.items()))
    return 0
