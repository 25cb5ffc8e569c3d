"""Offline rendering: a groove played through the built-in kit into a buffer, as fast as numpy mixes.

Hits land on the sample nearest their time on the player's timeline (`timeline.hits`), so a render and a
live performance of one groove agree to the sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from drummachine.audio.kit import Kit, KitConfig, synthesize_kit
from drummachine.audio.mixer import Mixer
from drummachine.audio.timeline import hits, length_s
from drummachine.groove.pattern import Pattern
from drummachine.live.player import PlayerSettings

RATES = (44100, 48000)
BLOCK = 1024


@dataclass(frozen=True)
class RenderSettings:
    rate: int = 48000
    volume: float = 1.0  # master gain, 0..1
    tail_s: float = 2.5  # time after the last bar for cymbals to ring out

    def __post_init__(self) -> None:
        if self.rate not in RATES:
            raise ValueError(f"the sample rate must be one of {', '.join(map(str, RATES))} Hz, got {self.rate}")
        if not 0 <= self.volume <= 1:
            raise ValueError(f"volume must lie in 0..1, got {self.volume}")


def hit_frames(pattern: Pattern, settings: PlayerSettings, rate: int) -> list[tuple[int, int, int]]:
    """(frame, class, velocity) of every hit: the frame is the sample nearest its time."""
    return [(round(h.at_s * rate), h.cls, h.velocity) for h in hits(pattern, settings)]


def render(pattern: Pattern, player: PlayerSettings = PlayerSettings(), settings: RenderSettings = RenderSettings(),
           kit: Kit | None = None) -> np.ndarray:
    """The groove as float32 stereo (frames x 2): its bars, then `tail_s` of ring-out."""
    kit = kit if kit is not None and kit.rate == settings.rate else synthesize_kit(KitConfig(rate=settings.rate))
    mixer = Mixer(kit, BLOCK)
    total = int(np.ceil((length_s(pattern, player) + settings.tail_s) * settings.rate))
    out = np.zeros((total, 2), dtype=np.float32)
    pending = hit_frames(pattern, player, settings.rate)
    k = 0
    for start in range(0, total, BLOCK):
        block = out[start:start + BLOCK]
        while k < len(pending) and pending[k][0] < start + len(block):
            frame, cls, velocity = pending[k]
            mixer.trigger(cls, velocity, frame - start)
            k += 1
        mixer.mix(block, settings.volume)
    return out
