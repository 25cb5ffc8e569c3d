"""Fills: a fill in the last bar of every N, from a direction in the bar-code space of a model with a code per
bar; the pure rule, the export from beat and fill files, and the engine."""

import numpy as np
import pytest

from drummachine.groove.pattern import Pattern
from drummachine.midi.clip import write_clip
from drummachine.model import format as fmt
from drummachine.model.engine import Engine
from drummachine.model.fills import Fills, check_every, fill_bars
from export.fills import beat_and_landing_bars, fill_file_bars

LB = 4  # the tiny per-bar model's code per bar


def fills(fill=1.0, landing=-1.0) -> Fills:
    return Fills(np.full(LB, fill, np.float32), np.full(LB, landing, np.float32))


def test_a_fill_comes_in_the_last_bar_of_every_n():
    assert fill_bars(16, 4) == [3, 7, 11, 15]
    assert fill_bars(16, 16) == [15]
    assert fill_bars(8, 16) == [] and fill_bars(16, 0) == []
    assert check_every(8) == 8
    with pytest.raises(ValueError, match="every 4, 8, 16 bars"):
        check_every(3)


def test_the_fill_moves_its_bar_and_the_landing_the_bar_after_it_looping_to_the_first():
    z = np.zeros(16 * LB, np.float32)
    out = fills().apply(z, 16, 8, amount=0.5).reshape(16, LB)
    assert np.all(out[[7, 15]] == 0.5) and np.all(out[[8, 0]] == -0.5)
    assert np.all(out[[1, 2, 3, 4, 5, 6, 9, 10, 11, 12, 13, 14]] == 0)
    assert np.array_equal(fills().apply(z, 16, 0), z)


def test_a_fills_file_of_another_size_or_damaged_names_itself(tmp_path):
    np.savez(tmp_path / fmt.FILLS, fill=np.zeros(5), landing=np.zeros(5))
    with pytest.raises(ValueError, match="fills.npz holds fills for a bar code of"):
        Fills.open(tmp_path, LB)
    with pytest.raises(ValueError, match="the model's is none"):
        Fills.open(tmp_path, 0)
    (tmp_path / fmt.FILLS).write_bytes(b"not an archive")
    with pytest.raises(ValueError, match="not a readable fills file"):
        Fills.open(tmp_path, LB)
    assert Fills.open(tmp_path / "nothing", LB) is None


def test_landings_are_the_bars_after_a_tom_fill_inside_a_beat():
    hits = np.zeros((1, 6, 16, 9), bool)
    hits[0, :, ::4, 0] = True  # kick on every beat
    hits[0, 2, 8:16:2, 4] = True  # four tom hits in bar 3: a fill
    hits[0, 5, 0:12:4, 5] = True  # three in the last bar: its landing is outside the window
    every, landing = beat_and_landing_bars(hits)
    assert every.shape == (6, 16, 9)
    assert len(landing) == 1 and np.array_equal(landing[0], hits[0, 3])


def test_the_fill_of_a_fill_file_is_its_fullest_bar_and_only_train_files_count(tmp_path):
    fill = np.zeros((2, 16, 9), np.uint8)
    fill[0, 8:16, 4] = 100  # the run-up bar of toms
    fill[1, 0, 0] = 100  # a kick on one after it
    write_clip(Pattern(fill), tmp_path / "f1.mid")
    write_clip(Pattern(fill), tmp_path / "f2.mid")
    (tmp_path / "info.csv").write_text(
        "drummer,session,id,style,bpm,beat_type,time_signature,midi_filename,audio_filename,duration,split\n"
        "d,s,1,rock,120,fill,4-4,f1.mid,f1.wav,2.0,train\n"
        "d,s,2,rock,120,fill,4-4,f2.mid,f2.wav,2.0,validation\n")
    found = fill_file_bars(tmp_path)
    assert len(found) == 1 and np.array_equal(found[0], fill[0] > 0)


def test_the_engine_puts_fills_only_where_they_belong(tiny_per_bar_model, tmp_path):
    import shutil

    folder = tmp_path / "model"
    shutil.copytree(tiny_per_bar_model, folder)
    with pytest.raises(ValueError, match="has no fills"):
        Engine(folder).with_fills(np.zeros(16 * LB), 4)
    np.savez(folder / fmt.FILLS, fill=np.full(LB, 3.0, np.float32), landing=np.full(LB, -3.0, np.float32))
    engine = Engine(folder)
    assert engine.has_fills
    plain, filled = engine.sample(temperature=0.8, seed=5), engine.sample(temperature=0.8, seed=5, fill_every=4)
    moved = np.abs(np.subtract(filled.z, plain.z)).reshape(16, LB).max(axis=1) > 0
    assert list(np.flatnonzero(moved)) == [0, 3, 4, 7, 8, 11, 12, 15]
    same = [b for b in range(16) if not moved[b]]  # each bar decodes from its own code: the rest are unchanged
    assert np.array_equal(plain.pattern.velocities[same], filled.pattern.velocities[same])


def test_a_model_with_one_code_for_all_bars_has_no_fills(tiny_model):
    engine = Engine(tiny_model)
    assert not engine.has_fills
    with pytest.raises(ValueError, match="code per bar"):
        engine.sample(seed=1, fill_every=4)


def test_a_loop_shorter_than_the_interval_gets_no_fill_and_a_fill_in_its_last_bar_lands_on_its_first():
    z = np.zeros(16 * LB, np.float32)
    assert not fills().apply(z, 16, 8, played=4).any()  # no fill in a 4-bar loop, and no landing on its bar 1
    out = fills().apply(z, 16, 4, played=8).reshape(16, LB)
    assert np.all(out[[3, 7]] == 1) and np.all(out[[4, 0]] == -1) and not out[8:].any()
