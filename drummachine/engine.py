"""The generation engine: sample, decode bar by bar, encode, interpolate, vary and lock, on onnxruntime.

Deterministic: a seed fixes the latent code and, per bar, the uniforms the sampler reads, so the same seed
gives the same pattern whether the bars are asked for one at a time or all together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional, Union

import numpy as np

from drummachine import model_format as fmt
from drummachine.latent import interpolation_points, slerp
from drummachine.model_files import ModelFiles, open_model
from drummachine.pattern import Pattern
from drummachine.velocity import accent_velocities
from drummachine.vocabulary import NUM_TOKENS, STEPS_PER_BAR, tokens_to_pattern

LOCK_BIAS = -1e9  # added to the logits of tokens that break a lock: their probability becomes 0
_ALL_TOKENS = np.arange(NUM_TOKENS)


def new_seed() -> int:
    return int(np.random.SeedSequence().entropy % (2**31))


@dataclass(frozen=True)
class Lock:
    """Classes whose hits are held to `pattern` (bar k of a decode follows bar k mod pattern.bars)."""

    pattern: Pattern
    classes: frozenset[int] = field(default_factory=frozenset)

    def mask(self) -> int:
        return sum(1 << c for c in self.classes)

    def bias(self, bar: int) -> np.ndarray:
        """(16, 512) logit bias for one bar: 0 where a token keeps the locked classes as they are, else -1e9."""
        ref = self.pattern.bar_slice(bar % self.pattern.bars, bar % self.pattern.bars + 1).tokens()
        mask = self.mask()
        ok = (_ALL_TOKENS[None, :] & mask) == (ref[:, None].astype(np.int64) & mask)
        return np.where(ok, 0.0, LOCK_BIAS).astype(np.float32)


@dataclass(frozen=True)
class Groove:
    """A generated pattern with what made it, so it can be remade, varied or morphed."""

    pattern: Pattern
    z: np.ndarray
    seed: int
    temperature: float


Endpoint = Union[Pattern, np.ndarray]


class Engine:
    def __init__(self, model: Optional[Union[Path, str, ModelFiles]] = None, threads: int = 1, prefer_gpu: bool = True):
        self.model = model if isinstance(model, ModelFiles) else open_model(model, threads, prefer_gpu)
        cfg = self.model.config
        self.bars = int(cfg["bars"])
        self.latent = int(cfg["latent"])
        s = self.model.sessions
        self._encoder, self._conductor, self._bar = s[fmt.ENCODER], s[fmt.CONDUCTOR], s[fmt.BAR_DECODER]

    @property
    def provider(self) -> str:
        return self.model.provider

    # --- latent codes -------------------------------------------------------------------------------------
    def random_latent(self, seed: int) -> np.ndarray:
        """A code drawn from the model's latent prior (see model_format.LATENT_PRIOR)."""
        eps = np.random.default_rng([seed, 0]).standard_normal(self.latent).astype(np.float32)
        return self.model.prior_mean + self.model.prior_chol @ eps

    def encode(self, pattern: Pattern) -> np.ndarray:
        """The code (mu) of a pattern; shorter patterns are looped to the model's length, longer ones cut."""
        if pattern.bars == 0:
            raise ValueError("cannot encode an empty pattern")
        idx = np.arange(self.bars) % pattern.bars
        tokens = pattern.velocities[idx] if pattern.bars != self.bars else pattern.velocities
        mu, _ = self._encoder.run(None, {"tokens": Pattern(tokens).tokens().astype(np.int64)[None]})
        return mu[0]

    def _code(self, end: Endpoint) -> np.ndarray:
        return self.encode(end) if isinstance(end, Pattern) else np.asarray(end, dtype=np.float32).reshape(self.latent)

    # --- decoding ----------------------------------------------------------------------------------------
    def _bar_inputs(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        emb, h0, c0 = self._conductor.run(None, {"z": np.asarray(z, dtype=np.float32).reshape(-1, self.latent)})
        return (emb[0], h0[0], c0[0]) if emb.shape[0] == 1 else (emb, h0, c0)

    def decode_bars(
        self,
        z: np.ndarray,
        bars: Optional[int] = None,
        temperature: float = 1.0,
        seed: int = 0,
        lock: Optional[Lock] = None,
    ) -> Iterator[Pattern]:
        """One-bar patterns, decoded when asked for: a player can ask for bar n+1 while bar n plays."""
        bars = self._check_bars(bars)
        emb, h0, c0 = self._bar_inputs(z)
        for bar in range(bars):
            yield self._decode(emb[bar : bar + 1], h0[bar : bar + 1], c0[bar : bar + 1], [bar], temperature, seed, lock)

    def decode_bar(self, z: np.ndarray, bar: int, temperature: float = 1.0, seed: int = 0,
                   lock: Optional[Lock] = None) -> Pattern:
        """Bar `bar` alone (as in `decode`): what a player's bar source asks for while the previous bar plays."""
        self._check_bars(bar + 1)
        emb, h0, c0 = self._bar_inputs(z)
        return self._decode(emb[bar : bar + 1], h0[bar : bar + 1], c0[bar : bar + 1], [bar], temperature, seed, lock)

    def _check_bars(self, bars: Optional[int]) -> int:
        bars = self.bars if bars is None else int(bars)
        if not 1 <= bars <= self.bars:
            raise ValueError(f"this model decodes 1 to {self.bars} bars, not {bars}")
        return bars

    def _decode(self, emb, h0, c0, bar_ids: list[int], temperature: float, seed: int, lock: Optional[Lock]) -> Pattern:
        """Decode the given bars (all in one batch: bars never share state) into one pattern."""
        n = len(bar_ids)
        uniforms = np.stack([np.random.default_rng([seed, 1, b]).random(STEPS_PER_BAR, dtype=np.float32)
                             for b in bar_ids])
        uniforms = np.clip(uniforms, 1e-7, 1.0)
        if lock and lock.classes:
            bias = np.stack([lock.bias(b) for b in bar_ids])
        else:
            bias = np.zeros((n, STEPS_PER_BAR, NUM_TOKENS), np.float32)
        greedy = temperature <= 0
        (tokens,) = self._bar.run(["tokens"], {
            "embedding": emb, "h0": h0, "c0": c0, "uniforms": uniforms, "bias": bias,
            "inv_temperature": np.full((n, 1), 1.0 if greedy else 1.0 / temperature, np.float32),
            "greedy": np.full((n, 1), 1.0 if greedy else 0.0, np.float32),
        })
        hits = tokens_to_pattern(tokens.reshape(-1))
        velocities = accent_velocities(hits)
        if lock and lock.classes:
            ref = lock.pattern.velocities[np.array(bar_ids) % lock.pattern.bars]
            keep = np.zeros(9, dtype=bool)
            keep[list(lock.classes)] = True
            velocities = np.where(keep[None, None, :] & hits, ref, velocities)
        return Pattern(velocities)

    def decode(self, z: np.ndarray, bars: Optional[int] = None, temperature: float = 1.0, seed: int = 0,
               lock: Optional[Lock] = None) -> Pattern:
        """All bars at once (one batched call); equal to joining `decode_bars`."""
        return self.decode_many(np.asarray(z).reshape(1, self.latent), bars, temperature, seed, lock)[0]

    def decode_many(self, zs: np.ndarray, bars: Optional[int] = None, temperature: float = 1.0, seed: int = 0,
                    lock: Optional[Lock] = None) -> list[Pattern]:
        """Several codes in one conductor call and one bar-decoder call; each equals its own `decode`."""
        bars = self._check_bars(bars)
        zs = np.asarray(zs, dtype=np.float32).reshape(-1, self.latent)
        emb, h0, c0 = self._conductor.run(None, {"z": zs})
        n = len(zs)
        flat = lambda a: a[:, :bars].reshape(n * bars, *a.shape[2:])  # noqa: E731
        joined = self._decode(flat(emb), flat(h0), flat(c0), list(range(bars)) * n, temperature, seed, lock)
        return [joined.bar_slice(i * bars, (i + 1) * bars) for i in range(n)]

    # --- what the musician asks for -------------------------------------------------------------------------
    def sample(self, bars: Optional[int] = None, temperature: float = 1.0, seed: Optional[int] = None,
               lock: Optional[Lock] = None) -> Groove:
        """A new groove from the prior: z ~ N(0, I), decoded at `temperature` (0 = greedy)."""
        seed = new_seed() if seed is None else int(seed)
        z = self.random_latent(seed)
        return Groove(self.decode(z, bars, temperature, seed, lock), z, seed, temperature)

    def interpolate(self, a: Endpoint, b: Endpoint, steps: int, bars: Optional[int] = None,
                    temperature: float = 0.0, seed: int = 0) -> list[Pattern]:
        """`steps` patterns from a to b along the great circle between their codes (ends included)."""
        za, zb = self._code(a), self._code(b)
        zs = np.stack([slerp(za, zb, t) for t in interpolation_points(steps)])
        return self.decode_many(zs, bars, temperature, seed)

    def variations(self, pattern: Pattern, amount: float = 0.5, n: int = 4, temperature: float = 0.0,
                   seed: Optional[int] = None, lock: Optional[Lock] = None) -> list[Groove]:
        """`n` grooves near a pattern: its code plus `amount` times noise shaped like the data's codes."""
        seed = new_seed() if seed is None else int(seed)
        mu = self.encode(pattern)
        noise = np.random.default_rng([seed, 2]).standard_normal((n, self.latent)).astype(np.float32)
        noise = noise @ self.model.prior_chol.T
        bars = min(pattern.bars, self.bars)
        return [Groove(self.decode(mu + amount * noise[i], bars, temperature, seed + i, lock),
                       mu + amount * noise[i], seed + i, temperature) for i in range(n)]
