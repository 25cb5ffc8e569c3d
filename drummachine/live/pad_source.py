"""The 4-corner pad as a bar source: each bar is decoded from the code at the pad position that bar plays.

Where the positions come from is the owner's: one held position that the musician moves (the player is told
with `set_source`, which drops the bars made ahead, so a move lands at the next bar line), or a path with a
position per bar, looped.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from drummachine.groove.pad import PriorFrame, Position, corner_at, mix
from drummachine.groove.pattern import Pattern
from drummachine.model.engine import Engine
from drummachine.model.feel import FeelSettings

KEPT_BARS = 4  # bars made lately, kept so a model that reads the bar before plays on from the one before


@dataclass
class PadSource:
    """Bar n plays bar (n mod `bars`) of the groove at `positions[n mod len(positions)]`, at `temperature` with
    `seed`; with `feel`, each bar is played with the model's feel from the bar made before it."""

    engine: Engine
    corners: np.ndarray  # (4, L) codes: top-left, top-right, bottom-left, bottom-right
    positions: tuple[Position, ...]
    start: int = 0  # the bar index that plays positions[0] (a path begins at the bar line after it was asked for)
    bars: int = 16
    temperature: float = 0.0
    seed: int = 0
    how: str = "slerp"
    frame: Optional[PriorFrame] = None
    feel: Optional[FeelSettings] = None
    bpm: float = 120.0
    corner_patterns: Optional[tuple[Pattern, ...]] = None  # on a corner itself, its own groove plays (as it sounds)
    repeats: tuple[int, ...] = ()  # the bars every corner plays again (model/repeats.py shared_sources): they do here
    _made: dict = field(default_factory=dict, repr=False)  # index -> bar as decoded (before feel)
    _guard: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if not self.positions:
            raise ValueError("a pad source needs at least one position")

    def move(self, position: Position) -> None:
        """Hold `position` from the next bar asked for on (the owner hands the player this source again)."""
        self.positions = (position,)

    def position(self, index: int) -> Position:
        return self.positions[(index - self.start) % len(self.positions)]

    def code(self, index: int) -> np.ndarray:
        return self.engine.with_repeats(mix(self.corners, *self.position(index), how=self.how, frame=self.frame),
                                        self.repeats)

    def bar(self, index: int) -> Pattern:
        """Bar `index`: on a corner, that corner's own groove; elsewhere decoded from the mixed code, a model that
        reads the bar before playing on from the bar made before it."""
        corner = corner_at(*self.position(index))
        if corner is not None and self.corner_patterns is not None:
            own = self.corner_patterns[corner]
            b = index % own.bars
            return own.bar_slice(b, b + 1)
        with self._guard:
            before = self._made.get(index - 1)
        made = self.engine.decode_bar(self.code(index), index % self.bars, self.temperature, self.seed,
                                      previous=before if index % self.bars else None, repeats=self.repeats or None)
        with self._guard:
            self._made[index] = made
            for old in [k for k in self._made if k < index - KEPT_BARS]:
                del self._made[old]
        model = self.engine.model.feel
        if self.feel is None or model is None:
            return made
        return model.apply(made, self.feel, previous=before, bpm=self.bpm)
