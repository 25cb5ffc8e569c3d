"""Damaged MIDI never gets anything but `MidiReadError` out of the reader, and never takes long.

Seeded, so a failure names an input that can be rebuilt: `mutate(random.Random(SEED + i), seed_file)`.
"""

import random
import time

import pytest

from drummachine.midi.reader import MidiReadError, read_drum_midi
from midi_builders import drum_file, groove_notes, save
from midi_mutations import mutate

SEED = 9
INPUTS_PER_SEED_FILE = 600
CPU_SECONDS_PER_READ = 1.0  # a guard against runaway work, not a speed target (bench/fuzz_midi.py measures);
# CPU time, because a shared machine can stall a 30 ms read for over a second of wall time


def seed_files(tmp_path):
    """Small files covering what the reader parses: both formats, tempo and meter changes, odd tick rates."""
    files = {
        "type1": drum_file(groove_notes(4)),
        "type0": drum_file(groove_notes(2, variant=3), midi_type=0),
        "meters": drum_file([(0, 36, 100), (3840, 38, 100)], signatures=[(0, 4, 4), (1920, 3, 4), (3360, 4, 4)]),
        "tempos": drum_file(groove_notes(2), tempos=[(960, 90.0), (1920, 180.0)]),
        "tpb97": drum_file([(round(t * 97 / 480), p, v) for t, p, v in groove_notes(2)], ticks_per_beat=97),
    }
    return {name: save(mid, tmp_path / f"{name}.mid").read_bytes() for name, mid in files.items()}


@pytest.mark.parametrize("name", ["type1", "type0", "meters", "tempos", "tpb97"])
def test_mutated_files_raise_only_midi_read_error_quickly(tmp_path, name):
    original = seed_files(tmp_path)[name]
    path = tmp_path / "fuzz.mid"
    for i in range(INPUTS_PER_SEED_FILE):
        data, how = mutate(random.Random(SEED + i), original)
        path.write_bytes(data)
        started = time.thread_time()
        try:
            read_drum_midi(path)
        except MidiReadError as exc:
            assert str(exc).startswith(str(path)), f"input {i} ({how}): {exc}"
        except Exception as exc:  # noqa: BLE001 - the point: nothing else may escape
            pytest.fail(f"input {i} of {name} ({how}) raised {type(exc).__name__}: {exc}")
        took = time.thread_time() - started
        assert took < CPU_SECONDS_PER_READ, f"input {i} of {name} ({how}) took {took:.2f} s of CPU"


def test_the_mutations_reach_past_the_header(tmp_path):
    """Not every input is refused at the door: some still read, some fail deep in the tracks."""
    original = seed_files(tmp_path)["type1"]
    path = tmp_path / "fuzz.mid"
    read = reasons = 0
    seen = set()
    for i in range(300):
        path.write_bytes(mutate(random.Random(SEED + i), original)[0])
        try:
            read_drum_midi(path)
            read += 1
        except MidiReadError as exc:
            seen.add(exc.reason)
            reasons += "track" in str(exc)
    assert read > 0 and reasons > 0
    assert {"corrupt", "not_midi"} <= seen
