"""Render patterns to Standard MIDI File clips a DAW can import or a user can drag out."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence, Union

import mido

from drummachine import limits

from drummachine.midi import note_maps
from drummachine.safe_files import atomic_write
from drummachine.groove.pattern import Pattern
from drummachine.groove.vocabulary import DRUM_CHANNEL, NUM_CLASSES, OUTPUT_PITCHES, STEPS_PER_BAR, STEPS_PER_BEAT

DEFAULT_TICKS_PER_BEAT = 480


class ClipWriteError(Exception):
    """A clip could not be written where the user asked; the message names the path and why."""


def patterns_to_midi(
    patterns: Union[Pattern, Sequence[Pattern]],
    bpm: float = 120.0,
    note_map: Sequence[int] = OUTPUT_PITCHES,
    track_name: str = "Drum Machine",
    ticks_per_beat: int = DEFAULT_TICKS_PER_BEAT,
    gate: float = 0.5,
) -> mido.MidiFile:
    """A type-0 MIDI file: the patterns one after another on channel 10, in 4/4 at `bpm`.

    Each hit lasts `gate` of a 16th step; two classes mapped to one pitch sound once, at the louder velocity.
    The tempo is held to the limits table, whose range the MIDI reader accepts, so every clip reads back.
    """
    bpm = limits.BPM.check("the clip's tempo", bpm)
    if isinstance(patterns, Pattern):
        patterns = [patterns]
    if not 0 < gate <= 1:
        raise ValueError("gate is a fraction of a step in (0, 1]")
    pitches = note_maps.validate(note_map)
    pattern = Pattern.concat(patterns)
    step_ticks = ticks_per_beat // STEPS_PER_BEAT
    if step_ticks * STEPS_PER_BEAT != ticks_per_beat:
        raise ValueError("ticks per beat must be a multiple of 4")
    length = max(1, int(step_ticks * gate))

    events: list[tuple[int, int, int, int]] = []  # (tick, order: 0 off / 1 on, pitch, velocity)
    vel = pattern.velocities.reshape(-1, NUM_CLASSES)
    for step in range(vel.shape[0]):
        loudest: dict[int, int] = {}
        for cls in range(NUM_CLASSES):
            if vel[step, cls]:
                loudest[pitches[cls]] = max(loudest.get(pitches[cls], 0), int(vel[step, cls]))
        for pitch, velocity in loudest.items():
            events.append((step * step_ticks, 1, pitch, velocity))
            events.append((step * step_ticks + length, 0, pitch, 0))
    events.sort()

    track = mido.MidiTrack()
    track.append(mido.MetaMessage("track_name", name=track_name, time=0))
    track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm), time=0))
    track.append(mido.MetaMessage("time_signature", numerator=4, denominator=4, time=0))
    now = 0
    for tick, is_on, pitch, velocity in events:
        kind = "note_on" if is_on else "note_off"
        track.append(mido.Message(kind, channel=DRUM_CHANNEL, note=pitch, velocity=velocity, time=tick - now))
        now = tick
    end = pattern.bars * STEPS_PER_BAR * step_ticks
    track.append(mido.MetaMessage("end_of_track", time=max(0, end - now)))
    mid = mido.MidiFile(type=0, ticks_per_beat=ticks_per_beat)
    mid.tracks.append(track)
    return mid


def write_clip(
    patterns: Union[Pattern, Sequence[Pattern]],
    path: Union[str, Path],
    **options,
) -> Path:
    """Write a clip atomically (a temporary file, then a rename): an existing file is never half overwritten."""
    path = Path(path)
    mid = patterns_to_midi(patterns, **options)
    if not path.parent.is_dir():
        raise ClipWriteError(f"cannot write {path}: the folder {path.parent} does not exist")
    try:
        return atomic_write(path, lambda fh: mid.save(file=fh))
    except OSError as exc:
        raise ClipWriteError(f"cannot write {path}: {exc.strerror or exc}") from exc
