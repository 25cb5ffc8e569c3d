"""Filling a morph slot from a MIDI file: the read happens on the worker, and a bad file becomes a notice."""

import pytest

pytest.importorskip("pytestqt")

from drummachine.midi.reader import read_groove  # noqa: E402
from midi_builders import drum_file, groove_notes, save  # noqa: E402
from test_gui import wait_idle, window  # noqa: E402,F401 - the window fixture, shared


def test_a_large_slot_file_is_read_off_the_gui_thread(qtbot, window, tmp_path):  # noqa: F811
    path = save(drum_file(groove_notes(2000)), tmp_path / "long.mid")
    assert path.stat().st_size > 150_000
    before = window.session.slot_b
    window.fill_slot("B", "file", path)
    # Back before the file is read: a worker's result reaches the slot only through this thread's event loop.
    assert window.session.slot_b is before
    wait_idle(qtbot, window)
    assert window.session.slot_b.pattern == read_groove(path)


def test_a_bad_slot_file_shows_a_notice_naming_it(qtbot, window, tmp_path):  # noqa: F811
    good = save(drum_file(groove_notes(2)), tmp_path / "good.mid").read_bytes()
    path = tmp_path / "cut.mid"
    path.write_bytes(good[:-20])
    before = window.session.slot_b
    window.fill_slot("B", "file", path)
    wait_idle(qtbot, window)
    message = window.statusBar().currentMessage()
    assert f"{path}: damaged MIDI data: track 2 is cut short" in message
    assert window.session.slot_b is before
