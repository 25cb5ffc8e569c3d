"""Parse the bytes of a Standard MIDI File into the timed events a drum reader needs, in one linear pass.

Written for us rather than taken from mido because a damaged file must cost little and fail one way: mido
reads a delta time of any length (a 400 KB run of continuation bytes took 17 s and gave a number too large
for a float), and its errors for a cut file (a bare `EOFError`) tell a user nothing. Here every length is bounded (a variable-length
number has at most 4 bytes, as the SMF spec says; an event may not run past its track chunk) and every
problem is one `SmfError` saying where. Only note-ons, tempos and time signatures are kept; everything else
is stepped over by its length.
"""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass, field

import numpy as np

MAX_VARINT_BYTES = 4  # the SMF spec's limit for delta times and lengths (values up to 0x0FFFFFFF)

_META = 0xFF
_SYSEX = (0xF0, 0xF7)
_TEMPO = 0x51
_TIME_SIGNATURE = 0x58
_MAX_DENOMINATOR_POWER = 8  # 2**8: a 1/256 note; a larger power is not a meter but damage
# Data bytes after a channel status, indexed by its high nibble (0x8 note-off .. 0xE pitch bend).
_CHANNEL_DATA = (0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 1, 1, 2)
# System common and real-time bytes have no place in a file, but some writers leave them; mido reads them too.
_SYSTEM_DATA = {0xF1: 1, 0xF2: 2, 0xF3: 1, 0xF6: 0, 0xF8: 0, 0xFA: 0, 0xFB: 0, 0xFC: 0, 0xFE: 0}
# A run of channel events with two data bytes (note on/off, aftertouch, controller, pitch bend), each a delta
# time of up to 4 bytes, an optional status byte (absent: running status) and two data bytes. Each event has
# one reading, so the run can be taken apart with numpy in one go.
_RUN = re.compile(rb"(?:[\x80-\xff]{0,3}[\x00-\x7f][\x80-\xbf\xe0-\xef]?[\x00-\x7f]{2})+")
_RUN_MIN_BYTES = 256  # below this, numpy's per-call cost outweighs the loop's


class SmfError(ValueError):
    """Bytes that are not a Standard MIDI File we can read; str() says where and why (no file name)."""

    def __init__(self, message: str, reason: str = "corrupt") -> None:
        super().__init__(message)
        self.reason = reason


@dataclass
class Smf:
    """What a file holds for drums, times in ticks from the start of the file (every track starts at 0)."""

    format: int  # 0 one track, 1 simultaneous tracks, 2 independent sequences
    ticks_per_beat: int
    tracks: int = 0
    end_tick: int = 0  # the latest tick any track reaches, end-of-track events included
    # Every note-on with a velocity, flat for speed: tick, channel 0-15, pitch, velocity, tick, channel, ...
    # Pitch and velocity are the raw data bytes: a damaged one can exceed 127.
    note_ons: array = field(default_factory=lambda: array("q"))
    tempos: list[tuple[int, int]] = field(default_factory=list)  # (tick, microseconds per beat)
    time_signatures: list[tuple[int, int, int]] = field(default_factory=list)  # (tick, numerator, denominator)


def parse_smf(data: bytes) -> Smf:
    """The header and every MTrk chunk the header promises; chunks of other types are skipped, as the spec asks."""
    if data[:4] != b"MThd":
        raise SmfError("not a Standard MIDI File (no MThd header)", "not_midi")
    if len(data) < 14:
        raise SmfError(f"the header is cut short ({len(data)} bytes, a header takes 14)")
    header_length = int.from_bytes(data[4:8], "big")
    if header_length < 6:
        raise SmfError(f"the header chunk says it holds {header_length} bytes, fewer than the 6 it needs")
    if header_length > len(data) - 8:
        raise SmfError(f"the header chunk says it holds {header_length} bytes and the file has {len(data) - 8} after it")
    fmt, ntracks, division = (int.from_bytes(data[i : i + 2], "big") for i in (8, 10, 12))
    if fmt > 2:
        raise SmfError(f"header format {fmt} is none of the three MIDI file formats (0, 1, 2)")
    if division & 0x8000:
        raise SmfError("timing is in SMPTE frames, not ticks per beat, and is not supported", "unsupported_type")
    if division == 0:
        raise SmfError("the header gives 0 ticks per beat")
    smf = Smf(fmt, division)
    pos = 8 + header_length
    while smf.tracks < ntracks:
        if pos + 8 > len(data):
            raise SmfError(f"the header promises {ntracks} track{'s' * (ntracks != 1)} and the file ends after {smf.tracks}")
        name, length = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "big")
        pos += 8
        if length > len(data) - pos:
            what = f"track {smf.tracks + 1}" if name == b"MTrk" else f"a chunk of type {name!r} after track {smf.tracks}"
            raise SmfError(f"{what} is cut short: its chunk says {length} bytes and {len(data) - pos} are left")
        if name == b"MTrk":
            _read_track(data[pos : pos + length], smf)
        pos += length
    return smf


def _varint(track: bytes, pos: int, number: int) -> tuple[int, int]:
    """A variable-length number at `pos` (at most 4 bytes) and the position after it."""
    value = 0
    for _ in range(MAX_VARINT_BYTES):
        byte = track[pos]
        pos += 1
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, pos
    raise SmfError(f"track {number}: a variable-length number at byte {pos - MAX_VARINT_BYTES} runs over 4 bytes")


def _read_track(track: bytes, smf: Smf) -> None:
    """One MTrk chunk's events into `smf`. An index past the chunk's end means an event runs over it.

    Event by event, with the common cases written out inline; a long run of two-byte channel events (most
    of a drum track) goes to `_read_run` in one piece.
    """
    smf.tracks += 1
    number, size = smf.tracks, len(track)
    notes = smf.note_ons
    pos = tick = running = fast_from = 0
    try:
        while pos < size:
            byte = track[pos]
            pos += 1
            if byte < 0x80:
                tick += byte
            else:
                delta = byte & 0x7F
                for _ in range(MAX_VARINT_BYTES - 1):
                    byte = track[pos]
                    pos += 1
                    delta = (delta << 7) | (byte & 0x7F)
                    if byte < 0x80:
                        break
                else:
                    raise SmfError(f"track {number}: a delta time at byte {pos - MAX_VARINT_BYTES} runs over 4 bytes")
                tick += delta
            status = track[pos]
            if status < 0x80:  # running status: the data of another event like the last
                if not running:
                    raise SmfError(f"track {number}: data byte 0x{status:02X} at byte {pos} with no status before it")
                status = running
            else:
                pos += 1
                if status < 0xF0:
                    running = status
            if status < 0xF0:
                if status & 0xF0 == 0x90 and track[pos + 1]:  # velocity 0 is a note-off
                    notes.extend((tick, status & 0x0F, track[pos], track[pos + 1]))
                pos += _CHANNEL_DATA[status >> 4]
                if pos >= fast_from and _CHANNEL_DATA[running >> 4] == 2:
                    run = _RUN.match(track, pos)
                    if run and run.end() - pos >= _RUN_MIN_BYTES:
                        tick, running = _read_run(track[pos : run.end()], tick, running, notes)
                        pos = run.end()
                    else:
                        fast_from = run.end() + 1 if run else pos + 1  # not again inside this short run
            elif status == _META:
                kind = track[pos]
                length, start = _varint(track, pos + 1, number)
                pos = start + length
                if kind == _TEMPO:
                    if length < 3:
                        raise SmfError(f"track {number}: a tempo at tick {tick} holds {length} bytes, not 3")
                    smf.tempos.append((tick, int.from_bytes(track[start : start + 3], "big")))
                elif kind == _TIME_SIGNATURE:
                    _time_signature(track[start:pos], tick, number, smf)
            elif status in _SYSEX:
                running = 0
                length, pos = _varint(track, pos, number)
                pos += length
            elif status in _SYSTEM_DATA:
                running = 0
                pos += _SYSTEM_DATA[status]
            else:
                raise SmfError(f"track {number}: status byte 0x{status:02X} at byte {pos - 1} is undefined")
    except IndexError:
        pos = size + 1
    if pos > size:
        raise SmfError(f"track {number}: the last event runs past the end of the track's {size} bytes")
    smf.end_tick = max(smf.end_tick, tick)


def _read_run(run: bytes, tick: int, running: int, notes: array) -> tuple[int, int]:
    """A `_RUN` of channel events, vectorized: note-ons into `notes`; returns the tick and running status after it.

    In a run every byte under 0x80 is a delta's last byte or a data byte, three per event, and every byte
    above is a delta's leading byte or a status (just before the first data byte).
    """
    b = np.frombuffer(run, dtype=np.uint8).astype(np.int64)
    low = np.flatnonzero(b < 0x80).reshape(-1, 3)
    delta_end, first, second = low[:, 0], low[:, 1], low[:, 2]
    start = np.concatenate(([0], second[:-1] + 1))
    lead = delta_end - start  # leading delta bytes, 0-3
    delta = b[delta_end].copy()
    for k in range(1, MAX_VARINT_BYTES):
        delta += np.where(lead >= k, (b[np.maximum(delta_end - k, 0)] & 0x7F) << (7 * k), 0)
    has_status = first - delta_end == 2
    last_status = np.maximum.accumulate(np.where(has_status, np.arange(len(low)), -1))
    status = np.where(last_status >= 0, b[first - 1][np.maximum(last_status, 0)], running)
    ticks = tick + np.cumsum(delta)
    on = ((status & 0xF0) == 0x90) & (b[second] > 0)
    rows = np.stack([ticks[on], status[on] & 0x0F, b[first][on], b[second][on]], axis=1)
    notes.frombytes(rows.astype(np.int64).tobytes())
    return int(ticks[-1]), int(status[-1])


def _time_signature(data: bytes, tick: int, number: int, smf: Smf) -> None:
    if len(data) < 2:
        raise SmfError(f"track {number}: a time signature at tick {tick} holds {len(data)} bytes, not 4")
    if data[1] > _MAX_DENOMINATOR_POWER:
        raise SmfError(f"track {number}: a time signature at tick {tick} has a denominator of 2**{data[1]}")
    smf.time_signatures.append((tick, data[0], 2 ** data[1]))
