"""The seam between the scheduler and whatever keeps time: our own clock, a DAW's MIDI clock, Ableton Link.

A clock answers one question for the scheduler, `state(now)`: are we playing, at what tempo, and which step
sounds when. The scheduler never asks where the answer came from, so it is tested with a clock made of
numbers (no port, no server, no network), and a new source of time (Link) is one class, not a new mode of
the player.

Times are `time.perf_counter_ns()` nanoseconds. A step is a 16th note; step 0 is the first 16th of bar 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Protocol

STEPS_PER_BEAT = 4  # 16ths per quarter note


@dataclass(frozen=True)
class ClockState:
    """Where the music is, as one clock sees it at one moment.

    Step `k` sounds (straight, before swing) at `anchor_ns + (k - anchor_step) * step_ns`. Steps whose time
    is after `known_until_ns` are not certain yet and wait (a followed MIDI clock knows a step only when
    its tick arrives); None means the clock can be read ahead freely. `epoch` changes whenever the position
    jumps (a start, a song position, a Link realignment): what was planned under another epoch is dropped.
    `master` says whether other MIDI gear may follow us on this clock: the scheduler sends MIDI clock, Start
    and Stop (when the settings ask for clock) only for a master; a clock we follow says False, since the
    DAW we follow sends its own.
    """

    playing: bool
    bpm: float
    anchor_ns: int = 0
    anchor_step: int = 0
    known_until_ns: Optional[int] = None
    epoch: int = 0
    master: bool = True

    @property
    def step_ns(self) -> float:
        return 60e9 / self.bpm / STEPS_PER_BEAT

    def step_time(self, step: int) -> float:
        """When step `step` sounds, straight."""
        return self.anchor_ns + (step - self.anchor_step) * self.step_ns

    def step_at(self, now_ns: int) -> float:
        """The (fractional) step position at `now_ns`."""
        return self.anchor_step + (now_ns - self.anchor_ns) / self.step_ns


class Clock(Protocol):
    """What the player reads time from (see `ClockState`), and what it asks of it.

    `start`, `stop` and `set_bpm` are the musician's requests: our own clock obeys at once; Link passes
    them to the session (a start lands on the next bar line of the Link timeline); a followed MIDI clock
    ignores them, because the DAW is the master. `close` releases the ports or sessions the clock holds.
    """

    name: str

    def state(self, now_ns: int) -> ClockState: ...

    def start(self, now_ns: int) -> None: ...

    def stop(self, now_ns: int) -> None: ...

    def set_bpm(self, bpm: float, now_ns: int) -> None: ...

    def close(self) -> None: ...
