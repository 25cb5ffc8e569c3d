"""The SMF parser reads valid files exactly as mido does, however their events are laid out."""

import random

import mido
import pytest

from drummachine.midi.smf import parse_smf
from midi_builders import raw_smf, varint


def random_track(rng: random.Random, events: int) -> bytes:
    """Valid events as writers lay them out: running status or not, deltas of 1-4 bytes, notes on any channel,
    velocity-0 note-offs, controllers, program changes and metas breaking the runs."""
    out, running = bytearray(), None
    breaks = rng.choice((0.001, 0.01, 0.06))  # how often a meta or a one-byte message breaks a run of notes
    for _ in range(events):
        out += varint(rng.choice((0, 0, 5, 120, 127, 128, 1920, 16383, 16384, 2**21, 2**28 - 1)))
        kind = rng.random()
        if kind < breaks / 2:
            out += b"\xff\x01\x03abc"  # a text event: running status survives it, as mido reads
            continue
        if kind < breaks:
            status = 0xC0 | rng.randrange(16)  # program change: one data byte
            data = bytes([rng.randrange(128)])
        else:
            status = rng.choice((0x90, 0x90, 0x80, 0xB0, 0xE0, 0xA0)) | rng.choice((9, 9, 9, 0))
            data = bytes([rng.randrange(128), rng.choice((0, rng.randrange(128)))])
        if status != running or rng.random() < 0.1:
            out.append(status)
        running = status
        out += data
    return bytes(out + b"\x00\xff\x2f\x00")


def mido_events(path):
    mid = mido.MidiFile(path)
    notes, end = [], 0
    for track in mid.tracks:
        tick = 0
        for msg in track:
            tick += msg.time
            if msg.type == "note_on" and msg.velocity > 0:
                notes += [tick, msg.channel, msg.note, msg.velocity]
        end = max(end, tick)
    return notes, end


@pytest.mark.parametrize("seed", range(10))
def test_note_ons_and_end_tick_match_mido(tmp_path, seed):
    rng = random.Random(seed)
    tracks = [random_track(rng, rng.choice((3, 40, 400, 3000))) for _ in range(rng.randint(1, 3))]
    path = tmp_path / "r.mid"
    path.write_bytes(raw_smf(tracks))
    smf = parse_smf(path.read_bytes())
    notes, end = mido_events(path)
    assert sorted(zip(*[iter(smf.note_ons)] * 4)) == sorted(zip(*[iter(notes)] * 4))
    assert smf.end_tick == end


def test_tempos_and_meters_are_kept_with_their_ticks():
    track = b"\x00\xff\x51\x03\x07\xa1\x20" + b"\x83\x60\xff\x58\x04\x03\x02\x18\x08" + b"\x00\xff\x2f\x00"
    smf = parse_smf(raw_smf([track]))
    assert smf.tempos == [(0, 500_000)]
    assert smf.time_signatures == [(480, 3, 4)]
