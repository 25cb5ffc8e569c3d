"""Which outputs play: the MIDI port, the built-in sound, or both; and the command line's audio options.

The default, `auto`, is both when playing into our own virtual port (nothing may be listening to it: a
newcomer hears the groove at once, and a DAW can still record the port), and MIDI only when --port or
--follow names a DAW's port (the DAW makes the sound; a second kit on top would double every hit).
No sound device is never fatal: it is said once, and the MIDI port plays on.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Callable, Optional

from drummachine import limits
from drummachine.audio.output import AudioConfig, AudioOutput, AudioUnavailable
from drummachine.audio.sounding_player import SilentOutput, SoundingPlayer

OUTPUTS = ("auto", "midi", "audio", "both")
VOLUME = limits.Range(0, 100, 80, "percent")


@dataclass(frozen=True)
class OutputChoice:
    output: str = "auto"
    audio_device: Optional[str] = None
    volume: float = 80.0  # percent
    plays_into_a_daw: bool = False  # --port or --follow given

    def __post_init__(self) -> None:
        if self.output not in OUTPUTS:
            raise ValueError(f"--output must be one of {', '.join(OUTPUTS)}, not {self.output!r}")

    @property
    def resolved(self) -> str:
        """midi, audio or both."""
        if self.output != "auto":
            return self.output
        return "midi" if self.plays_into_a_daw else "both"


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """--output, --audio-device and --volume on `play`."""
    parser.add_argument("--output", choices=OUTPUTS, default="auto",
                        help="midi, the built-in sound (audio), or both; auto (default): both on the virtual port, "
                             "midi when --port or --follow names a DAW's port")
    parser.add_argument("--audio-device", metavar="NAME", help="sound device for the built-in sound (default: the "
                                                                "system's); a part of its name will do")

    def volume(text: str) -> float:
        try:
            return float(VOLUME.check("--volume", text))
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parser.add_argument("--volume", type=volume, default=VOLUME.default, metavar=VOLUME.span(),
                        help=f"built-in sound's level; {VOLUME.describe()} (default {VOLUME.default})")


def choice_from_args(args: argparse.Namespace) -> OutputChoice:
    return OutputChoice(args.output, args.audio_device, args.volume, bool(args.port or args.follow))


def open_sound(choice: OutputChoice, say: Callable[[str], None]) -> Optional[AudioOutput]:
    """The sound device the choice asks for, or None (MIDI only, said once through `say` when it fails)."""
    if choice.resolved == "midi":
        return None
    try:
        return AudioOutput(AudioConfig(device=choice.audio_device, volume=choice.volume / 100))
    except AudioUnavailable as exc:
        say(f"{exc}; playing MIDI only")
        return None


def open_player(choice: OutputChoice, open_midi: Callable, source, settings, say: Callable[[str], None],
                **player_options) -> SoundingPlayer:
    """A player on the chosen outputs; built-in sound alone opens no MIDI port."""
    audio = open_sound(choice, say)
    open_output = SilentOutput if audio is not None and choice.resolved == "audio" else open_midi
    return SoundingPlayer(open_output, source, settings, audio=audio, **player_options)
