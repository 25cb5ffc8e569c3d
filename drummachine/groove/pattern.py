"""`Pattern`: the one data type every part of the product speaks (bars x 16 steps x 9 classes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np

from drummachine.groove.vocabulary import (
    NUM_CLASSES,
    STEPS_PER_BAR,
    pattern_to_tokens,
    tokens_to_pattern,
)

DEFAULT_VELOCITY = 100


@dataclass(frozen=True, eq=False)
class Pattern:
    """Drum hits with their MIDI velocities: `velocities[bar, step, cls]` is 0 for no hit, else 1..127.

    The models see only the hits (tokens); playback and clips use the velocities.
    """

    velocities: np.ndarray

    def __post_init__(self) -> None:
        v = np.asarray(self.velocities)
        if v.ndim != 3 or v.shape[1:] != (STEPS_PER_BAR, NUM_CLASSES):
            raise ValueError(f"a pattern is (bars, 16, 9), got shape {v.shape}")
        if v.size and (v.min() < 0 or v.max() > 127):
            raise ValueError("velocities must lie in 0..127")
        v = v.astype(np.uint8, copy=True)
        v.setflags(write=False)
        object.__setattr__(self, "velocities", v)

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
        parts = [p.velocities for p in patterns]
        if not parts:
            return cls.empty(0)
        return cls(np.concatenate(parts, axis=0))

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

    def tokens(self) -> np.ndarray:
        """The token sequence (bars * 16,) the models read."""
        return pattern_to_tokens(self.hits)

    def bar_slice(self, start: int, stop: int) -> "Pattern":
        """Bars start..stop-1 as a new pattern."""
        return Pattern(self.velocities[start:stop])

    def with_hit(self, bar: int, step: int, cls: int, velocity: int) -> "Pattern":
        """A copy with one cell set (velocity 0 clears it)."""
        v = self.velocities.copy()
        v[bar, step, cls] = velocity
        return Pattern(v)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pattern) and np.array_equal(self.velocities, other.velocities)

    def __repr__(self) -> str:
        return f"Pattern(bars={self.bars}, hits={int(self.hits.sum())})"
