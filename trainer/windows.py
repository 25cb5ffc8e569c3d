"""Cut patterns into fixed-length training windows and keep the ones worth learning from."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from drummachine.groove.pattern import Pattern

WINDOW_BARS = (2, 16)


def max_empty_bars(bars: int) -> int:
    """A window is 'mostly empty', and dropped, when more than a quarter of its bars have no hit.

    For 2-bar windows this means both bars must hold hits; a 16-bar window may hold at most 4 silent bars.
    """
    return bars // 4


def windows(span: Pattern, bars: int, hop: int = 1) -> Iterator[tuple[Pattern, bool]]:
    """Every `bars`-long window of the span at a hop of `hop` bars, with whether it is kept."""
    bar_has_hits = span.hits.any(axis=(1, 2))
    limit = max_empty_bars(bars)
    for start in range(0, span.bars - bars + 1, hop):
        empty = int((~bar_has_hits[start : start + bars]).sum())
        yield span.bar_slice(start, start + bars), empty <= limit


def stack(patterns: list[Pattern], bars: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tokens (N, bars*16) int16, velocities (N, bars*16, 9) uint8 and offsets (N, bars*16, 9) float16 (in
    steps: float16 keeps them to 1/2000 of a step) of equal-length patterns."""
    steps = bars * 16
    if not patterns:
        return np.zeros((0, steps), np.int16), np.zeros((0, steps, 9), np.uint8), np.zeros((0, steps, 9), np.float16)
    tokens = np.stack([p.tokens() for p in patterns]).astype(np.int16)
    velocities = np.stack([p.velocities.reshape(steps, 9) for p in patterns])
    offsets = np.stack([p.timing.reshape(steps, 9) for p in patterns]).astype(np.float16)
    return tokens, velocities, offsets
