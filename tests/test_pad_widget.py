"""The pad's view offscreen: dragging the dot moves the studio's pad, right-click fills a corner, the buttons
record and play a path; what it draws is what the pad holds."""

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import QPoint, Qt  # noqa: E402

from drummachine.gui.pad_widget import PadWidget  # noqa: E402
from drummachine.midi.clip import write_clip  # noqa: E402
from drummachine.model.engine import Engine  # noqa: E402
from drummachine.studio.session import Session  # noqa: E402
from drummachine.studio.studio import Studio  # noqa: E402
from test_pad_studio import CountingPlayer, fill_with_classes, one_class  # noqa: E402


@pytest.fixture(scope="module")
def engine():
    return Engine()


@pytest.fixture
def view(qtbot, engine, tmp_path):
    studio = Studio(engine, Session(), tmp_path, api=None, make_player=CountingPlayer)
    write_clip([one_class(8)], tmp_path / "ride.mid")
    w = PadWidget(studio.pad, pick_file=lambda: tmp_path / "ride.mid")
    studio.on_change = w.refresh  # as the window's refresh does
    qtbot.addWidget(w)
    w.resize(300, 340)
    w.show()
    yield w
    studio.close()


def at(surface, x, y) -> QPoint:
    return surface.point((x, y)).toPoint()


def test_dragging_the_dot_moves_the_pad(qtbot, view):
    s = view.surface
    qtbot.mousePress(s, Qt.MouseButton.LeftButton, pos=at(s, 0.1, 0.1))
    qtbot.mouseMove(s, at(s, 0.5, 0.3))
    qtbot.mouseMove(s, at(s, 0.8, 0.9))
    qtbot.mouseRelease(s, Qt.MouseButton.LeftButton, pos=at(s, 0.8, 0.9))
    assert view.pad.position == pytest.approx((0.8, 0.9), abs=0.01)
    qtbot.mouseMove(s, at(s, 0.2, 0.2))  # released: no longer dragging
    assert view.pad.position == pytest.approx((0.8, 0.9), abs=0.01)
    qtbot.mousePress(s, Qt.MouseButton.LeftButton, pos=QPoint(s.width() + 50, -50))  # off the pad: its edge
    assert view.pad.position == (1.0, 0.0)


def test_a_corners_menu_fills_it_from_the_groove_a_file_or_a_candidate(qtbot, view):
    s = view.surface
    assert s.nearest_corner(at(s, 0.9, 0.8).x(), at(s, 0.9, 0.8).y()) == 3
    view.pad.studio.generate_candidates(2)
    actions = {a.text(): a for a in view.corner_menu(3).actions()}
    assert list(actions) == ["The groove", "A new sample", "A MIDI file…", "Candidate 1", "Candidate 2"]
    actions["A MIDI file…"].trigger()
    assert view.pad.corners[3].label == "file" and view.pad.corners[3].pattern.hits[..., 8].any()
    view.corner_menu(0).actions()[3].trigger()
    assert view.pad.corners[0] is view.pad.studio.candidates[0]
    assert not view.grab().isNull()  # thumbnails drawn, empty corners numbered


def test_the_buttons_turn_the_pad_on_and_record_and_play_a_path(qtbot, view):
    s = view.surface
    qtbot.mouseClick(view.on_button, Qt.MouseButton.LeftButton)
    assert not view.pad.live and not view.on_button.isChecked()  # no corners yet: refused, unchecked again
    fill_with_classes(view.pad.studio)
    qtbot.mouseClick(view.on_button, Qt.MouseButton.LeftButton)
    assert view.pad.live and view.on_button.isChecked()
    assert not view.path_button.isEnabled()
    qtbot.mouseClick(view.record_button, Qt.MouseButton.LeftButton)
    qtbot.mousePress(s, Qt.MouseButton.LeftButton, pos=at(s, 0, 0))
    qtbot.mouseMove(s, at(s, 1, 1))
    qtbot.mouseRelease(s, Qt.MouseButton.LeftButton, pos=at(s, 1, 1))
    assert view.pad.recording and not view.grab().isNull()  # the path drawn as it is recorded
    qtbot.mouseClick(view.record_button, Qt.MouseButton.LeftButton)
    assert len(view.pad.path) == 2 and view.path_button.isEnabled()
    view.path_bars.setValue(4)
    qtbot.mouseClick(view.path_button, Qt.MouseButton.LeftButton)
    assert view.pad.playing_path and view.pad.path_bars == 4 and len(view.pad.positions()) == 4
    before = view.pad.studio.pattern
    qtbot.mouseClick(view.keep_button, Qt.MouseButton.LeftButton)
    assert view.pad.studio.session.take.label == "pad" and view.pad.studio.pattern != before
