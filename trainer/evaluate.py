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

from drummachine.vocabulary import STEPS_PER_BAR
from trainer.dataset import find_midi_files, load_windows, read_folder
from trainer.models import START, VAE, HierarchicalDecoder, kl_divergence
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


def _greedy(core, cond, state, steps: int, rows: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    """`steps` steps from the start token, each fed the previous argmax: tokens (rows, steps), logits."""
    prev = torch.full((rows,), START, dtype=torch.long, device=device)
    tokens, logits = [], []
    for _ in range(steps):
        step_logits, state = core.step(prev, cond, state)
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
    emb = dec.conductor(z, bars).reshape(n * bars, -1)
    tokens, logits = _greedy(dec.bar.core, emb, dec.bar.init(emb), STEPS_PER_BAR, n * bars, z.device)
    return tokens.reshape(n, -1), logits.reshape(n, bars * STEPS_PER_BAR, -1)


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


@torch.no_grad()
def score(model: torch.nn.Module, tokens: np.ndarray, name: str, batch: int = 256, progress: bool = False) -> Scores:
    """Scores of a trained model on windows (N, steps) of its own length."""
    model.eval()
    cfg = model.cfg
    tf_hits = fr_hits = 0
    kls, mus = [], []
    chunks = torch.from_numpy(tokens.astype(np.int64)).split(batch)
    for chunk in tqdm(chunks, desc=f"scoring {name}", unit="batch", disable=not progress, leave=False):
        out = model(chunk, sample_prob=0.0, use_mean=True)
        tf_hits += int((out.logits.argmax(-1) == chunk).sum())
        fr_hits += int((free_running_decode(model, chunk) == chunk).sum())
        if out.mu is not None:
            kls.append(kl_divergence(out.mu, out.sigma))
            mus.append(out.mu)
    total = max(tokens.size, 1)
    kl = active = None
    if mus:
        kl = float(torch.cat(kls).mean())
        active = int((torch.cat(mus).var(0) > ACTIVE_DIM_VARIANCE).sum()) if len(tokens) > 1 else 0
    return Scores(name, cfg.bars, len(tokens), tf_hits / total, fr_hits / total, kl, active,
                  cfg.latent if cfg.model != "lstm" else None)


def windows_from_midi(folder: Path, bars: int) -> np.ndarray:
    """Every kept, distinct `bars`-long window of every MIDI file under a folder: all of it is test data."""
    seen: set[bytes] = set()
    kept = []
    for _, take, _, _ in read_folder(Path(folder), progress=False):
        for span in take.spans if take else []:
            for window, keep in windows(span, bars):
                key = window.tokens().tobytes()
                if keep and key not in seen:
                    seen.add(key)
                    kept.append(window)
    if not kept:
        raise ValueError(f"no {bars}-bar windows in the MIDI files under {folder} ({len(find_midi_files(Path(folder)))} files)")
    return stack(kept, bars)[0]


def evaluation_windows(bars: int, data: Optional[Path], midi: Optional[Path], split: str, limit: int) -> np.ndarray:
    tokens = load_windows(data, bars, split).tokens if data else windows_from_midi(midi, bars)
    return tokens[:limit] if limit else tokens


def format_table(rows: list[Scores]) -> str:
    """One row per model and length, as in the seed's tables."""
    head = f"| {'model':<28} | bars | windows | teacher-forced | free-running | drop | KL (nats) | active dims |"
    lines = [head, "|" + "|".join("-" * (len(c)) for c in head.split("|")[1:-1]) + "|"]
    for r in rows:
        kl = f"{r.kl_per_sequence:.1f}" if r.kl_per_sequence is not None else "-"
        active = f"{r.active_dims}/{r.latent}" if r.active_dims is not None else "-"
        drop = r.teacher_forced_accuracy - r.free_running_accuracy
        lines.append(f"| {r.model:<28} | {r.bars:>4} | {r.windows:>7} | {r.teacher_forced_accuracy:>14.4f} | "
                     f"{r.free_running_accuracy:>12.4f} | {drop:>4.1%} | {kl:>9} | {active:>11} |")
    return "\n".join(lines)
