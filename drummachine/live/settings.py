"""How the player plays: tempo, swing, note length, channel, note map, mutes, and whether it sends clock.

Its own module so the scheduler (a pure core) and the player (threads and ports) read the same settings
without importing each other; `drummachine.live.player` re-exports it for its many users.
"""

from __future__ import annotations

from dataclasses import dataclass

from drummachine.groove.vocabulary import OUTPUT_PITCHES, STEPS_PER_BEAT
from drummachine.midi import note_maps


@dataclass(frozen=True)
class PlayerSettings:
    bpm: float = 120.0  # our own clock's tempo; a clock we follow brings its own
    swing: float = 50.0  # percent: 50 is straight, 66.7 a triplet feel, at most 75
    gate: float = 0.5  # note length as a fraction of a step
    channel: int = 9  # zero-based: MIDI channel 10
    note_map: tuple[int, ...] = OUTPUT_PITCHES
    send_clock: bool = True  # MIDI clock, Start and Stop out, when our clock leads
    muted: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        if not 40 <= self.bpm <= 300:
            raise ValueError(f"BPM must lie in 40..300, got {self.bpm}")
        if not 50 <= self.swing <= 75:
            raise ValueError(f"swing must lie in 50..75 %, got {self.swing}")
        if not 0 < self.gate <= 1:
            raise ValueError("gate is a fraction of a step in (0, 1]")
        if not 0 <= self.channel <= 15:
            raise ValueError("channel must lie in 0..15 (MIDI channels 1-16)")
        object.__setattr__(self, "note_map", note_maps.validate(self.note_map))

    @property
    def step_ns(self) -> float:
        """One 16th at `bpm`, in nanoseconds."""
        return 60e9 / self.bpm / STEPS_PER_BEAT

    def swing_ns(self, step: int, step_ns: float) -> float:
        """Odd 16ths are pushed late: at 66.7 % the pair splits 2:1 like a triplet."""
        return (2 * self.swing / 100 - 1) * step_ns if step % 2 else 0.0

    def gate_ns(self, step_ns: float) -> float:
        """A note's length: `gate` of a step, never under a millisecond (a zero-length note is lost)."""
        return max(self.gate * step_ns, 1e6)
