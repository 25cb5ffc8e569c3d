"""Our own clock: the tempo the musician sets, started and stopped by the musician (we are the master).

Its state is one frozen `ClockState` swapped whole, so the real-time thread reads it without a lock while
another thread starts, stops or retimes it.
"""

from __future__ import annotations

import math

from drummachine.live.clock import ClockState

START_LEAD_NS = 30_000_000  # step 0 sounds this long after a start: time to plan it and send Start first


class InternalClock:
    """A `Clock` that keeps its own tempo. Times are perf_counter nanoseconds; steps are 16ths."""

    name = "internal"

    def __init__(self, bpm: float = 120.0, start_lead_ns: int = START_LEAD_NS):
        if bpm <= 0:
            raise ValueError(f"a tempo must be positive, got {bpm} BPM")
        self.start_lead_ns = start_lead_ns
        self._state = ClockState(playing=False, bpm=bpm)
        self.closed = False

    def state(self, now_ns: int) -> ClockState:
        return self._state

    def start(self, now_ns: int) -> None:
        """Step 0 at `now_ns` plus the lead, under a new epoch; a clock already playing plays on."""
        s = self._state
        if not s.playing:
            self._state = ClockState(True, s.bpm, now_ns + self.start_lead_ns, 0, None, s.epoch + 1)

    def stop(self, now_ns: int) -> None:
        s = self._state
        if s.playing:
            self._state = ClockState(False, s.bpm, s.anchor_ns, s.anchor_step, None, s.epoch)

    def set_bpm(self, bpm: float, now_ns: int) -> None:
        """A new tempo from the next step on: that step keeps the time it had, so the position never jumps
        (the steps already planned, up to the next one, stay where they are)."""
        if bpm <= 0:
            raise ValueError(f"a tempo must be positive, got {bpm} BPM")
        s = self._state
        if not s.playing:
            self._state = ClockState(False, bpm, s.anchor_ns, s.anchor_step, None, s.epoch)
            return
        step = max(s.anchor_step, math.ceil(s.step_at(now_ns)))
        self._state = ClockState(True, bpm, round(s.step_time(step)), step, None, s.epoch)

    def close(self) -> None:
        """It holds no port; closed says its owner let it go."""
        self.closed = True
