"""The window's built-in sound, without Qt: which outputs play, on which device, how loud, and the WAV export.

The window starts with both outputs on: a newcomer hears the groove at once, and the virtual MIDI port is
there for a DAW all the same (choose "MIDI port" to silence the kit, "Built-in sound" to keep notes off the
port). The sound device opens at the first Play, not with the window. A device that cannot be opened is said
once (until another is chosen) and the MIDI port plays on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional, Sequence

from drummachine.audio.kit import Kit, KitConfig, synthesize_kit
from drummachine.audio.output import AudioConfig, AudioOutput, AudioUnavailable, output_devices
from drummachine.audio.render import RenderSettings, render
from drummachine.audio.sounding_player import SoundingPlayer
from drummachine.audio.wav import write_wav
from drummachine.groove.pattern import Pattern
from drummachine.live.player import PlayerSettings

CHOICES = {"MIDI port": "midi", "Built-in sound": "audio", "Both": "both"}
DEFAULT_CHOICE = "both"
DEFAULT_VOLUME = 80  # percent


class SoundControl:
    def __init__(self, say: Callable[[str], None], output: str = DEFAULT_CHOICE, device: Optional[str] = None,
                 volume: int = DEFAULT_VOLUME, on_change: Callable[[], None] = lambda: None):
        if output not in CHOICES.values():
            raise ValueError(f"the output is one of {', '.join(CHOICES.values())}, not {output!r}")
        self.say = say
        self.output = output
        self.device = device  # None: the system's default
        self.volume = volume
        self.on_change = on_change  # told when the musician changed a choice (the studio saves it)
        self._player: Optional[SoundingPlayer] = None
        self._failed_device: object = False  # the device whose failure was said (False: none yet)
        self._kits: dict[int, Kit] = {}  # by sample rate: made once, kept across device changes

    @property
    def sounding(self) -> bool:
        """Whether the built-in sound is open now."""
        return self._player is not None and self._player.audio is not None

    def devices(self) -> list[str]:
        return output_devices()

    def attach(self, player: SoundingPlayer) -> None:
        """Put the current choice on a new player (the window makes one per MIDI port)."""
        self._player = player
        self.apply()

    def set_output(self, output: str) -> None:
        if output not in CHOICES.values():
            raise ValueError(f"the output is one of {', '.join(CHOICES.values())}, not {output!r}")
        self.output = output
        self.apply()
        self.on_change()

    def set_device(self, device: Optional[str]) -> None:
        if device != self.device:
            self.device = device
            self._failed_device = False
            if self._player is not None:
                self._player.set_audio(None)
            self.apply()
            self.on_change()

    def set_volume(self, volume: int) -> None:
        self.volume = volume
        if self._player is not None and self._player.audio is not None:
            self._player.audio.volume = volume / 100
        self.on_change()

    def apply(self, opening: bool = False) -> None:
        """Bring the player in line with the choice; the device opens only when `opening` (at Play) or once
        it is open already."""
        player = self._player
        if player is None:
            return
        wants_sound = self.output in ("audio", "both")
        if not wants_sound:
            player.set_audio(None)
        elif player.audio is None and (opening or player.playing):
            player.set_audio(self._open())
        player.midi_notes = self.output != "audio" or player.audio is None
        if player.audio is not None:
            player.audio.volume = self.volume / 100

    def _open(self) -> Optional[AudioOutput]:
        try:
            audio = AudioOutput(AudioConfig(device=self.device, volume=self.volume / 100),
                                kit=next(iter(self._kits.values()), None))
        except AudioUnavailable as exc:
            if self._failed_device != self.device:
                self._failed_device = self.device
                self.say(f"{exc}; playing MIDI only")
            return None
        self._kits[audio.rate] = audio.kit
        return audio

    def kit(self, rate: int) -> Kit:
        if rate not in self._kits:
            self._kits[rate] = synthesize_kit(KitConfig(rate=rate))
        return self._kits[rate]

    def export(self, path: Path, patterns: Sequence[Pattern], settings: PlayerSettings, rate: int = 48000) -> Path:
        """The patterns one after another, with the player's tempo, swing and mutes, as a 16-bit WAV at full
        level (the volume is for listening, not for the file)."""
        audio = render(Pattern.concat(patterns), settings, RenderSettings(rate=rate), kit=self.kit(rate))
        return write_wav(path, audio, rate)
