"""Morph rules: how groove A turns into groove B, step by step, steadily.

Decoding codes along the great circle from A to B makes a path that jumps (one step of 8 carried 35% of
the change on average) and wanders (3x the direct distance): neighbouring codes decode to grooves that
differ in many cells, back and forth. A musician morphing live wants every bar a little further along.

The rule here keeps the model's musical judgement and drops the jumps: the cells where A and B differ
turn from A's value to B's in the order the model's own latent path suggests (a cell that the decoded
grooves take B's way early on turns early), an even share of them per unit of position. Cells where A and
B agree never move. So the path is monotone (its length is the direct distance) and each step carries the
same share of the change. Pure numpy: the engine supplies the decoded path.

A bar that plays an earlier bar again in both A and B (a loop looped to 16 bars, a groove and its variation
that keep one copy plan) plays it again all the way: its cells turn together with the same cells of the first
such bar, so a morph between two loops is a loop at every step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

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
    # where each group of cells that turn together ends in `order` (cumulative; None: every cell on its own)
    ends: Optional[np.ndarray] = None

    @property
    def bars(self) -> int:
        return self.a.bars

    def at(self, position: float) -> Pattern:
        """The groove at `position` in [0, 1]: A at 0, B at 1, round(position * changes) cells turned. A hit
        both play glides from A's velocity and timing to B's, in proportion."""
        position = min(max(float(position), 0.0), 1.0)
        count = int(round(position * len(self.order)))
        if self.ends is not None and count:  # a group turns whole: its cells are one bar's and its copies'
            count = int(self.ends[np.searchsorted(self.ends, count)])
        turned = self.order[:count]
        va, vb = self.a.velocities.reshape(-1), self.b.velocities.reshape(-1)
        both = (va > 0) & (vb > 0)
        v = va.copy()
        v[both] = np.rint(va[both] + (vb[both].astype(np.float64) - va[both]) * position).astype(v.dtype)
        v[turned] = vb[turned]
        offsets = None
        if self.a.offsets is not None or self.b.offsets is not None:  # a turned hit is played as B plays it
            ta, tb = self.a.timing.reshape(-1), self.b.timing.reshape(-1)
            offsets = ta.copy()  # the glide in float64: at 1 it gives B's float32 offset back exactly
            offsets[both] = ta[both] + (tb[both].astype(np.float64) - ta[both]) * position
            offsets[turned] = tb[turned]
            offsets = offsets.reshape(self.a.velocities.shape)
        return Pattern(v.reshape(self.a.velocities.shape), offsets)

    def steps(self, count: int) -> list[Pattern]:
        """`count` grooves from A to B, both ends included, evenly spaced."""
        if count < 2:
            raise ValueError("a morph has at least 2 steps (its two ends)")
        return [self.at(t) for t in np.linspace(0.0, 1.0, count)]


def shared_repeats(a: Pattern, b: Pattern) -> np.ndarray:
    """(bars,) for each bar the first bar whose hits A and B both play in it again: its own index when there is
    none before it. Hits, not velocities and timing: feel plays a copied bar with velocities and timing of its
    own (they depend on the bar before), and it is still the same bar."""
    bars = [(a.hits[i].tobytes(), b.hits[i].tobytes()) for i in range(a.bars)]
    first: dict = {}
    return np.array([first.setdefault(bar, i) for i, bar in enumerate(bars)], dtype=np.int64)


def plan_morph(a: Pattern, b: Pattern, guide: np.ndarray, seed: int = 0) -> MorphPlan:
    """The order of change from A to B taken from `guide`: hits (K, bars, 16, 9) decoded at K positions from
    A's code to B's. A differing cell turns earlier the more of the guide already has it B's way; ties are
    broken by a seeded shuffle, so equal cells spread over the bars instead of filling bar 1 first. A bar that
    both play as an earlier bar (`shared_repeats`) turns each cell with that bar's, at their mean rank."""
    if a.bars != b.bars:
        raise ValueError(f"A has {a.bars} bars and B {b.bars}: loop them to one length first")
    guide = np.asarray(guide, dtype=bool)
    if guide.ndim != 4 or guide.shape[1:] != a.hits.shape:
        raise ValueError(f"the guide must be (K, {a.bars}, 16, 9), got {guide.shape}")
    a_hits, b_hits = a.hits.reshape(-1), b.hits.reshape(-1)
    differ = np.flatnonzero(a_hits != b_hits)
    b_like = (guide.reshape(len(guide), -1)[:, differ] == b_hits[differ]).mean(axis=0) if len(guide) else np.zeros(len(differ))
    tie = np.random.default_rng([seed, 3]).permutation(len(differ))
    cells = a.hits[0].size
    source = shared_repeats(a, b)[differ // cells] * cells + differ % cells  # the cell each one turns with
    if np.array_equal(source, differ):
        return MorphPlan(a, b, differ[np.lexsort((tie, -b_like))])
    groups, member_of = np.unique(source, return_inverse=True)
    group_b_like = np.bincount(member_of, b_like) / np.bincount(member_of)
    group_tie = np.random.default_rng([seed, 4]).permutation(len(groups))
    group_order = np.lexsort((group_tie, -group_b_like))
    rank = np.empty(len(groups), np.int64)
    rank[group_order] = np.arange(len(groups))
    order = differ[np.lexsort((differ, rank[member_of]))]  # each group's cells together, in group order
    ends = np.cumsum(np.bincount(member_of)[group_order])
    return MorphPlan(a, b, order, ends)
