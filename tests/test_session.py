import json

import numpy as np

import pytest

from drummachine.groove.pattern import Pattern
from drummachine.groove.take import Take
from drummachine.studio.session import Session, Settings


def test_toggle_paint_undo_redo():
    s = Session()
    assert s.toggle(0, 4, 1) is True
    s.paint([(1, 0, 0), (1, 1, 0)], True)
    assert s.pattern.hits[1, :2, 0].all() and s.pattern.hits[0, 4, 1]
    assert s.undo() and not s.pattern.hits[1, 0, 0]
    assert s.undo() and not s.pattern.hits.any()
    assert not s.undo()
    assert s.redo() and s.pattern.hits[0, 4, 1]
    s.toggle(0, 0, 0)
    assert not s.redo_stack  # a new edit ends the redo history


def test_a_drag_that_changes_nothing_is_not_an_edit():
    s = Session()
    s.paint([(0, 0, 0)], False)
    assert not s.undo_stack


def test_changing_the_bar_count_loops_or_cuts():
    s = Session()
    s.toggle(0, 0, 0)
    s.toggle(1, 8, 1)
    s.set_bars(4)
    assert s.pattern.bars == 4 and s.pattern.hits[2, 0, 0] and s.pattern.hits[3, 8, 1]
    s.set_bars(1)
    assert s.pattern.bars == 1 and s.pattern.hits[0, 0, 0] and not s.pattern.hits[0, 8, 1]
    with pytest.raises(ValueError):
        s.set_bars(3)


def test_mute_and_solo_decide_what_is_silent():
    s = Session()
    s.settings.muted = [2]
    assert s.audible() == frozenset({2})
    s.settings.soloed = [0, 1]
    assert s.audible() == frozenset(range(2, 9))
    assert Session.flip([1, 3], 3) == [1]


def test_the_session_saves_and_loads_whole(tmp_path):
    s = Session(settings=Settings(bpm=97.0, locked=[0]))
    s.toggle(1, 3, 4)
    s.commit(Take(s.pattern.with_hit(0, 0, 8, 55), (0.5, -1.0), 42, label="sample"))
    s.slot_a = Take(Pattern.empty(1).with_hit(0, 2, 2, 90), (1.0, 2.0))
    s.morph_position = 0.25
    s.save(tmp_path)
    back, notice = Session.load(tmp_path)
    assert notice == ""
    assert back.pattern == s.pattern and back.take.z == (0.5, -1.0) and back.take.seed == 42
    assert back.slot_a == s.slot_a and back.slot_b is None
    assert back.settings.bpm == 97.0 and back.settings.locked == [0] and back.morph_position == 0.25
    assert back.undo() and back.pattern == s.undo_stack[-1].pattern
    assert sorted(p.name for p in tmp_path.iterdir()) == ["session.json"]


def test_no_saved_session_is_none_without_a_notice(tmp_path):
    assert Session.load(tmp_path) == (None, "")


def _saved(tmp_path, **changes) -> dict:
    """A good saved session (a kick on bar 1, step 1; 2 bars) as JSON data, with top-level `changes`."""
    s = Session()
    s.toggle(0, 0, 0)
    s.save(tmp_path)
    return {**json.loads((tmp_path / "session.json").read_text()), **changes}


def _load(tmp_path, data) -> tuple[Session, str]:
    (tmp_path / "session.json").write_text(json.dumps(data))
    session, notice = Session.load(tmp_path)
    return session or Session(), notice


def _asides(tmp_path) -> list[str]:
    return sorted(p.name for p in tmp_path.glob("session.json.damaged-*"))


@pytest.mark.parametrize("data", [[], None, "session", 7, {"version": 99}], ids=["list", "null", "string", "number",
                                                                                    "version"])
def test_a_file_that_is_no_session_is_set_aside_and_a_new_session_starts(tmp_path, data):
    session, notice = _load(tmp_path, data)
    assert session.pattern.bars == 2 and not session.pattern.hits.any()
    aside = _asides(tmp_path)
    assert len(aside) == 1 and aside[0] in notice and "could not be read" in notice
    assert json.loads((tmp_path / aside[0]).read_text()) == data
    assert not (tmp_path / "session.json").exists()


def test_a_file_that_is_not_json_is_set_aside_byte_for_byte(tmp_path):
    (tmp_path / "session.json").write_bytes(b'{"version": 1, "take": \xff')
    session, notice = Session.load(tmp_path)
    assert session is None and "could not be read" in notice
    assert (tmp_path / _asides(tmp_path)[0]).read_bytes() == b'{"version": 1, "take": \xff'


def test_set_aside_copies_never_overwrite_each_other(tmp_path):
    for n in range(3):
        _load(tmp_path, [n])
    aside = _asides(tmp_path)
    assert len(aside) == 3
    assert sorted(json.loads((tmp_path / a).read_text()) for a in aside) == [[0], [1], [2]]


def test_settings_that_are_null_become_the_defaults_and_the_pattern_is_kept(tmp_path):
    session, notice = _load(tmp_path, _saved(tmp_path, settings=None))
    assert session.settings == Settings(bars=2) and session.pattern.hits[0, 0, 0]
    assert "settings were null" in notice and _asides(tmp_path)[0] in notice


def test_settings_of_the_wrong_type_fall_back_to_their_defaults(tmp_path):
    data = _saved(tmp_path)
    data["settings"].update(bpm="fast", channel=[10], seed=None, note_map=5, swing=float("nan"), port=None)
    session, notice = _load(tmp_path, data)
    st = session.settings
    assert (st.bpm, st.channel, st.note_map, st.swing, st.port) == (120.0, 10, "General MIDI", 50.0, "")
    assert "bpm 'fast' is not a number, set to 120" in notice and "and 2 more" in notice


def test_settings_out_of_range_are_clamped_to_the_limits_table(tmp_path):
    data = _saved(tmp_path)
    data["settings"].update(bpm=10000, channel=99, temperature=-1, swing=10, morph_bars=100_000)
    st = _load(tmp_path, data)[0].settings
    assert (st.bpm, st.channel, st.temperature, st.swing, st.morph_bars) == (300.0, 16, 0.0, 50.0, 64)


def test_instruments_outside_the_nine_are_dropped_from_locks_mutes_and_solos(tmp_path):
    data = _saved(tmp_path)
    data["settings"].update(locked=[99, 1, 1], muted="kick", soloed=[-1, 8, True])
    session, notice = _load(tmp_path, data)
    assert (session.settings.locked, session.settings.muted, session.settings.soloed) == ([1], [], [8])
    assert "locked [99, 1, 1] holds more than instruments 0-8, kept [1]" in notice


def test_an_unknown_note_map_name_falls_back_to_general_midi(tmp_path):
    data = _saved(tmp_path)
    data["settings"]["note_map"] = "Deleted kit"
    session, notice = _load(tmp_path, data)
    assert session.settings.note_map == "General MIDI" and "'Deleted kit' is unknown" in notice


def test_a_seed_no_generator_takes_is_dropped_and_the_take_kept(tmp_path):
    data = _saved(tmp_path)
    data["take"]["seed"] = 2**70
    session, notice = _load(tmp_path, data)
    assert session.take.seed is None and session.pattern.hits[0, 0, 0] and "seed" in notice


def test_morph_position_and_view_bar_are_clamped_or_reset(tmp_path):
    session, _ = _load(tmp_path, _saved(tmp_path, morph_position=1e308, view_bar=-100))
    assert (session.morph_position, session.view_bar) == (1.0, 0)
    session, notice = _load(tmp_path, _saved(tmp_path, morph_position=float("nan"), view_bar=5))
    assert (session.morph_position, session.view_bar) == (0.0, 1)
    assert "morph_position nan is not a number" in notice


def test_an_empty_pattern_is_replaced_by_silence_of_the_saved_length(tmp_path):
    data = _saved(tmp_path)
    data["take"]["pattern"] = {"bars": 0, "velocities": ""}
    session, notice = _load(tmp_path, data)
    assert session.pattern.bars == 2 and not session.pattern.hits.any()
    assert "the current pattern was dropped: its bars 0" in notice


def test_damaged_undo_steps_and_slots_are_dropped_alone(tmp_path):
    data = _saved(tmp_path)
    good = data["undo"][0]
    data.update(undo=[good, {"pattern": {"bars": 1, "velocities": "AAAA"}}, None], slot_a=[1], slot_b={"x": 1})
    session, notice = _load(tmp_path, data)
    assert len(session.undo_stack) == 1 and session.slot_a is None and session.slot_b is None
    assert "undo step 2 was dropped: it holds 3 velocities, not 144" in notice


def test_a_repaired_session_is_saved_so_the_next_start_is_quiet(tmp_path):
    _load(tmp_path, _saved(tmp_path, view_bar=-100))
    assert Session.load(tmp_path)[1] == ""
    assert len(_asides(tmp_path)) == 1


def test_the_window_is_told_about_both_damaged_files(tmp_path):
    from drummachine.gui.app import load_session

    (tmp_path / "note_maps.json").write_text('{"General MIDI": [60, 61, 62, 63, 64, 65, 66, 67, 68]}')
    (tmp_path / "session.json").write_text("[]")
    session, notice = load_session(tmp_path)
    assert session is None  # a new one starts (at the model's temperature: the studio makes it)
    assert "the saved session could not be read (it holds a list, not a session)" in notice
    assert "note_maps.json was repaired ('General MIDI' was renamed 'General MIDI (saved)'" in notice
    assert load_session(tmp_path)[1] == ""


def test_a_velocity_gesture_on_one_hit_is_one_undo_step_and_keeps_its_timing(tmp_path):
    v = np.zeros((1, 16, 9), np.uint8)
    o = np.zeros((1, 16, 9), np.float32)
    v[0, 4, 1], o[0, 4, 1] = 82, 0.2
    s = Session(Take(Pattern(v, o)))
    for velocity in (90, 104, 118):  # a drag: three moves on the same hit
        s.set_velocity(0, 4, 1, velocity)
    assert s.pattern.velocities[0, 4, 1] == 118 and s.pattern.offsets[0, 4, 1] == pytest.approx(0.2)
    assert len(s.undo_stack) == 1 and s.take.label == "velocity"
    s.set_velocity(0, 4, 1, 60)  # nothing between: the same gesture goes on
    s.toggle(0, 0, 0)
    s.set_velocity(0, 4, 1, 30)  # after another edit: a new undo step
    assert len(s.undo_stack) == 3
    s.save(tmp_path)
    back, _ = Session.load(tmp_path)
    assert back.pattern.velocities[0, 4, 1] == 30
    assert s.undo() and s.undo() and s.pattern.velocities[0, 4, 1] == 60
    assert s.undo() and s.pattern.velocities[0, 4, 1] == 82


def test_velocity_is_set_only_on_a_hit_and_within_1_to_127():
    s = Session(Take(Pattern.empty(1).with_hit(0, 0, 0, 100)))
    with pytest.raises(ValueError, match="no hit at bar 1, step 2"):
        s.set_velocity(0, 1, 0, 90)
    with pytest.raises(ValueError, match="velocity must be between 1 and 127"):
        s.set_velocity(0, 0, 0, 0)
    assert not s.undo_stack
