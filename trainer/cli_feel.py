"""`python -m trainer feel-train` and `feel-evaluate`: the feel model's training and its held-out report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from trainer.dataset import load_windows
from trainer.feel_eval import evaluate_predictors, held_out, means_predictor, report_table, rules_predictor, step_means
from trainer.feel_model import FEEL_BARS, FeelConfig, tempo_feature
from trainer.feel_train import (FeelTrainConfig, decode_feel, feel_arrays, fit_prior, load_feel, train_feel,
                                window_tempi)


def add_parser(sub) -> None:
    _add_train(sub)
    _add_evaluate(sub)


def _add_train(sub) -> None:
    p = sub.add_parser("feel-train", help="train the feel model (velocity and timing given the hits)")
    p.add_argument("--data", type=Path, default=Path("data/gmd"))
    p.add_argument("--out", type=Path, default=Path("runs/feel"))
    defaults = FeelTrainConfig()
    for name in ("steps", "batch", "seed", "eval_every", "checkpoint_every", "beta_steps"):
        p.add_argument("--" + name.replace("_", "-"), type=int, default=getattr(defaults, name))
    for name in ("lr", "lr_floor", "beta", "free_bits"):
        p.add_argument("--" + name.replace("_", "-"), type=float, default=getattr(defaults, name))
    model_defaults = FeelConfig()
    p.add_argument("--hidden", type=int, default=model_defaults.hidden)
    p.add_argument("--latent", type=int, default=model_defaults.latent)
    p.add_argument("--tempo", action="store_true", help="the model reads each window's tempo")
    p.add_argument("--loss", choices=["mse", "l1"], default=model_defaults.loss)
    p.set_defaults(run=_run)


def _run(args) -> int:
    cfg = FeelTrainConfig(**{k: getattr(args, k) for k in FeelTrainConfig.__dataclass_fields__})
    model_cfg = FeelConfig(hidden=args.hidden, latent=args.latent, tempo=args.tempo, loss=args.loss)
    path = train_feel(args.data, args.out, cfg, model_cfg, progress=lambda m: print(m, flush=True))
    print(f"wrote {path}")
    return 0


def _add_evaluate(sub) -> None:
    p = sub.add_parser("feel-evaluate", help="velocity and timing errors on held-out files, beside the baselines")
    p.add_argument("--checkpoint", type=Path, default=Path("runs/feel/checkpoint.pt"))
    p.add_argument("--data", type=Path, default=Path("data/gmd"))
    p.add_argument("--split", default="test", choices=["valid", "test"])
    p.add_argument("--seeds", type=int, default=3, help="codes drawn from the prior, for the distributions")
    p.add_argument("--json", type=Path, help="also write the report here")
    p.set_defaults(run=_evaluate)


def model_predictor(model, z: np.ndarray):
    """The feel model with one code for every window."""

    def predict(hits: np.ndarray, bpm: np.ndarray):
        vel, off = decode_feel(model, hits, z, tempo_feature(np.asarray(bpm, np.float32)).astype(np.float32))
        return vel * 127, off

    return predict


def _evaluate(args) -> int:
    model, state = load_feel(args.checkpoint)
    train = load_windows(args.data, FEEL_BARS, "train")
    h, v, o = feel_arrays(train)
    if "prior_mean" in state:
        mean, chol = state["prior_mean"], state["prior_chol"]
    else:  # a checkpoint taken mid-run: fit the prior now, as the end of training does
        mean, chol = fit_prior(model, h, v, o, window_tempi(train) if model.cfg.tempo else None)
    data = held_out(load_windows(args.data, FEEL_BARS, args.split))
    predictors = {"rules (today)": rules_predictor, "training means per (class, step)": means_predictor(
        step_means(h.astype(bool), v * 127, o)), "feel model, prior mean code": model_predictor(model, mean)}
    sampled = {}
    for seed in range(args.seeds):
        eps = np.random.default_rng([seed, 7]).standard_normal(len(mean)).astype(np.float32)
        sampled[f"feel model, seed {seed}"] = model_predictor(model, mean + chol @ eps)
    report = evaluate_predictors(data, predictors, sampled, baseline="training means per (class, step)")
    report.update(split=args.split, checkpoint=str(args.checkpoint), step=state["step"], seconds=state["seconds"])
    print(report_table(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0
