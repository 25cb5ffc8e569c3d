"""Where the player's bars come from: a looped pattern, a generated groove, or a morph in motion."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from drummachine.model.engine import Engine, Lock
from drummachine.model.feel import FeelSettings
from drummachine.model.latent import slerp
from drummachine.groove.morph import MorphPlan
from drummachine.groove.pattern import Pattern


@dataclass(frozen=True)
class LoopSource:
    """A fixed pattern of 1-16 bars, looped."""

    pattern: Pattern

    def bar(self, index: int) -> Pattern:
        b = index % self.pattern.bars
        return self.pattern.bar_slice(b, b + 1)


@dataclass
class GrooveSource:
    """A groove decoded from a latent code one bar at a time, as it is needed, then looped; played with the
    model's feel when `feel` is given (each bar's from the bar before it, as all at once)."""

    engine: Engine
    z: np.ndarray
    bars: int = 16
    temperature: float = 0.8
    seed: int = 0
    lock: Optional[Lock] = None
    feel: Optional[FeelSettings] = None
    bpm: float = 120.0
    repeats: Optional[tuple[int, ...]] = None  # the bar each bar plays again (Engine.repeat_sources), or None
    _cache: dict = field(default_factory=dict, repr=False)

    def _decoded(self, b: int) -> Pattern:
        if b not in self._cache:
            self._cache[b] = self.engine.decode_bar(self.z, b, self.temperature, self.seed, self.lock,
                                                    previous=self._cache.get(b - 1) if b else None,
                                                    repeats=self.repeats)
        return self._cache[b]

    def bar(self, index: int) -> Pattern:
        b = index % self.bars
        decoded = self._decoded(b)
        model = self.engine.model.feel
        if self.feel is None or model is None:
            return decoded
        before = self._decoded(b - 1) if b else (self._decoded(self.bars - 1) if index else None)
        return model.apply(decoded, self.feel, previous=before, bpm=self.bpm)


@dataclass
class MorphSource:
    """Moves from code A to code B over `over_bars` bars (then holds B, or turns back with `pingpong`).

    Bar n plays bar (n mod bars) of the groove at position t = n / (over_bars - 1) along the great circle.
    """

    engine: Engine
    za: Optional[np.ndarray]  # the codes of A and B: unused (None) when a plan is given
    zb: Optional[np.ndarray]
    over_bars: int = 8
    bars: int = 2
    temperature: float = 0.0
    seed: int = 0
    pingpong: bool = False
    plan: Optional[MorphPlan] = None  # when given, bars come from this steady morph instead of decoding z
    _last: tuple = field(default=(None, None), repr=False)  # (index, bar) of the bar made last

    def __post_init__(self) -> None:
        if self.plan is None and (self.za is None or self.zb is None):
            raise ValueError("a morph needs the codes of A and B, or a plan")

    def position(self, index: int) -> float:
        span = max(self.over_bars - 1, 1)
        if self.pingpong:
            k = index % (2 * span)
            return (k if k <= span else 2 * span - k) / span
        return min(index, span) / span

    def leg(self, index: int) -> tuple[int, bool]:
        """Where bar `index` is in the morph: (its bar of the pass, 0..over_bars-1, and whether the pass heads
        to B). A to B takes bars 0..over_bars-1; with `pingpong` the way back goes on from B's bar."""
        span = max(self.over_bars - 1, 1)
        k = index % (2 * span) if self.pingpong else min(index, span)
        return (k, True) if k <= span else (k - span, False)

    def bar(self, index: int) -> Pattern:
        """Bar `index` of the morph; a model that reads the bar before plays on from the bar that sounded
        before it (the morph's own previous bar), so the groove moves on rather than restarting."""
        if self.plan is not None:
            b = index % self.plan.bars
            return self.plan.at(self.position(index)).bar_slice(b, b + 1)
        z = slerp(self.za, self.zb, self.position(index))
        last_index, last_bar = self._last
        previous = last_bar if last_index == index - 1 and index % self.bars else None
        made = self.engine.decode_bar(z, index % self.bars, self.temperature, self.seed, previous=previous)
        self._last = (index, made)
        return made
