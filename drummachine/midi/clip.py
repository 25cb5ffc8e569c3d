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
    swing: float = 50.0,
) -> mido.MidiFile:
    """A type-0 MIDI file: the patterns one after another on channel 10, in 4/4 at `bpm`, as they sound: each
    hit at its step, pushed by `swing` (50 straight) and by its own timing (the pattern's offsets).

    Each hit lasts `gate` of a 16th step (or up to the next hit of its pitch); two classes mapped to one pitch
    sound once, at the louder velocity.
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

    vel = pattern.velocities.reshape(-1, NUM_CLASSES)
    timing = pattern.timing.reshape(-1, NUM_CLASSES)
    swing_ticks = (2 * limits.SWING.check("swing", swing) / 100 - 1) * step_ticks  # odd 16ths pushed late
    onsets: dict[int, dict[int, int]] = {}  # pitch -> {tick: velocity}
    for step, cls in zip(*vel.nonzero()):
        tick = step * step_ticks + (swing_ticks if step % 2 else 0) + float(timing[step, cls]) * step_ticks
        tick = max(0, int(round(tick)))  # a hit played early before the clip's first beat starts it
        at = onsets.setdefault(pitches[cls], {})
        at[tick] = max(at.get(tick, 0), int(vel[step, cls]))  # one pitch sounds once, at the louder velocity
    events: list[tuple[int, int, int, int]] = []  # (tick, order: 0 off / 1 on, pitch, velocity)
    for pitch, at in onsets.items():
        ticks = sorted(at)
        for i, tick in enumerate(ticks):
            end = tick + length if i + 1 == len(ticks) else min(tick + length, ticks[i + 1])  # never over the next
            events.append((tick, 1, pitch, at[tick]))
            events.append((end, 0, pitch, 0))
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
