"""Small MIDI files built with mido for the tests, so every expected value can be computed by hand."""

from __future__ import annotations

from pathlib import Path

import mido


def drum_file(
    notes: list[tuple[int, int, int]],
    ticks_per_beat: int = 480,
    bpm: float = 120.0,
    signatures: list[tuple[int, int, int]] = (),
    tempos: list[tuple[int, float]] = (),
    channel: int = 9,
    end_tick: int | None = None,
    midi_type: int = 1,
    note_length: int = 10,
) -> mido.MidiFile:
    """A MIDI file with a conductor track (tempo, signatures) and one note track.

    notes: (absolute tick, pitch, velocity); signatures: (tick, numerator, denominator); tempos: (tick, bpm).
    """
    meta = [(0, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm)))]
    meta += [(t, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(b))) for t, b in tempos]
    meta += [(t, mido.MetaMessage("time_signature", numerator=n, denominator=d)) for t, n, d in signatures]
    events = []
    for tick, pitch, vel in notes:
        events.append((tick, 1, mido.Message("note_on", channel=channel, note=pitch, velocity=vel)))
        events.append((tick + note_length, 0, mido.Message("note_off", channel=channel, note=pitch, velocity=0)))
    events.sort(key=lambda e: (e[0], e[1]))
    mid = mido.MidiFile(type=midi_type, ticks_per_beat=ticks_per_beat)
    tracks = [sorted(meta, key=lambda e: e[0]), [(t, m) for t, _, m in events]]
    if midi_type == 0:
        tracks = [sorted(tracks[0] + tracks[1], key=lambda e: e[0])]
    last = max([t for t, _ in tracks[-1]] + [0])
    for evs in tracks:
        track = mido.MidiTrack()
        now = 0
        for tick, msg in evs:
            track.append(msg.copy(time=tick - now))
            now = tick
        end = max(end_tick if end_tick is not None else last, now)
        track.append(mido.MetaMessage("end_of_track", time=end - now))
        mid.tracks.append(track)
    return mid


def save(mid: mido.MidiFile, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    mid.save(path)
    return path


def groove_notes(bars: int, ticks_per_beat: int = 480, variant: int = 0) -> list[tuple[int, int, int]]:
    """A plain rock beat: kick on 1 and 3, snare on 2 and 4, closed hats on 8ths; `variant` adds a kick."""
    step = ticks_per_beat // 4
    notes = []
    for bar in range(bars):
        base = bar * 16 * step
        for s in range(0, 16, 2):
            notes.append((base + s * step, 42, 80))
        notes += [(base, 36, 110), (base + 8 * step, 36, 100), (base + 4 * step, 38, 120), (base + 12 * step, 38, 118)]
        if variant:
            notes.append((base + ((variant + bar) % 16) * step, 36, 90))
    return notes


def raw_smf(tracks: list[bytes], midi_type: int = 1, ticks_per_beat: int = 480, track_count: int | None = None) -> bytes:
    """A file byte by byte, for what mido will not write: running status, odd headers, damaged chunks.

    tracks: each track's event bytes (delta times included); its MTrk chunk header is added here.
    """
    count = len(tracks) if track_count is None else track_count
    out = b"MThd" + (6).to_bytes(4, "big") + b"".join(v.to_bytes(2, "big") for v in (midi_type, count, ticks_per_beat))
    return out + b"".join(b"MTrk" + len(t).to_bytes(4, "big") + t for t in tracks)


def varint(value: int) -> bytes:
    """A MIDI variable-length number: 7 bits a byte, high bit set on all but the last."""
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))
