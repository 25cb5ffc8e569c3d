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
    player's own rule (`PlayerSettings.swing_ns`), each hit moved by its own feel offset (none before 0, as
    the player sounds nothing before a run's first step)."""
    step_ns = settings.step_ns
    vel = pattern.velocities.reshape(-1, NUM_CLASSES)
    timing = pattern.timing.reshape(-1, NUM_CLASSES)
    out = []
    for step in range(pattern.bars * STEPS_PER_BAR):
        at_ns = step * step_ns + settings.swing_ns(step, step_ns)
        for cls in range(NUM_CLASSES):
            if vel[step, cls] and cls not in settings.muted:
                out.append(Hit(max(0.0, at_ns + float(timing[step, cls]) * step_ns) / 1e9, cls, int(vel[step, cls])))
    out.sort(key=lambda h: h.at_s)
    yield from out


def length_s(pattern: Pattern, settings: PlayerSettings = PlayerSettings()) -> float:
    """The pattern's length in seconds: its bars of 16 steps, without the ring-out of the last hits."""
    return pattern.bars * STEPS_PER_BAR * settings.step_ns / 1e9
