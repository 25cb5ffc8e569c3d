"""Train the feel model (trainer/feel_model.py) on the 2-bar windows' velocities and offsets.

Resumable: a checkpoint every `checkpoint_every` steps holds the model, the optimiser and the log; run
the same command again to go on. Validation reads every validation window with the code the app uses
(the prior's mean), in the musician's units: velocity MAE in MIDI units, offset MAE in steps.
"""

from __future__ import annotations

import csv
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Optional

import numpy as np
import torch

from trainer.checkpoint import load_checkpoint, save_checkpoint
from trainer.dataset import WindowSet, load_windows
from trainer.feel_model import FEEL_BARS, FeelConfig, FeelVAE, feel_losses, tempo_feature


@dataclass(frozen=True)
class FeelTrainConfig:
    steps: int = 6000
    batch: int = 128
    lr: float = 1e-3
    lr_floor: float = 1e-4
    beta: float = 0.2  # the KL weight, reached linearly over `beta_steps`
    beta_steps: int = 2000
    free_bits: float = 8.0  # nats of code a window may use for free
    seed: int = 0
    eval_every: int = 250
    checkpoint_every: int = 250


def feel_arrays(windows: WindowSet) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hits, velocity (0..1) and offset (steps) of every window, float32 (N, T, 9)."""
    if windows.offsets is None:
        raise ValueError("this dataset has no offsets (format 1): rebuild it with `python -m trainer dataset`")
    hits = (windows.velocities > 0).astype(np.float32)
    return hits, windows.velocities.astype(np.float32) / 127.0, windows.offsets.astype(np.float32) * hits


def window_tempi(windows: WindowSet) -> np.ndarray:
    """The tempo feature of each window (N,) float32, from its file's tempo."""
    if windows.bpm is None:
        raise ValueError("this dataset has no tempi (format 1): rebuild it with `python -m trainer dataset`")
    return tempo_feature(windows.bpm.astype(np.float32)).astype(np.float32)


def fit_prior(model: FeelVAE, hits: np.ndarray, vel: np.ndarray, off: np.ndarray,
              tempo: Optional[np.ndarray] = None) -> tuple[np.ndarray, np.ndarray]:
    """A Gaussian (mean, Cholesky factor) fitted to the codes of the training windows: where codes drawn for
    a seed should come from (a code drawn from N(0, I) may lie where no drummer's does)."""
    mus = []
    with torch.no_grad():
        for i in range(0, len(hits), 1024):
            t = None if tempo is None else torch.from_numpy(tempo[i:i + 1024])
            mu, _ = model.encode(*(torch.from_numpy(a[i:i + 1024]) for a in (hits, vel, off)), t)
            mus.append(mu.numpy())
    mus = np.concatenate(mus).astype(np.float64)
    cov = np.cov(mus, rowvar=False) + 1e-5 * np.eye(mus.shape[1])
    return mus.mean(axis=0).astype(np.float32), np.linalg.cholesky(cov).astype(np.float32)


def decode_feel(model: FeelVAE, hits: np.ndarray, z: np.ndarray,
                tempo: Optional[np.ndarray] = None) -> tuple[np.ndarray, np.ndarray]:
    """Every window (N, T, 9) decoded with one code `z` (and its tempo feature, when the model reads it):
    velocity (0..1) and offset (steps), (N, T, 9) each, in batches."""
    vel, off = [], []
    with torch.no_grad():
        for i in range(0, len(hits), 2048):
            h = torch.from_numpy(np.ascontiguousarray(hits[i:i + 2048], dtype=np.float32))
            t = None if tempo is None or not model.cfg.tempo else torch.from_numpy(tempo[i:i + 2048])
            v, o = model.decode(h, torch.from_numpy(np.broadcast_to(z, (len(h), len(z))).copy()), t)
            vel.append(v.numpy())
            off.append(o.numpy())
    return np.concatenate(vel), np.concatenate(off)


def validate_feel(model: FeelVAE, hits: np.ndarray, vel: np.ndarray, off: np.ndarray, z: np.ndarray,
                  tempo: Optional[np.ndarray] = None) -> dict:
    """MAE of velocity (MIDI units) and offset (steps) on the true hits, every window decoded with code `z`."""
    pv, po = decode_feel(model, hits, z, tempo)
    n = float(hits.sum())
    return {"valid_velocity_mae": 127 * float((np.abs(pv - vel) * hits).sum()) / n,
            "valid_offset_mae": float((np.abs(po - off) * hits).sum()) / n}


def train_feel(data: Path, out: Path, cfg: FeelTrainConfig = FeelTrainConfig(), model_cfg: FeelConfig = FeelConfig(),
               progress: Callable[[str], None] = print) -> Path:
    """Train (or resume) into `out`: checkpoint.pt, log.csv. Returns the checkpoint's path."""
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(cfg.seed)
    train_set, valid_set = load_windows(data, FEEL_BARS, "train"), load_windows(data, FEEL_BARS, "valid")
    train_h, train_v, train_o = feel_arrays(train_set)
    valid_h, valid_v, valid_o = feel_arrays(valid_set)
    train_t = window_tempi(train_set) if model_cfg.tempo else None
    valid_t = window_tempi(valid_set) if model_cfg.tempo else None
    model = FeelVAE(model_cfg)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    path, log_path = out / "checkpoint.pt", out / "log.csv"
    step, seconds = 0, 0.0
    if path.is_file():
        state = load_checkpoint(path)
        if state.get("kind") != "feel":
            raise ValueError(f"{path} is not a feel-model checkpoint")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        step, seconds = state["step"], state["seconds"]
        progress(f"resuming {path} at step {step}")
    fields = ["step", "loss", "velocity_mse", "offset_mse", "kl", "beta", "lr", "valid_velocity_mae",
              "valid_offset_mae", "seconds"]
    if step == 0 or not log_path.is_file():
        with open(log_path, "w", newline="") as fh:
            csv.writer(fh).writerow(fields)
    rng = np.random.default_rng([cfg.seed, step])
    params = sum(p.numel() for p in model.parameters())
    progress(f"feel model: {params:,} parameters, {len(train_h)} train windows, batch {cfg.batch}, "
             f"{torch.get_num_threads()} threads")

    def save() -> None:
        save_checkpoint(path, {"kind": "feel", "model": model.state_dict(), "optimizer": opt.state_dict(),
                               "model_config": model_cfg.to_dict(), "train_config": asdict(cfg), "step": step,
                               "seconds": seconds, "parameters": params})

    started = time.perf_counter() - seconds
    while step < cfg.steps:
        lr = max(cfg.lr_floor, cfg.lr * 0.5 * (1 + math.cos(math.pi * step / cfg.steps)))
        for g in opt.param_groups:
            g["lr"] = lr
        beta = cfg.beta * min(1.0, step / max(cfg.beta_steps, 1))
        idx = rng.integers(len(train_h), size=cfg.batch)
        model.train()
        losses = feel_losses(model, *(torch.from_numpy(a[idx]) for a in (train_h, train_v, train_o)),
                             None if train_t is None else torch.from_numpy(train_t[idx]))
        loss = losses["velocity_mse"] + losses["offset_mse"] + beta * torch.clamp(losses["kl"] - cfg.free_bits, min=0)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        seconds = time.perf_counter() - started
        row = {"step": step, "loss": float(loss.detach()), **{k: float(v.detach()) for k, v in losses.items()}, "beta": beta, "lr": lr,
               "seconds": round(seconds, 1)}
        if step % cfg.eval_every == 0 or step == cfg.steps:
            model.eval()
            row.update(validate_feel(model, valid_h, valid_v, valid_o, np.zeros(model_cfg.latent, np.float32), valid_t))
            progress(f"step {step}: velocity MAE {row['valid_velocity_mae']:.2f} MIDI, offset MAE "
                     f"{row['valid_offset_mae']:.4f} steps, KL {row['kl']:.1f} ({seconds:.0f} s)")
        if step % 10 == 0 or "valid_velocity_mae" in row:
            with open(log_path, "a", newline="") as fh:
                csv.writer(fh).writerow([row.get(f, "") for f in fields])
        if step % cfg.checkpoint_every == 0 or step == cfg.steps:
            save()
    model.eval()
    mean, chol = fit_prior(model, train_h, train_v, train_o, train_t)
    state = load_checkpoint(path)
    state.update(prior_mean=mean, prior_chol=chol)
    save_checkpoint(path, state)
    return path


def load_feel(path: Path) -> tuple[FeelVAE, dict]:
    """A trained feel model (eval mode) and its checkpoint."""
    state = load_checkpoint(Path(path))
    if state.get("kind") != "feel":
        raise ValueError(f"{path} is not a feel-model checkpoint")
    model = FeelVAE(FeelConfig(**state["model_config"]))
    model.load_state_dict(state["model"])
    model.eval()
    return model, state
