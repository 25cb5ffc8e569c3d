"""The live player with the built-in kit: every hit it schedules is also pushed to the audio stream.

The hits come from the player's `on_hits` as it plans each step (20 ms ahead, on its real-time thread), with
the same time the MIDI note-on gets, so the audio callback can place each at its exact frame. `audio` may be
None (MIDI only) or swapped while playing (`set_audio`); `midi_notes` False keeps the notes off the MIDI port
(built-in sound only, the port stays open for clock); `SilentOutput` stands in for the MIDI port when no
port is wanted at all.
"""

from __future__ import annotations

from typing import Optional

from drummachine.audio.output import AudioOutput
from drummachine.live.player import Player


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
        super().__init__(*args, on_hits=self._hear, midi_notes=midi_notes, **kwargs)

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

    def _hear(self, at_ns: int, hits: list[tuple[int, int]]) -> None:
        """The player's `on_hits`: each hit to the kit at its note-on's own time."""
        audio = self.audio
        if audio is not None:
            for cls, velocity in hits:
                audio.push(at_ns, cls, velocity)

    def stop(self) -> None:
        super().stop()
        audio = self.audio
        if audio is not None:
            audio.cancel()

    def close(self) -> None:
        super().close()
        self.set_audio(None)
