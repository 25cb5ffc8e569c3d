"""Held-out evaluation laid out like the seed paper's tables: per-step reconstruction accuracy with z = mu,
teacher-forced and free-running, plus KL per sequence and active latent dimensions.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

import numpy as np
import torch
from tqdm import tqdm

from drummachine.groove.vocabulary import STEPS_PER_BAR
from drummachine.model.code_fit import FitSettings, fit_codes
from trainer.dataset import find_midi_files, load_windows, read_folder
from trainer.models import START, VAE, BarLikelihood, HierarchicalDecoder
from trainer.windows import stack, windows

ACTIVE_DIM_VARIANCE = 0.01  # a latent dimension is active when Var over the data of its mu exceeds this


@dataclass(frozen=True)
class Scores:
    model: str
    bars: int
    windows: int
    teacher_forced_accuracy: float
    free_running_accuracy: float
    kl_per_sequence: Optional[float]  # nats
    active_dims: Optional[int]
    latent: Optional[int]

    def to_dict(self) -> dict:
        return asdict(self)


def _greedy(core, cond, state, steps: int, rows: int, device, context=None) -> tuple[torch.Tensor, torch.Tensor]:
    """`steps` steps from the start token, each fed the previous argmax: tokens (rows, steps), logits.
    `context` (rows, steps): the bar before's tokens, for a decoder that reads them."""
    prev = torch.full((rows,), START, dtype=torch.long, device=device)
    tokens, logits = [], []
    for i in range(steps):
        step_logits, state = core.step(prev, cond, state, None if context is None else context[:, i])
        prev = step_logits.argmax(-1)
        tokens.append(prev)
        logits.append(step_logits)
    return torch.stack(tokens, 1), torch.stack(logits, 1)


@torch.no_grad()
def greedy_bars(model: VAE, z: torch.Tensor, bars: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The hierarchical decoder's greedy bars from codes z: tokens (N, bars*16), logits (N, bars*16, 512).
    Every bar decodes on its own from its conductor embedding."""
    dec = model.decoder
    n = z.shape[0]
    emb = dec.conductor(z, bars)
    if dec.bar.core.context is None:
        flat = emb.reshape(n * bars, -1)
        tokens, logits = _greedy(dec.bar.core, flat, dec.bar.init(flat), STEPS_PER_BAR, n * bars, z.device)
        return tokens.reshape(n, -1), logits.reshape(n, bars * STEPS_PER_BAR, -1)
    # a decoder that reads the bar before plays bar after bar, each reading its own previous output
    context = torch.full((n, STEPS_PER_BAR), START, dtype=torch.long, device=z.device)
    all_tokens, all_logits = [], []
    for b in range(bars):
        tokens, logits = _greedy(dec.bar.core, emb[:, b], dec.bar.init(emb[:, b]), STEPS_PER_BAR, n, z.device, context)
        all_tokens.append(tokens)
        all_logits.append(logits)
        context = tokens
    return torch.cat(all_tokens, 1), torch.cat(all_logits, 1)


@torch.no_grad()
def free_running_decode(model: torch.nn.Module, tokens: torch.Tensor) -> torch.Tensor:
    """Greedy decode where every step is fed the model's own argmax (z = mu for the VAEs).

    The LSTM baseline has no code to start from, so its free-running output is its own greedy continuation
    from the start token: a floor for the other two.
    """
    n, t = tokens.shape
    if not isinstance(model, VAE):
        return _greedy(model.core, None, None, t, n, tokens.device)[0]
    mu, _ = model.encoder(tokens)
    if isinstance(model.decoder, HierarchicalDecoder):
        return greedy_bars(model, mu, t // STEPS_PER_BAR)[0]
    dec = model.decoder
    return _greedy(dec.core, mu, dec.init(mu), t, n, tokens.device)[0]


def fitted_codes(model: VAE, tokens: torch.Tensor, mu: torch.Tensor, sigma: torch.Tensor,
                 settings: FitSettings) -> torch.Tensor:
    """Codes (N, L) of windows `tokens` (N, T) fitted to them as the app's engine fits them
    (drummachine/model/code_fit.py), with torch's gradient where the engine has its fit graph."""
    likelihood = BarLikelihood(model)
    size = model.cfg.bar_latent
    bars = tokens.reshape(-1, STEPS_PER_BAR)

    def nll_and_gradient(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        nll, grad = likelihood.with_gradient(torch.from_numpy(codes), bars)
        return nll.numpy(), grad.numpy()

    fitted = fit_codes(nll_and_gradient, mu.reshape(-1, size).numpy(), sigma.reshape(-1, size).numpy(), settings)
    return torch.from_numpy(fitted).reshape(mu.shape)


def can_fit(model: torch.nn.Module) -> bool:
    """Whether a model's codes can be fitted to a groove: a hierarchical VAE with a code per bar."""
    return isinstance(model, VAE) and isinstance(model.decoder, HierarchicalDecoder) and bool(model.cfg.bar_latent)


@torch.no_grad()
def rebuild(model: torch.nn.Module, tokens: np.ndarray, batch: int = 256, progress: bool = False,
            fit: Optional[FitSettings] = None) -> dict:
    """Per window: teacher-forced correct steps, the greedy free-running rebuild, and mu, sigma for the VAEs (the
    same record `evaluate_onnx.rebuild_onnx` gives for an exported model). The code decoded is mu, or with `fit`
    (steps above 0, a model with a code per bar) mu fitted to the window as the app does."""
    model.eval()
    fitting = fit is not None and fit.steps > 0 and can_fit(model)
    tf_correct, rebuilt, mus, sigmas = [], [], [], []
    chunks = torch.from_numpy(tokens.astype(np.int64)).split(batch)
    for chunk in tqdm(chunks, desc="rebuilding", unit="batch", disable=not progress, leave=False):
        if fitting:
            mu, sigma = model.encoder(chunk)
            z = fitted_codes(model, chunk, mu, sigma, fit)
            logits = model.decoder(z, chunk)
            tf_correct.append((logits.argmax(-1) == chunk).sum(1).numpy())
            rebuilt.append(greedy_bars(model, z, chunk.shape[1] // STEPS_PER_BAR)[0].numpy())
            mus.append(mu.numpy())
            sigmas.append(sigma.numpy())
            continue
        out = model(chunk, sample_prob=0.0, use_mean=True)
        tf_correct.append((out.logits.argmax(-1) == chunk).sum(1).numpy())
        rebuilt.append(free_running_decode(model, chunk).numpy())
        if out.mu is not None:
            mus.append(out.mu.numpy())
            sigmas.append(out.sigma.numpy())
    cfg = model.cfg
    return {"teacher_forced_correct": np.concatenate(tf_correct), "rebuilt": np.concatenate(rebuilt),
            "mu": np.concatenate(mus) if mus else None, "sigma": np.concatenate(sigmas) if sigmas else None,
            "fit_steps": fit.steps if fitting else 0,
            "latent": cfg.latent if cfg.model != "lstm" else None, "bars": cfg.bars}


def scores_from_rebuild(r: dict, tokens: np.ndarray, name: str) -> Scores:
    """The seed-style row of a `rebuild` record."""
    total = max(tokens.size, 1)
    kl = active = None
    if r["mu"] is not None:
        mu, sigma = r["mu"], r["sigma"]
        kl = float((0.5 * (mu**2 + sigma**2 - 1 - 2 * np.log(np.maximum(sigma, 1e-8))).sum(-1)).mean())
        active = int((mu.var(0) > ACTIVE_DIM_VARIANCE).sum()) if len(tokens) > 1 else 0
    return Scores(name, r["bars"], len(tokens), float(r["teacher_forced_correct"].sum() / total),
                  float((r["rebuilt"] == tokens).sum() / total), kl, active, r["latent"])


def score(model: torch.nn.Module, tokens: np.ndarray, name: str, batch: int = 256, progress: bool = False) -> Scores:
    """Scores of a trained model on windows (N, steps) of its own length."""
    return scores_from_rebuild(rebuild(model, tokens, batch, progress), tokens, name)


def windows_from_midi(folder: Path, bars: int, skipped: Optional[dict[str, tuple[str, str]]] = None) -> np.ndarray:
    """Every kept, distinct `bars`-long window of every MIDI file under a folder: all of it is test data.

    Files the reader refuses are left out; `skipped`, when given, gets relpath -> (reason, message) for each,
    so the caller can say what was left out, as the dataset build does."""
    seen: set[bytes] = set()
    kept = []
    for relpath, take, reason, message in read_folder(Path(folder), progress=False):
        if take is None and skipped is not None:
            skipped[relpath] = (reason, message)
        for span in take.spans if take else []:
            for window, keep in windows(span, bars):
                key = window.tokens().tobytes()
                if keep and key not in seen:
                    seen.add(key)
                    kept.append(window)
    if not kept:
        raise ValueError(f"no {bars}-bar windows in the MIDI files under {folder} ({len(find_midi_files(Path(folder)))} files)")
    return stack(kept, bars)[0]


def evaluation_windows(bars: int, data: Optional[Path], midi: Optional[Path], split: str, limit: int,
                       skipped: Optional[dict[str, tuple[str, str]]] = None
                       ) -> tuple[np.ndarray, Optional[np.ndarray], Optional[list[str]]]:
    """Held-out tokens (the first `limit`, 0 for all) with each window's source file index and the file list;
    a MIDI folder gives tokens only (its windows' files are not tracked)."""
    keep = slice(0, limit or None)
    if data:
        held = load_windows(data, bars, split)
        return held.tokens[keep], held.file_index[keep], held.files
    return windows_from_midi(midi, bars, skipped)[keep], None, None


def format_table(rows: list[Scores]) -> str:
    """One row per model and length, as in the seed's tables."""
    head = f"| {'model':<28} | bars | windows | teacher-forced | free-running | drop (points) | KL (nats) | active dims |"
    lines = [head, "|" + "|".join("-" * (len(c)) for c in head.split("|")[1:-1]) + "|"]
    for r in rows:
        kl = f"{r.kl_per_sequence:.1f}" if r.kl_per_sequence is not None else "-"
        active = f"{r.active_dims}/{r.latent}" if r.active_dims is not None else "-"
        drop = r.teacher_forced_accuracy - r.free_running_accuracy
        lines.append(f"| {r.model:<28} | {r.bars:>4} | {r.windows:>7} | {r.teacher_forced_accuracy:>14.4f} | "
                     f"{r.free_running_accuracy:>12.4f} | {drop:>13.4f} | {kl:>9} | {active:>11} |")
    return "\n".join(lines)
