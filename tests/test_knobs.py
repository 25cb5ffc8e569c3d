"""Knobs: attribute directions made from grooves, loaded with the model, turned through the studio."""

import numpy as np
import pytest

from drummachine.groove.attributes import ATTRIBUTES, measure
from drummachine.groove.pattern import Pattern
from drummachine.groove.take import Take
from drummachine.model import format as fmt
from drummachine.model.engine import Engine
from drummachine.model.folder import ModelError
from drummachine.studio.session import Session
from drummachine.studio.studio import Studio
from export.knobs import knob_vectors


def test_attributes_are_what_their_names_say():
    h = np.zeros((1, 2, 16, 9), bool)
    h[0, :, 0, 0] = h[0, :, 4, 1] = h[0, :, 6, 2] = True  # per bar: kick on 1, snare on 2, a hat off the beat
    m = measure(h)
    assert m["density"][0] == 3 and m["kick"][0] == 1 and m["hats"][0] == 1 and m["toms"][0] == 0
    assert m["syncopation"][0] == pytest.approx(1 / 3)


def test_a_knob_vector_points_from_the_low_quarter_to_the_high_quarter():
    rng = np.random.default_rng(1)
    hits = rng.random((400, 1, 16, 9)) < rng.uniform(0.05, 0.5, (400, 1, 1, 1))
    d = measure(hits)["density"]
    codes = np.stack([d, rng.standard_normal(400)], axis=1)  # the code's first axis carries density
    vec, low, high = knob_vectors(codes, hits)["density"]
    assert vec[0] > 5 * abs(vec[1]) and low < high


def test_the_model_loads_its_knobs_and_refuses_a_damaged_file(tiny_knob_model, tiny_model, tmp_path):
    assert Engine(tiny_model).model.knobs is None
    knobs = Engine(tiny_knob_model).model.knobs
    assert set(knobs.names) <= set(ATTRIBUTES) and "density" in knobs.names
    with pytest.raises(ValueError, match="knob density must lie"):
        knobs.offset({"density": 3})
    import shutil

    bad = tmp_path / "m"
    shutil.copytree(tiny_knob_model, bad)
    (bad / fmt.KNOBS).write_bytes(b"junk")
    with pytest.raises(ModelError, match="knobs.npz"):
        Engine(bad)


def test_turning_a_knob_redecodes_the_groove_from_its_own_code_and_is_saved(tiny_knob_model, tmp_path):
    s = Studio(Engine(tiny_knob_model), Session(), tmp_path / "config", api=None)
    try:
        s.generate(seed=4)
        first = s.session.take
        assert s.set_knob("density", 2.0)
        turned = s.session.take
        assert turned.label == "knob" and turned.knobs == (("density", 2.0),) and turned.seed == first.seed
        assert np.allclose(turned.code - first.code, s.engine.model.knobs.offset({"density": 2.0}), atol=1e-5)
        s.set_knob("density", 0.0)  # back to the groove's own code: the same groove again
        assert np.allclose(s.session.take.code, first.code, atol=1e-5) and s.pattern == first.pattern
        s.set_knob("kick", -1.5)
        s.generate(seed=4)  # Generate keeps the knobs
        assert s.session.take.knobs == (("kick", -1.5),)
        s.save()
        loaded = Session.load(tmp_path / "config")[0]
        assert loaded.settings.knobs == {"density": 0.0, "kick": -1.5} and loaded.take.knobs == (("kick", -1.5),)
        with pytest.raises(ValueError, match="no knob"):
            s.set_knob("cowbell", 1)
    finally:
        s.close()


def test_a_knob_on_an_edited_groove_starts_from_the_code_of_what_is_there(tiny_knob_model, tmp_path):
    s = Studio(Engine(tiny_knob_model), Session(), tmp_path, api=None)
    try:
        s.session.commit(Take(Pattern.from_hits(np.random.default_rng(3).random((2, 16, 9)) < 0.2), label="edit"))
        mu = s.engine.encode(s.pattern)
        s.set_knob("snare", 1.0)
        assert np.allclose(s.session.take.code, mu + s.engine.model.knobs.offset({"snare": 1.0}), atol=1e-5)
        assert s.pattern.bars == 2
    finally:
        s.close()


def test_generate_turns_knobs_from_the_command_line(tiny_knob_model, tmp_path, capsys):
    from drummachine.cli import main

    assert main(["generate", "--seed", "3", "--bars", "2", "--knob", "density=2", "-o", str(tmp_path / "a.mid"),
                 "--model", str(tiny_knob_model)]) == 0
    assert main(["generate", "--knob", "density=9", "--model", str(tiny_knob_model)]) == 2
    assert "knob density must lie in -2..2" in capsys.readouterr().err
    assert main(["generate", "--knob", "cowbell=1", "--model", str(tiny_knob_model)]) == 2
    assert "no knob 'cowbell'" in capsys.readouterr().err


def test_the_window_has_a_slider_per_knob_and_letting_go_turns_the_groove(qtbot, tiny_knob_model, tmp_path):
    pytest.importorskip("pytestqt")
    from drummachine.gui.app import create_window

    w = create_window(tiny_knob_model, tmp_path / "config", api=None)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.pending == 0, timeout=10000)
    assert set(w.knobs) == set(w.studio.knob_names)
    w.knobs["hats"].setValue(15)  # as the keyboard or a click on the groove moves it: not held down
    qtbot.waitUntil(lambda: w.pending == 0, timeout=10000)
    assert w.session.take.label == "knob" and w.session.settings.knobs["hats"] == 1.5
    w.close()
