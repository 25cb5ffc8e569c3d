"""Tap tempo: a musician taps a beat (a button or a key) and the tempo is the median of the recent intervals.

Pure (times in, BPM out), so it is tested without a window or a clock. The median, not the mean, so one late
or doubled tap does not pull the tempo; a pause longer than `reset_s` starts a new count, so a tap a minute
later is not averaged with the old ones.
"""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass
from typing import Optional

from drummachine import limits


@dataclass(frozen=True)
class TapConfig:
    """How taps are read: the intervals kept, and the pause (seconds) after which a tap begins a new count."""

    intervals: int = 6
    reset_s: float = 2.0


class TapTempo:
    def __init__(self, config: TapConfig = TapConfig()):
        self.config = config
        self._taps: deque[float] = deque(maxlen=config.intervals + 1)

    def tap(self, at_s: float) -> Optional[float]:
        """A tap at `at_s` (any clock in seconds, e.g. time.monotonic()); the tempo in BPM once two taps are in,
        within the tempo range (limits.BPM), else None."""
        if self._taps and (at_s - self._taps[-1] > self.config.reset_s or at_s <= self._taps[-1]):
            self._taps.clear()
        self._taps.append(at_s)
        if len(self._taps) < 2:
            return None
        taps = list(self._taps)
        beat = statistics.median(b - a for a, b in zip(taps, taps[1:]))
        return round(limits.BPM.clamp(60.0 / beat), 1)

    @property
    def count(self) -> int:
        """Taps in the current count (0 after a pause)."""
        return len(self._taps)
