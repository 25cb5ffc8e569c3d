"""Read drum grooves from Standard MIDI Files into `Pattern`s, one per stretch of whole 4/4 bars.

Works in ticks, so any ticks-per-beat and any tempo map quantize the same way: a 16th note is always a
quarter of a beat. Tempo only matters for the BPM we report and for rejecting absurd files.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

import numpy as np

from drummachine.groove.pattern import MAX_OFFSET, Pattern
from drummachine.midi.smf import Smf, SmfError, parse_smf
from drummachine.groove.vocabulary import DRUM_CHANNEL, NUM_CLASSES, PITCH_TO_CLASS, STEPS_PER_BAR, STEPS_PER_BEAT

MIN_BPM = 20.0
MAX_BPM = 400.0
MAX_BARS = 100_000  # about 55 hours at 120 BPM: more is damaged timing, and would not fit in memory
MAX_FILE_BYTES = 16 * 2**20


class MidiReadError(Exception):
    """A MIDI file we cannot take drums from; `reason` is a short key for counting, str() a sentence."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class DrumFile:
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


def _parse(path: Path) -> Smf:
    """The file's events, or one `MidiReadError` naming the file and the reason."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise MidiReadError("unreadable", f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if len(data) > MAX_FILE_BYTES:
        raise MidiReadError("too_large", f"{path}: over {MAX_FILE_BYTES // 2**20} MiB, far more than a drum MIDI file holds")
    if data[:4] != b"MThd":
        raise MidiReadError("not_midi", f"{path}: not a Standard MIDI File (no MThd header)")
    try:
        smf = parse_smf(data)
    except SmfError as exc:
        raise MidiReadError(exc.reason, f"{path}: damaged MIDI data: {exc}") from exc
    if smf.format == 2:
        raise MidiReadError("unsupported_type", f"{path}: MIDI type 2 (independent sequences) is not supported")
    return smf


def _bpm_of(smf: Smf, name: str) -> float:
    for tick, tempo in smf.tempos:
        bpm = 60e6 / tempo if tempo > 0 else math.inf
        if not MIN_BPM <= bpm <= MAX_BPM:
            raise MidiReadError("absurd_tempo", f"{name}: tempo {bpm:.1f} BPM at tick {tick} is outside {MIN_BPM:.0f}-{MAX_BPM:.0f}")
    first = [tempo for tick, tempo in sorted(smf.tempos, key=lambda t: t[0]) if tick == 0]
    return 60e6 / first[-1] if first else 120.0


def _bars(smf: Smf, last_tick: float, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bar starts and lengths (ticks) and whether each is 4/4, up to and including the bar holding `last_tick`.

    A time signature change starts a bar; the bar it cuts short is not a whole bar. Bar lengths are
    numerator * 4 / denominator beats with a power-of-two denominator, so every start is exact in a float.
    """
    beat = smf.ticks_per_beat
    sigs: dict[int, tuple[int, int]] = {}
    for tick, num, den in sorted(smf.time_signatures, key=lambda s: s[0]):
        sigs[tick] = (num, den)  # a later one at the same tick wins
    sigs.setdefault(0, (4, 4))
    changes = sorted(sigs.items())
    starts, lengths, is44 = [], [], []
    total = 0
    for i, (tick, (num, den)) in enumerate(changes):
        length = num * beat * 4.0 / den
        if length <= 0:
            raise MidiReadError("corrupt", f"{name}: the time signature {num}/{den} at tick {tick} makes bars of no length")
        if i + 1 < len(changes):
            span = changes[i + 1][0] - tick
            whole = int(span // length)
            rest = span - whole * length
        else:
            whole, rest = (int((last_tick - tick) // length) + 1 if last_tick >= tick else 0), 0.0
        total += whole + (rest > 0)
        if total > MAX_BARS:
            raise MidiReadError("corrupt", f"{name}: more than {MAX_BARS:,} bars long (events up to tick {smf.end_tick:,} "
                                           f"at {beat} ticks per beat): the timing is damaged")
        starts.append(tick + np.arange(whole) * length)
        lengths.append(np.full(whole, length))
        is44.append(np.full(whole, (num, den) == (4, 4)))
        if rest > 0:
            starts.append(np.array([tick + whole * length]))
            lengths.append(np.array([rest]))
            is44.append(np.array([False]))
    return np.concatenate(starts), np.concatenate(lengths), np.concatenate(is44)


def read_groove(source: Union[str, Path], bars: int = 16) -> Pattern:
    """The first `bars` bars of a file's 4/4 drums: what a user means by "this groove" when they pick a file."""
    pattern = read_drum_midi(source).as_pattern()
    return pattern.bar_slice(0, min(bars, pattern.bars))


def read_drum_midi(source: Union[str, Path]) -> DrumFile:
    """Drum hits on channel 10, onsets quantized to the nearest 16th, split into runs of whole 4/4 bars.

    Raises `MidiReadError` (never anything else for a bad file) with a reason key and a sentence naming the file.
    Time and memory grow linearly with the file: at most 16 MiB, at most 100,000 bars.
    """
    name = str(source)
    smf = _parse(Path(source))
    notes = np.frombuffer(smf.note_ons, dtype=np.int64).reshape(-1, 4)
    notes = notes[notes[:, 1] == DRUM_CHANNEL]
    notes[:, 2:] = np.minimum(notes[:, 2:], 127)  # damaged data bytes over 127 are clipped, as mido did
    if not len(notes) and smf.end_tick == 0:
        raise MidiReadError("empty", f"{name}: the file holds no events")
    bpm = _bpm_of(smf, name)
    classes = PITCH_TO_CLASS[notes[:, 2]].astype(np.int64)
    mapped = classes >= 0
    ticks, classes, velocities = notes[mapped, 0].astype(np.float64), classes[mapped], notes[mapped, 3]
    if not len(ticks):
        raise MidiReadError("no_drums", f"{name}: no drum notes on MIDI channel 10")

    step = smf.ticks_per_beat / STEPS_PER_BEAT
    last_tick = max(smf.end_tick - step / 2, ticks.max() + step / 2)
    starts, lengths, is44 = _bars(smf, last_tick, name)

    bar = np.searchsorted(starts, ticks, side="right") - 1
    position = (ticks - starts[bar]) / step
    q = np.floor(position + 0.5).astype(np.int64)
    offset = np.clip(position - q, -MAX_OFFSET, MAX_OFFSET)  # how far off its step the hit was played
    onto_next = q * step >= lengths[bar] - 1e-6  # rounds onto the next bar line (played early for it)
    bar[onto_next] += 1
    q[onto_next] = 0
    inside = bar < len(starts)
    inside[inside] = is44[bar[inside]]
    bar, q, cls, offset, vel = bar[inside], q[inside], classes[inside], offset[inside], velocities[inside]
    grid = np.zeros((len(starts), STEPS_PER_BAR, NUM_CLASSES), dtype=np.uint8)
    timing = np.zeros(grid.shape, dtype=np.float32)
    flat = np.ravel_multi_index((bar, q, cls), grid.shape)
    order = np.lexsort((vel, flat))  # by cell, the loudest hit of a cell last
    last = np.r_[flat[order][1:] != flat[order][:-1], True][: len(order)]  # two hits on one cell: the louder, and its timing
    keep = order[last]
    grid.reshape(-1)[flat[keep]] = vel[keep].astype(np.uint8)
    timing.reshape(-1)[flat[keep]] = offset[keep]
    cells = int(np.count_nonzero(grid))  # velocities are 1..127, so every hit cell is nonzero

    spans: list[Pattern] = []
    run_start = None
    for i, ok in enumerate(is44.tolist() + [False]):
        if ok and run_start is None:
            run_start = i
        elif not ok and run_start is not None:
            spans.append(Pattern(grid[run_start:i], timing[run_start:i]))
            run_start = None
    if not spans or all(not s.hits.any() for s in spans):
        raise MidiReadError("not_4_4", f"{name}: no drum hits in 4/4 bars")
    return DrumFile(
        spans=spans,
        bpm=bpm,
        ticks_per_beat=smf.ticks_per_beat,
        onsets=len(ticks),
        merged_onsets=int(inside.sum()) - cells,
        unmapped_onsets=int((~mapped).sum()),
        outside_4_4_onsets=int((~inside).sum()),
        bar_count=sum(s.bars for s in spans),
    )
