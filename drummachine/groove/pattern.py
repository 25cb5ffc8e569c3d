"""`Pattern`: the one data type every part of the product speaks (bars x 16 steps x 9 classes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

import numpy as np

from drummachine.groove.vocabulary import (
    NUM_CLASSES,
    STEPS_PER_BAR,
    pattern_to_tokens,
    tokens_to_pattern,
)

DEFAULT_VELOCITY = 100
MAX_OFFSET = 0.5  # of a step: an onset further off belongs to the neighbouring step


@dataclass(frozen=True, eq=False)
class Pattern:
    """Drum hits with their MIDI velocities and timing: `velocities[bar, step, cls]` is 0 for no hit, else
    1..127; `offsets[bar, step, cls]` is how far the hit sits off its step, in steps (-0.5 early .. 0.5 late),
    or None when every hit is on the grid.

    The VAE sees only the hits (tokens); the feel model adds velocity and timing; playback and clips use
    both. Offsets of cells without a hit are 0.
    """

    velocities: np.ndarray
    offsets: Optional[np.ndarray] = None

    def __post_init__(self) -> None:
        v = np.asarray(self.velocities)
        if v.ndim != 3 or v.shape[1:] != (STEPS_PER_BAR, NUM_CLASSES):
            raise ValueError(f"a pattern is (bars, 16, 9), got shape {v.shape}")
        if v.size and (v.min() < 0 or v.max() > 127):
            raise ValueError("velocities must lie in 0..127")
        v = v.astype(np.uint8, copy=True)
        v.setflags(write=False)
        object.__setattr__(self, "velocities", v)
        if self.offsets is not None:
            o = np.asarray(self.offsets, dtype=np.float32)
            if o.shape != v.shape:
                raise ValueError(f"offsets must have the velocities' shape {v.shape}, got {o.shape}")
            if o.size and not (np.isfinite(o).all() and np.abs(o).max() <= MAX_OFFSET):
                raise ValueError(f"offsets are fractions of a step in -{MAX_OFFSET}..{MAX_OFFSET}")
            o = np.where(v > 0, o, 0).astype(np.float32)
            o.setflags(write=False)
            object.__setattr__(self, "offsets", o if o.any() else None)

    @classmethod
    def empty(cls, bars: int) -> "Pattern":
        return cls(np.zeros((bars, STEPS_PER_BAR, NUM_CLASSES), dtype=np.uint8))

    @classmethod
    def from_hits(cls, hits: np.ndarray, velocity: int = DEFAULT_VELOCITY) -> "Pattern":
        """A pattern from boolean hits (bars, 16, 9), every hit at one velocity."""
        return cls(np.where(np.asarray(hits, dtype=bool), velocity, 0))

    @classmethod
    def from_tokens(cls, tokens: np.ndarray, velocity: int = DEFAULT_VELOCITY) -> "Pattern":
        """A pattern from a token sequence of whole bars, every hit at one velocity."""
        return cls.from_hits(tokens_to_pattern(tokens), velocity)

    @classmethod
    def concat(cls, patterns: Iterable["Pattern"]) -> "Pattern":
        """The patterns one after another, as one longer pattern."""
        patterns = list(patterns)
        if not patterns:
            return cls.empty(0)
        offsets = None
        if any(p.offsets is not None for p in patterns):
            offsets = np.concatenate([p.timing for p in patterns], axis=0)
        return cls(np.concatenate([p.velocities for p in patterns], axis=0), offsets)

    @property
    def bars(self) -> int:
        return int(self.velocities.shape[0])

    @property
    def steps(self) -> int:
        return self.bars * STEPS_PER_BAR

    @property
    def hits(self) -> np.ndarray:
        """Boolean (bars, 16, 9)."""
        return self.velocities > 0

    @property
    def timing(self) -> np.ndarray:
        """The offsets, zeros when the pattern is on the grid: (bars, 16, 9) float32 in steps."""
        return self.offsets if self.offsets is not None else np.zeros(self.velocities.shape, np.float32)

    def on_grid(self) -> "Pattern":
        """The same hits and velocities, every one on its step."""
        return self if self.offsets is None else Pattern(self.velocities)

    def with_feel(self, velocities: np.ndarray, offsets: Optional[np.ndarray]) -> "Pattern":
        """The same hits with other velocities (kept at least 1 where a hit is) and offsets."""
        v = np.where(self.hits, np.clip(np.asarray(velocities), 1, 127), 0)
        return Pattern(v, offsets)

    def tokens(self) -> np.ndarray:
        """The token sequence (bars * 16,) the models read."""
        return pattern_to_tokens(self.hits)

    def bar_slice(self, start: int, stop: int) -> "Pattern":
        """Bars start..stop-1 as a new pattern."""
        return Pattern(self.velocities[start:stop], None if self.offsets is None else self.offsets[start:stop])

    def with_hit(self, bar: int, step: int, cls: int, velocity: int) -> "Pattern":
        """A copy with one cell set (velocity 0 clears it), on its step."""
        v = self.velocities.copy()
        v[bar, step, cls] = velocity
        offsets = None
        if self.offsets is not None:
            offsets = self.offsets.copy()
            offsets[bar, step, cls] = 0.0
        return Pattern(v, offsets)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Pattern) and np.array_equal(self.velocities, other.velocities)
                and np.array_equal(self.timing, other.timing))

    def __repr__(self) -> str:
        return f"Pattern(bars={self.bars}, hits={int(self.hits.sum())})"
