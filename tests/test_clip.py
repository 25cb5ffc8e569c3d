import mido
import numpy as np
import pytest

from drummachine.midi.clip import ClipWriteError, patterns_to_midi, write_clip
from drummachine.midi.reader import read_drum_midi
from drummachine.groove.pattern import Pattern


def random_pattern(bars: int, seed: int) -> Pattern:
    rng = np.random.default_rng(seed)
    hits = rng.random((bars, 16, 9)) < 0.15
    return Pattern(np.where(hits, rng.integers(1, 128, hits.shape), 0))


def test_pattern_to_clip_to_pattern_is_exact(tmp_path):
    p = random_pattern(4, 1)
    take = read_drum_midi(write_clip(p, tmp_path / "c.mid", bpm=97.0))
    assert take.spans == [p]
    assert take.bpm == pytest.approx(97.0, abs=0.01)


def test_trailing_empty_bars_survive_the_round_trip(tmp_path):
    p = Pattern.empty(3).with_hit(0, 0, 0, 100)
    assert read_drum_midi(write_clip(p, tmp_path / "e.mid")).spans == [p]


def test_a_morph_list_becomes_one_clip(tmp_path):
    parts = [random_pattern(2, s) for s in range(3)]
    take = read_drum_midi(write_clip(parts, tmp_path / "m.mid"))
    assert take.spans == [Pattern.concat(parts)]


def test_the_file_has_tempo_signature_name_and_channel_10(tmp_path):
    p = Pattern.empty(1).with_hit(0, 4, 1, 77)
    mid = mido.MidiFile(write_clip(p, tmp_path / "x.mid", bpm=140, track_name="Groove 7"))
    msgs = list(mid.tracks[0])
    metas = {m.type: m for m in msgs if m.is_meta}
    assert metas["track_name"].name == "Groove 7"
    assert mido.tempo2bpm(metas["set_tempo"].tempo) == pytest.approx(140, abs=0.01)
    assert (metas["time_signature"].numerator, metas["time_signature"].denominator) == (4, 4)
    ons = [m for m in msgs if m.type == "note_on"]
    assert [(m.channel, m.note, m.velocity) for m in ons] == [(9, 38, 77)]
    assert sum(m.time for m in msgs) == 16 * 120  # the clip is exactly one bar long


def test_a_note_map_changes_the_pitches():
    p = Pattern.empty(1).with_hit(0, 0, 0, 100)
    note_map = (24, 26, 30, 32, 41, 43, 45, 37, 39)
    mid = patterns_to_midi(p, note_map=note_map)
    assert [m.note for m in mid.tracks[0] if m.type == "note_on"] == [24]
    with pytest.raises(ValueError):
        patterns_to_midi(p, note_map=(1, 2, 3))


def test_every_note_is_switched_off(tmp_path):
    mid = patterns_to_midi(random_pattern(2, 3))
    sounding = set()
    for m in mid.tracks[0]:
        if m.type == "note_on":
            assert m.note not in sounding
            sounding.add(m.note)
        elif m.type == "note_off":
            sounding.discard(m.note)
    assert not sounding


def test_an_unwritable_path_is_a_clear_error_and_leaves_nothing(tmp_path):
    with pytest.raises(ClipWriteError, match="does not exist"):
        write_clip(Pattern.empty(1), tmp_path / "missing" / "x.mid")
    target = tmp_path / "x.mid"
    target.mkdir()  # a folder where the file should go
    with pytest.raises(ClipWriteError, match="cannot write"):
        write_clip(Pattern.empty(1), target)
    assert [p.name for p in tmp_path.iterdir()] == ["x.mid"]


def test_an_existing_clip_is_replaced_whole(tmp_path):
    path = tmp_path / "c.mid"
    write_clip(random_pattern(8, 1), path)
    write_clip(random_pattern(1, 2), path)
    assert read_drum_midi(path).spans == [random_pattern(1, 2)]


def test_a_clip_carries_each_hits_timing_and_the_swing_as_they_sound(tmp_path):
    """Read back by our reader and counted by mido: early and late hits, swung 16ths, an early first hit."""
    from drummachine.midi.reader import read_drum_midi

    v = np.zeros((2, 16, 9), np.uint8)
    o = np.zeros((2, 16, 9), np.float32)
    v[0, 0, 0], o[0, 0, 0] = 100, -0.2  # before the clip's start: held at tick 0
    v[0, 4, 1], o[0, 4, 1] = 90, 0.25
    v[1, 0, 1], o[1, 0, 1] = 80, -0.3  # early for bar 2
    v[0, 2, 2] = v[0, 3, 2] = 60  # an 8th on the grid and the 16th after it, swung
    p = Pattern(v, o)
    path = write_clip(p, tmp_path / "feel.mid", swing=62.5)
    back = read_drum_midi(path).spans[0]
    assert back.timing[0, 4, 1] == pytest.approx(0.25, abs=1 / 120)
    assert back.timing[1, 0, 1] == pytest.approx(-0.3, abs=1 / 120) and back.velocities[1, 0, 1] == 80
    assert back.timing[0, 0, 0] == 0 and back.timing[0, 2, 2] == 0
    assert back.timing[0, 3, 2] == pytest.approx(0.25, abs=1 / 120)  # 62.5 % swing: a quarter of a step late
    ons = [m for m in mido.MidiFile(path).tracks[0] if m.type == "note_on" and m.velocity]
    assert len(ons) == 5
