"""Read drum grooves from Standard MIDI Files into `Pattern`s, one per stretch of whole 4/4 bars.

Works in ticks, so any ticks-per-beat and any tempo map quantize the same way: a 16th note is always a
quarter of a beat. Tempo only matters for the BPM we report and for rejecting absurd files.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

import mido
import numpy as np

from drummachine.pattern import Pattern
from drummachine.vocabulary import DRUM_CHANNEL, NUM_CLASSES, PITCH_TO_CLASS, STEPS_PER_BAR, STEPS_PER_BEAT

MIN_BPM = 20.0
MAX_BPM = 400.0


class MidiReadError(Exception):
    """A MIDI file we cannot take drums from; `reason` is a short key for counting, str() a sentence."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class DrumTake:
    """What one MIDI file holds: its 4/4 stretches as patterns, and facts about the reading."""

    spans: list[Pattern]
    bpm: float
    ticks_per_beat: int
    onsets: int = 0  # drum note-ons on channel 10 that map to a class
    merged_onsets: int = 0  # onsets that fell on a step and class already hit
    unmapped_onsets: int = 0  # channel-10 note-ons whose pitch no class takes
    outside_4_4_onsets: int = 0  # onsets in bars that are not 4/4
    bar_count: int = field(default=0)

    def as_pattern(self) -> Pattern:
        """All 4/4 stretches joined, for a file the user gave us as one groove."""
        return Pattern.concat(self.spans)


@dataclass(frozen=True)
class _Events:
    ticks_per_beat: int
    end_tick: int
    tempos: list[tuple[int, int]]
    signatures: list[tuple[int, int, int]]
    onsets: list[tuple[int, int, int]]  # (tick, pitch, velocity)


def _open(source: Union[str, Path, mido.MidiFile]) -> mido.MidiFile:
    if isinstance(source, mido.MidiFile):
        return source
    path = Path(source)
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise MidiReadError("unreadable", f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if head != b"MThd":
        raise MidiReadError("not_midi", f"{path}: not a Standard MIDI File (no MThd header)")
    try:
        return mido.MidiFile(path, clip=True)
    except Exception as exc:  # mido raises many types for damaged files; all mean the same to a user
        raise MidiReadError("corrupt", f"{path}: damaged MIDI data ({type(exc).__name__}: {exc})") from exc


def _collect(mid: mido.MidiFile, name: str) -> _Events:
    if mid.type == 2:
        raise MidiReadError("unsupported_type", f"{name}: MIDI type 2 (independent sequences) is not supported")
    tpb = int(mid.ticks_per_beat)
    if tpb <= 0:
        raise MidiReadError("corrupt", f"{name}: ticks per beat is {tpb}")
    tempos: list[tuple[int, int]] = []
    signatures: list[tuple[int, int, int]] = []
    onsets: list[tuple[int, int, int]] = []
    end_tick = 0
    for track in mid.tracks:
        tick = 0
        for msg in track:
            tick += msg.time
            if msg.type == "note_on" and msg.velocity > 0 and msg.channel == DRUM_CHANNEL:
                onsets.append((tick, msg.note, msg.velocity))
            elif msg.type == "set_tempo":
                tempos.append((tick, msg.tempo))
            elif msg.type == "time_signature":
                signatures.append((tick, msg.numerator, msg.denominator))
        end_tick = max(end_tick, tick)
    onsets.sort()
    tempos.sort(key=lambda t: t[0])
    signatures.sort(key=lambda s: s[0])
    return _Events(tpb, end_tick, tempos, signatures, onsets)


def _bpm_of(events: _Events, name: str) -> float:
    for _, tempo in events.tempos:
        bpm = mido.tempo2bpm(tempo) if tempo > 0 else math.inf
        if not MIN_BPM <= bpm <= MAX_BPM:
            raise MidiReadError("absurd_tempo", f"{name}: tempo {bpm:.1f} BPM is outside {MIN_BPM:.0f}-{MAX_BPM:.0f}")
    first = [tempo for tick, tempo in events.tempos if tick == 0]
    return float(mido.tempo2bpm(first[-1])) if first else 120.0


def _bars(events: _Events, last_tick: float) -> tuple[list[float], list[float], list[bool]]:
    """Bar starts, lengths (ticks) and whether each is 4/4, up to and including the bar holding `last_tick`."""
    beat = events.ticks_per_beat
    sigs: dict[int, tuple[int, int]] = {}
    for tick, num, den in events.signatures:
        sigs[tick] = (num, den)  # a later one at the same tick wins
    if 0 not in sigs:
        sigs[0] = (4, 4)
    changes = sorted(sigs.items())
    starts: list[float] = []
    lengths: list[float] = []
    is44: list[bool] = []
    for i, (tick, (num, den)) in enumerate(changes):
        length = num * beat * 4.0 / den
        if length <= 0:
            raise MidiReadError("corrupt", "time signature with zero-length bars")
        seg_end = changes[i + 1][0] if i + 1 < len(changes) else None
        start = float(tick)
        while (seg_end is None and start <= last_tick) or (seg_end is not None and start < seg_end):
            bar_len = length if seg_end is None else min(length, seg_end - start)
            starts.append(start)
            lengths.append(bar_len)
            # a bar cut short by a time signature change is not a whole 4/4 bar
            is44.append((num, den) == (4, 4) and abs(bar_len - length) < 1e-6)
            start += bar_len
            if len(starts) > 100_000:
                raise MidiReadError("corrupt", "more than 100,000 bars")
    return starts, lengths, is44


def read_groove(source: Union[str, Path], bars: int = 16) -> Pattern:
    """The first `bars` bars of a file's 4/4 drums: what a user means by "this groove" when they pick a file."""
    pattern = read_drum_midi(source).as_pattern()
    return pattern.bar_slice(0, min(bars, pattern.bars))


def read_drum_midi(source: Union[str, Path, mido.MidiFile]) -> DrumTake:
    """Drum hits on channel 10, onsets quantized to the nearest 16th, split into runs of whole 4/4 bars.

    Raises `MidiReadError` (never anything else for a bad file) with a reason key and a clear sentence.
    """
    name = str(source) if not isinstance(source, mido.MidiFile) else (source.filename or "<midi>")
    mid = _open(source)
    events = _collect(mid, name)
    if not events.onsets and events.end_tick == 0:
        raise MidiReadError("empty", f"{name}: the file holds no events")
    bpm = _bpm_of(events, name)
    classes = [int(PITCH_TO_CLASS[p]) for _, p, _ in events.onsets]
    unmapped = sum(1 for c in classes if c < 0)
    drum = [(t, c, v) for (t, _, v), c in zip(events.onsets, classes) if c >= 0]
    if not drum:
        raise MidiReadError("no_drums", f"{name}: no drum notes on MIDI channel 10")

    step = events.ticks_per_beat / STEPS_PER_BEAT
    last_tick = max(events.end_tick - step / 2, drum[-1][0] + step / 2)
    starts, lengths, is44 = _bars(events, last_tick)

    grid = np.zeros((len(starts), STEPS_PER_BAR, NUM_CLASSES), dtype=np.uint8)
    merged = outside = 0
    for tick, cls, vel in drum:
        bar = bisect.bisect_right(starts, tick) - 1
        q = int(math.floor((tick - starts[bar]) / step + 0.5))
        if q * step >= lengths[bar] - 1e-6:  # rounds onto the next bar line
            bar, q = bar + 1, 0
        if bar >= len(starts) or not is44[bar]:
            outside += 1
            continue
        if grid[bar, q, cls]:
            merged += 1
        grid[bar, q, cls] = max(grid[bar, q, cls], vel)

    spans: list[Pattern] = []
    run_start = None
    for i, ok in enumerate(is44 + [False]):
        if ok and run_start is None:
            run_start = i
        elif not ok and run_start is not None:
            spans.append(Pattern(grid[run_start:i]))
            run_start = None
    if not spans or all(not s.hits.any() for s in spans):
        raise MidiReadError("not_4_4", f"{name}: no drum hits in 4/4 bars")
    return DrumTake(
        spans=spans,
        bpm=bpm,
        ticks_per_beat=events.ticks_per_beat,
        onsets=len(drum),
        merged_onsets=merged,
        unmapped_onsets=unmapped,
        outside_4_4_onsets=outside,
        bar_count=sum(s.bars for s in spans),
    )
