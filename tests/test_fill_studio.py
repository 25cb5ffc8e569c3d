"""Fills in the product: "a fill every N bars" through the studio (Generate, candidates, the groove shown decoded
again from its own code, undo, the session file), on the command line and in the window, with a tiny model that
has a code per bar and a fills.npz written beside it."""

import json
import shutil

import numpy as np
import pytest

from drummachine import limits
from drummachine.groove.pattern import Pattern
from drummachine.groove.take import Take
from drummachine.model import format as fmt
from drummachine.model.engine import Engine
from drummachine.studio.session import Session
from drummachine.studio.studio import Studio

LB = 4  # the tiny per-bar model's code per bar
NO_FILLS = "this model has no fills: they need a model with a code per bar and its fills.npz"


@pytest.fixture(scope="module")
def fill_model(tiny_per_bar_model, tmp_path_factory):
    """The tiny per-bar model with strong fill and landing directions, so a fill bar decodes otherwise."""
    folder = tmp_path_factory.mktemp("fills") / "model"
    shutil.copytree(tiny_per_bar_model, folder)
    np.savez(folder / fmt.FILLS, fill=np.full(LB, 3.0, np.float32), landing=np.full(LB, -3.0, np.float32))
    return folder


@pytest.fixture
def studio(fill_model, tmp_path):
    s = Studio(Engine(fill_model), Session(), tmp_path / "config", api=None)
    s.session.settings.bars = 16
    yield s
    s.close()


def test_generate_and_candidates_make_a_fill_every_n_bars(studio):
    assert studio.set_fill_every(8) and studio.session.settings.fill_every == 8
    studio.generate(seed=5)
    take = studio.session.take
    assert take.fill_every == 8 and take.z == studio.engine.sample(16, 0.8, 5, fill_every=8).z
    assert studio.fill_bars() == [7, 15]
    studio.generate_candidates(2)
    assert [c.fill_every for c in studio.candidates] == [8, 8]


def test_changing_the_fills_decodes_the_groove_again_from_its_own_code_and_undo_takes_it_back(studio):
    engine = studio.engine
    studio.generate(seed=5)
    plain = studio.session.take
    assert studio.set_fill_every(4)
    filled = studio.session.take
    assert (filled.label, filled.fill_every, filled.seed, filled.temperature) == ("fills", 4, 5, plain.temperature)
    assert np.allclose(filled.code - plain.code, engine.fill_offset(4))
    assert filled.pattern == engine.decode(filled.code, 16, plain.temperature, 5)
    assert studio.set_fill_every(16)  # the fills every 4 taken off, those every 16 put on
    assert np.allclose(studio.session.take.code - plain.code, engine.fill_offset(16), atol=1e-6)
    assert studio.set_fill_every(0)
    assert np.allclose(studio.session.take.code, plain.code, atol=1e-6) and studio.pattern == plain.pattern
    assert studio.undo() and studio.undo() and studio.session.take is filled


def test_an_edited_groove_gets_its_fills_on_the_code_of_what_is_there(studio):
    edit = Pattern.from_hits(np.random.default_rng(3).random((16, 16, 9)) < 0.2)
    studio.session.commit(Take(edit, label="edit"))
    mu = studio.engine.encode(edit)
    assert studio.set_fill_every(4)
    assert np.allclose(studio.session.take.code, mu + studio.engine.fill_offset(4), atol=1e-5)


def test_an_empty_groove_waits_for_generate(studio):
    before = studio.session.take
    assert studio.set_fill_every(4) and studio.session.take is before


def test_a_model_without_fills_says_why_in_one_sentence(tiny_model, tmp_path):
    session = Session()
    session.settings.fill_every = 8  # from a session played with a model that had them
    s = Studio(Engine(tiny_model), session, tmp_path, api=None)
    try:
        assert s.no_fills() == NO_FILLS and s.fill_every == 0
        assert not s.set_fill_every(4) and s.notice == NO_FILLS and s.session.settings.fill_every == 8
        assert s.generate(seed=1) and s.session.take.fill_every == 0  # Generate plays on without them
        with pytest.raises(ValueError, match="every 4, 8, 16 bars"):
            s.set_fill_every(3)
    finally:
        s.close()


def test_the_setting_and_each_takes_fills_go_through_the_session_file(studio, tmp_path):
    studio.set_fill_every(8)
    studio.generate(seed=2)
    assert studio.save()
    loaded, notice = Session.load(tmp_path / "config")
    assert notice == "" and loaded.settings.fill_every == 8 and loaded.take.fill_every == 8
    data = json.loads((tmp_path / "config" / "session.json").read_text())
    data["settings"]["fill_every"] = 5
    data["take"]["fill_every"] = "often"
    (tmp_path / "config" / "session.json").write_text(json.dumps(data))
    repaired, notice = Session.load(tmp_path / "config")
    assert repaired.settings.fill_every == 0 and repaired.take.fill_every == 0
    assert "fill_every 5 is not 0 or one of 4, 8, 16, set to 0" in notice


def test_generate_makes_fills_on_the_command_line_and_says_why_not_for_a_model_without(fill_model, tiny_model,
                                                                                        tmp_path, capsys):
    from drummachine.cli import main
    from drummachine.midi.reader import read_drum_midi

    out = tmp_path / "fills.mid"
    assert main(["generate", "--seed", "5", "--fill-every", "4", "--feel", "0", "-o", str(out),
                 "--model", str(fill_model)]) == 0
    assert "a fill every 4 bars" in capsys.readouterr().out
    engine = Engine(fill_model)
    assert read_drum_midi(out).as_pattern().hits.tolist() == engine.sample(16, limits.TEMPERATURE.default, 5,
                                                                         fill_every=4).pattern.hits.tolist()
    assert main(["generate", "--fill-every", "4", "-o", str(out), "--model", str(tiny_model)]) == 2
    assert f"--fill-every 4: {NO_FILLS}" in capsys.readouterr().err


def test_the_window_chooses_fills_and_marks_the_fill_bars(qtbot, fill_model, tiny_model, tmp_path):
    pytest.importorskip("pytestqt")
    from drummachine.gui.app import create_window

    w = create_window(fill_model, tmp_path / "config", api=None)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.pending == 0, timeout=10000)
    w.studio.set_bars(16)
    assert w.fill_every.isEnabled() and w.fill_every.currentText() == "off"
    w.fill_every.activated.emit(w.fill_every.findData(4))
    qtbot.waitUntil(lambda: w.pending == 0, timeout=10000)
    assert w.session.settings.fill_every == 4 and w.session.take.label == "fills"
    assert w.strip.fills == {3, 7, 11, 15}
    w.close()
    plain = create_window(tiny_model, tmp_path / "plain", api=None)
    qtbot.addWidget(plain)
    assert not plain.fill_every.isEnabled() and plain.fill_every.toolTip() == NO_FILLS
    plain.close()


def test_a_variation_keeps_the_fills_its_code_holds_so_they_come_off_again(fill_model, tmp_path):
    s = Studio(Engine(fill_model), Session(), tmp_path / "config", api=None)
    try:
        s.set_bars(16)
        s.set_fill_every(4)  # on the empty groove: the setting waits for Generate
        s.generate(seed=3)
        assert s.session.take.fill_every == 4
        s.variation()
        assert s.session.take.label == "variation" and s.session.take.fill_every == 4
        s.set_fill_every(0)
        assert s.session.take.fill_every == 0 and "failed" not in s.notice
    finally:
        s.close()
