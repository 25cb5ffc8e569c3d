"""The feel model: given where the hits are, how loud and how far off the grid a drummer plays each one.

After GrooVAE (Gillick et al., 2019) with its hits given as controls: the hits are not predicted, only
their velocity (0..1) and offset (-0.5..0.5 of a step). A small latent code carries what the hits do
not say (this drummer's touch, laid back or pushed), so a seed gives another plausible feel. Unlike
GrooVAE's autoregressive decoder, this decoder reads the whole 2-bar window at once (a bidirectional
GRU over the steps): feel is a regression, not a sequence of choices, and one pass costs a fraction of
a millisecond live.

Live, bar k's feel is the second bar of the model run on (bar k-1, bar k) (bar 0 on (bar 0, bar 0)),
with one code for the whole performance: the same seed gives the same feel, bar by bar or all at once.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Optional

import torch
from torch import nn

from drummachine.groove.vocabulary import NUM_CLASSES, STEPS_PER_BAR
from drummachine.model import format as fmt
from drummachine.model.format import FEEL_BARS

# The window the model reads (the bar before and the bar it plays) and how it reads the tempo (timing in steps
# depends on it: a 16th at 60 BPM is 250 ms) are the app's contract: drummachine/model/format.py.
tempo_feature = fmt.feel_tempo


@dataclass(frozen=True)
class FeelConfig:
    hidden: int = 128
    latent: int = 32
    layers: int = 1
    bars: int = FEEL_BARS
    tempo: bool = False  # whether the model reads the tempo (the app knows it; GrooVAE did not)
    loss: str = "mse"  # "mse" as GrooVAE, or "l1": the median, which is what an error in MIDI units or ms rewards

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def steps(self) -> int:
        return self.bars * STEPS_PER_BAR


class FeelVAE(nn.Module):
    """Encoder: hits, velocities and offsets -> code. Decoder: hits and code -> velocities and offsets."""

    def __init__(self, cfg: FeelConfig = FeelConfig()):
        super().__init__()
        self.cfg = cfg
        extra = 1 if cfg.tempo else 0
        self.encoder = nn.GRU(3 * NUM_CLASSES + extra, cfg.hidden, cfg.layers, batch_first=True, bidirectional=True)
        self.to_code = nn.Linear(2 * cfg.hidden, 2 * cfg.latent)
        self.decoder = nn.GRU(NUM_CLASSES + cfg.latent + extra, cfg.hidden, cfg.layers, batch_first=True,
                              bidirectional=True)
        self.out = nn.Linear(2 * cfg.hidden, 2 * NUM_CLASSES)

    def _with_tempo(self, x: torch.Tensor, tempo: Optional[torch.Tensor]) -> torch.Tensor:
        if not self.cfg.tempo:
            return x
        if tempo is None:
            raise ValueError("this feel model reads the tempo: give it")
        return torch.cat([x, tempo.reshape(-1, 1, 1).expand(-1, x.shape[1], 1).to(x.dtype)], dim=-1)

    def encode(self, hits: torch.Tensor, velocity: torch.Tensor, offset: torch.Tensor,
               tempo: Optional[torch.Tensor] = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, T, 9) each, velocity in 0..1 and offset in -0.5..0.5 (and the tempo feature, (B,)) -> mu, sigma (B, L)."""
        _, h = self.encoder(self._with_tempo(torch.cat([hits, velocity, 2 * offset], dim=-1), tempo))
        last = torch.cat([h[-2], h[-1]], dim=-1)  # the top layer's forward and backward states
        mu, raw = self.to_code(last).chunk(2, dim=-1)
        return mu, nn.functional.softplus(raw) + 1e-4

    def decode(self, hits: torch.Tensor, z: torch.Tensor,
               tempo: Optional[torch.Tensor] = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Hits (B, T, 9) and codes (B, L) (and the tempo feature, (B,)) -> velocity in 0..1 and offset in
        -0.5..0.5, (B, T, 9) each."""
        steps = hits.shape[1]
        x = self._with_tempo(torch.cat([hits, z[:, None, :].expand(-1, steps, -1)], dim=-1), tempo)
        y, _ = self.decoder(x)
        vel, off = self.out(y).chunk(2, dim=-1)
        return torch.sigmoid(vel), 0.5 * torch.tanh(off)

    def forward(self, hits, velocity, offset, tempo=None, sample: bool = True):
        mu, sigma = self.encode(hits, velocity, offset, tempo)
        z = mu + sigma * torch.randn_like(sigma) if sample else mu
        vel, off = self.decode(hits, z, tempo)
        return vel, off, mu, sigma


def feel_losses(model: FeelVAE, hits: torch.Tensor, velocity: torch.Tensor, offset: torch.Tensor,
                tempo: Optional[torch.Tensor] = None, sample: bool = True) -> dict[str, torch.Tensor]:
    """Errors of velocity and offset on the true hits only (a cell without a hit has no feel), squared or
    absolute as the config says, as means per hit; the KL divergence of the code, per window, in nats.
    (The keys keep the name "mse" for either loss.)"""
    vel, off, mu, sigma = model(hits, velocity, offset, tempo, sample)
    n = hits.sum().clamp(min=1)
    err = torch.abs if model.cfg.loss == "l1" else torch.square
    vel_mse = (err(vel - velocity) * hits).sum() / n
    off_mse = (err((off - offset) * 2) * hits).sum() / n  # offsets scaled to -1..1, as velocities are to 0..1
    kl = (0.5 * (mu ** 2 + sigma ** 2 - 1) - torch.log(sigma)).sum(dim=-1).mean()
    return {"velocity_mse": vel_mse, "offset_mse": off_mse, "kl": kl}
