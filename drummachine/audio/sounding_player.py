"""The live player with the built-in kit: every hit it schedules is also pushed to the audio stream.

The hits are pushed where the player schedules them (20 ms ahead, on its real-time thread), with the same
time the MIDI note-on gets, so the audio callback can place each at its exact frame. `audio` may be None
(MIDI only) or swapped while playing; `SilentOutput` stands in for the MIDI port when only sound is wanted.
"""

from __future__ import annotations

from typing import Optional

from drummachine.audio.output import AudioOutput
from drummachine.player import Player
from drummachine.vocabulary import NUM_CLASSES, STEPS_PER_BAR


class SilentOutput:
    """No MIDI port: what the player sends goes nowhere (built-in sound only)."""

    name = "built-in sound"
    closed = False

    def send(self, message) -> None:
        pass

    def alive(self) -> bool:
        return True

    def server_alive(self) -> bool:
        return True

    def close(self) -> None:
        self.closed = True


class SoundingPlayer(Player):
    def __init__(self, *args, audio: Optional[AudioOutput] = None, **kwargs):
        self.audio = audio  # before the player's threads start
        super().__init__(*args, **kwargs)

    def _schedule_step(self, step: int, at: float, step_ns: float) -> None:
        super()._schedule_step(step, at, step_ns)  # sets the bar now playing
        audio = self.audio
        if audio is None:
            return
        s = self.settings
        on_at = int(at + s.swing_ns(step, step_ns))  # the note-on's own time
        velocities = self._current.velocities[0, step % STEPS_PER_BAR]
        for cls in range(NUM_CLASSES):
            if velocities[cls] and cls not in s.muted:
                audio.push(on_at, cls, int(velocities[cls]))

    def stop(self) -> None:
        super().stop()
        audio = self.audio
        if audio is not None:
            audio.cancel()
