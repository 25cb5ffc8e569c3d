"""Morph rules: how groove A turns into groove B, step by step, steadily.

Decoding codes along the great circle from A to B makes a path that jumps (one step of 8 carried 35% of
the change on average) and wanders (3x the direct distance): neighbouring codes decode to grooves that
differ in many cells, back and forth. A musician morphing live wants every bar a little further along.

The rule here keeps the model's musical judgement and drops the jumps: the cells where A and B differ
turn from A's value to B's in the order the model's own latent path suggests (a cell that the decoded
grooves take B's way early on turns early), an even share of them per unit of position. Cells where A and
B agree never move. So the path is monotone (its length is the direct distance) and each step carries the
same share of the change. Pure numpy: the engine supplies the decoded path.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from drummachine.groove.pattern import Pattern


def loop_to(pattern: Pattern, bars: int) -> Pattern:
    """The pattern looped (or cut) to `bars` bars."""
    if pattern.bars == 0:
        raise ValueError("cannot morph an empty pattern")
    idx = np.arange(bars) % pattern.bars
    return Pattern(pattern.velocities[idx], None if pattern.offsets is None else pattern.offsets[idx])


@dataclass(frozen=True)
class MorphPlan:
    """A and B (equal lengths) and the order in which their differing cells turn from A to B."""

    a: Pattern
    b: Pattern
    order: np.ndarray  # flat cell indices into (bars, 16, 9) where a and b differ, first to turn first

    @property
    def bars(self) -> int:
        return self.a.bars

    def at(self, position: float) -> Pattern:
        """The groove at `position` in [0, 1]: A at 0, B at 1, round(position * changes) cells turned."""
        position = min(max(float(position), 0.0), 1.0)
        turned = self.order[: int(round(position * len(self.order)))]
        v = self.a.velocities.reshape(-1).copy()
        v[turned] = self.b.velocities.reshape(-1)[turned]
        offsets = None
        if self.a.offsets is not None or self.b.offsets is not None:  # a turned hit is played as B plays it
            offsets = self.a.timing.reshape(-1).copy()
            offsets[turned] = self.b.timing.reshape(-1)[turned]
            offsets = offsets.reshape(self.a.velocities.shape)
        return Pattern(v.reshape(self.a.velocities.shape), offsets)

    def steps(self, count: int) -> list[Pattern]:
        """`count` grooves from A to B, both ends included, evenly spaced."""
        if count < 2:
            raise ValueError("a morph has at least 2 steps (its two ends)")
        return [self.at(t) for t in np.linspace(0.0, 1.0, count)]


def plan_morph(a: Pattern, b: Pattern, guide: np.ndarray, seed: int = 0) -> MorphPlan:
    """The order of change from A to B taken from `guide`: hits (K, bars, 16, 9) decoded at K positions from
    A's code to B's. A differing cell turns earlier the more of the guide already has it B's way; ties are
    broken by a seeded shuffle, so equal cells spread over the bars instead of filling bar 1 first."""
    if a.bars != b.bars:
        raise ValueError(f"A has {a.bars} bars and B {b.bars}: loop them to one length first")
    guide = np.asarray(guide, dtype=bool)
    if guide.ndim != 4 or guide.shape[1:] != a.hits.shape:
        raise ValueError(f"the guide must be (K, {a.bars}, 16, 9), got {guide.shape}")
    a_hits, b_hits = a.hits.reshape(-1), b.hits.reshape(-1)
    differ = np.flatnonzero(a_hits != b_hits)
    b_like = (guide.reshape(len(guide), -1)[:, differ] == b_hits[differ]).mean(axis=0) if len(guide) else np.zeros(len(differ))
    tie = np.random.default_rng([seed, 3]).permutation(len(differ))
    order = differ[np.lexsort((tie, -b_like))]
    return MorphPlan(a, b, order)
