"""The live player with the built-in kit: every hit it schedules is also pushed to the audio stream.

The hits are pushed where the player schedules them (20 ms ahead, on its real-time thread), with the same
time the MIDI note-on gets, so the audio callback can place each at its exact frame. `audio` may be None
(MIDI only) or swapped while playing (`set_audio`); `midi_notes` False keeps the notes off the MIDI port
(built-in sound only, the port stays open for clock); `SilentOutput` stands in for the MIDI port when no
port is wanted at all.
"""

from __future__ import annotations

from typing import Optional

from drummachine.audio.output import AudioOutput
from drummachine.live.player import Player
from drummachine.groove.vocabulary import NUM_CLASSES, STEPS_PER_BAR


class SilentOutput:
    """No MIDI port: what the player sends goes nowhere (built-in sound only)."""

    name = "built-in sound"

    def __init__(self) -> None:
        self.closed = False

    def send(self, message) -> None:
        pass

    def alive(self) -> bool:
        return True

    def server_alive(self) -> bool:
        return True

    def close(self) -> None:
        self.closed = True


class SoundingPlayer(Player):
    """A `Player` that also plays the built-in kit through `audio`, which it closes when it closes."""

    def __init__(self, *args, audio: Optional[AudioOutput] = None, midi_notes: bool = True, **kwargs):
        self.audio = audio  # before the player's threads start
        self.midi_notes = midi_notes
        super().__init__(*args, **kwargs)

    @property
    def output_name(self) -> str:
        midi = super().output_name
        audio = self.audio
        if audio is None:
            return midi
        sound = f"built-in sound ({audio.device_name})"
        return sound if midi == SilentOutput.name or not self.midi_notes else f"{midi} and {sound}"

    def set_audio(self, audio: Optional[AudioOutput]) -> None:
        """Play from now on through `audio` (None: MIDI only); the stream replaced is closed."""
        old, self.audio = self.audio, audio
        if old is not None and old is not audio:
            old.close()

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

    def _send(self, message, scheduled: int) -> None:
        if not self.midi_notes and message[0] & 0xE0 == 0x80:  # note on or off: the kit plays them instead
            return
        super()._send(message, scheduled)

    def stop(self) -> None:
        super().stop()
        audio = self.audio
        if audio is not None:
            audio.cancel()

    def close(self) -> None:
        super().close()
        self.set_audio(None)
