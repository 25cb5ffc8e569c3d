"""Where each hit of a pattern falls in time, exactly as the live player places it (swing, mutes, BPM)."""

from __future__ import annotations

from typing import Iterator, NamedTuple

from drummachine.groove.pattern import Pattern
from drummachine.live.player import PlayerSettings
from drummachine.groove.vocabulary import NUM_CLASSES, STEPS_PER_BAR


class Hit(NamedTuple):
    at_s: float  # seconds from the start of the first bar
    cls: int
    velocity: int


def hits(pattern: Pattern, settings: PlayerSettings = PlayerSettings()) -> Iterator[Hit]:
    """Every unmuted hit in time order: step k at k 16ths of `settings.bpm`, odd steps swung late by the
    player's own rule (`PlayerSettings.swing_ns`)."""
    step_ns = settings.step_ns
    vel = pattern.velocities.reshape(-1, NUM_CLASSES)
    for step in range(pattern.bars * STEPS_PER_BAR):
        at_s = (step * step_ns + settings.swing_ns(step, step_ns)) / 1e9
        for cls in range(NUM_CLASSES):
            if vel[step, cls] and cls not in settings.muted:
                yield Hit(at_s, cls, int(vel[step, cls]))


def length_s(pattern: Pattern, settings: PlayerSettings = PlayerSettings()) -> float:
    """The pattern's length in seconds: its bars of 16 steps, without the ring-out of the last hits."""
    return pattern.bars * STEPS_PER_BAR * settings.step_ns / 1e9
