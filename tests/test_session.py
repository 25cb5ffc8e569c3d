import json

import pytest

from drummachine.pattern import Pattern
from drummachine.session import Session, Settings, Slot, Take


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
    s.commit(Take(s.pattern.with_hit(0, 0, 8, 55), (0.5, -1.0), 42, "sample"))
    s.slot_a = Slot(Pattern.empty(1).with_hit(0, 2, 2, 90), (1.0, 2.0))
    s.morph_position = 0.25
    s.save(tmp_path)
    back = Session.load(tmp_path)
    assert back.pattern == s.pattern and back.take.z == (0.5, -1.0) and back.take.seed == 42
    assert back.slot_a == s.slot_a and back.slot_b is None
    assert back.settings.bpm == 97.0 and back.settings.locked == [0] and back.morph_position == 0.25
    assert back.undo() and back.pattern == s.undo_stack[-1].pattern
    assert not list(tmp_path.glob("*.tmp"))


def test_no_saved_session_is_none_and_a_damaged_one_is_kept_aside(tmp_path):
    assert Session.load(tmp_path) is None
    (tmp_path / "session.json").write_text(json.dumps({"version": 99}))
    with pytest.raises(ValueError, match="kept as"):
        Session.load(tmp_path)
    assert (tmp_path / "session.damaged.json").is_file()
