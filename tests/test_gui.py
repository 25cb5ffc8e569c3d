"""The window, driven like a musician would, offscreen (QT_QPA_PLATFORM=offscreen)."""

import time

import numpy as np
import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import QPoint, Qt  # noqa: E402

from drummachine.gui.app import create_window  # noqa: E402
from drummachine.midi.reader import read_drum_midi  # noqa: E402
from drummachine.groove.pattern import Pattern  # noqa: E402
from jack_server import Recorder, jack_available  # noqa: E402


@pytest.fixture
def window(qtbot, tiny_model, tmp_path):
    w = create_window(tiny_model, tmp_path / "config", api=None)
    qtbot.addWidget(w)
    w.show()
    wait_idle(qtbot, w)
    yield w
    w.close()


def wait_idle(qtbot, w, timeout=10000):
    qtbot.waitUntil(lambda: w.pending == 0, timeout=timeout)


def click_cell(qtbot, w, step, cls):
    r = w.grid.cell_rect(step, cls)
    qtbot.mouseClick(w.grid, Qt.MouseButton.LeftButton, pos=QPoint(int(r.center().x()), int(r.center().y())))


def test_the_window_opens_with_a_groove(window):
    assert window.session.pattern.hits.any()
    assert "model tiny" in window.statusBar().currentMessage()


def test_clicking_cells_edits_the_pattern_and_undo_takes_it_back(qtbot, window):
    before = window.session.pattern
    on = not before.hits[0, 3, 5]
    click_cell(qtbot, window, 3, 5)
    assert window.session.pattern.hits[0, 3, 5] == on
    assert (window.grid.velocities[3, 5] > 0) == on
    click_cell(qtbot, window, 3, 5)
    assert window.session.pattern.hits[0, 3, 5] != on
    window.undo()
    window.undo()
    assert window.session.pattern == before


def test_dragging_paints_a_row(qtbot, window):
    window.session.commit(window.session.take.__class__(Pattern.empty(2)))
    window.refresh()
    points = [window.grid.cell_rect(s, 1).center() for s in range(4)]
    qtbot.mousePress(window.grid, Qt.MouseButton.LeftButton, pos=points[0].toPoint())
    for p in points[1:]:
        qtbot.mouseMove(window.grid, p.toPoint())
    qtbot.mouseRelease(window.grid, Qt.MouseButton.LeftButton, pos=points[-1].toPoint())
    assert window.session.pattern.hits[0, :4, 1].all() and window.session.pattern.hits.sum() == 4


def test_generate_changes_the_grid_and_the_seed(qtbot, window):
    before, seed_before = window.session.pattern, window.seed.value()
    qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert window.session.pattern != before
    assert window.seed.value() == window.session.take.seed != seed_before
    assert np.array_equal(window.grid.velocities, window.session.pattern.velocities[window.session.view_bar])
    assert "last generation" in window.statusBar().currentMessage()


def test_a_fixed_seed_gives_the_same_groove(qtbot, window):
    window.fixed_seed.setChecked(True)
    window.seed.setValue(1234)
    window.generate()
    wait_idle(qtbot, window)
    first = window.session.pattern
    window.generate()
    wait_idle(qtbot, window)
    assert window.session.pattern == first


def test_locked_instruments_keep_their_hits_through_generate(qtbot, window):
    keep = window.session.pattern
    r = window.grid.flag_rect("lock", 0)
    qtbot.mouseClick(window.grid, Qt.MouseButton.LeftButton, pos=r.center().toPoint())
    assert window.session.settings.locked == [0]
    window.generate()
    wait_idle(qtbot, window)
    assert np.array_equal(window.session.pattern.velocities[..., 0], keep.velocities[..., 0])


def test_the_window_answers_while_a_sample_decodes(qtbot, window):
    slow = window.engine.sample

    def sample(*args, **kw):
        time.sleep(0.8)
        return slow(*args, **kw)

    window.engine.sample = sample
    window.generate()
    assert window.pending == 1
    started = time.perf_counter()
    click_cell(qtbot, window, 0, 8)  # handled at once, while the generation runs
    assert time.perf_counter() - started < 0.3
    assert window.session.take.label == "edit" and window.pending == 1
    wait_idle(qtbot, window)
    assert window.session.take.label == "sample"


def test_the_morph_slider_shows_a_at_0_and_b_at_1(qtbot, window):
    window.fill_slot("A", "current")
    wait_idle(qtbot, window)
    a = window.session.slot_a.pattern
    window.fill_slot("B", "sample")
    wait_idle(qtbot, window)
    b = window.session.slot_b.pattern
    assert a != b
    window.morph_slider.setValue(100)
    wait_idle(qtbot, window)
    assert window.session.pattern == b
    window.morph_slider.setValue(50)
    wait_idle(qtbot, window)
    assert window.session.take.label == "morph"
    window.morph_slider.setValue(0)
    wait_idle(qtbot, window)
    assert window.session.pattern == a
    assert np.array_equal(window.grid.velocities, a.velocities[window.session.view_bar])


def test_a_groove_from_a_file_fills_a_slot(qtbot, window, tmp_path):
    path = tmp_path / "mine.mid"
    assert window.export(path)
    window.fill_slot("B", "file", path)
    wait_idle(qtbot, window)
    assert window.session.slot_b.pattern == read_drum_midi(path).as_pattern()
    assert window.session.slot_b.z is not None


def test_export_writes_a_clip_that_reads_back_equal(window, tmp_path):
    path = tmp_path / "out.mid"
    assert window.export(path)
    assert read_drum_midi(path).spans == [window.session.pattern]
    assert not window.export(tmp_path / "missing-folder" / "x.mid")
    assert "does not exist" in window.statusBar().currentMessage()


def test_the_drag_clip_is_a_real_midi_file(window):
    path = window.make_temp_clip()
    assert read_drum_midi(path).spans == [window.session.pattern]


def test_bar_count_and_bar_strip(qtbot, window):
    window.bars.setCurrentText("4")
    assert window.session.pattern.bars == 4 and window.strip.bars == 4
    window._show_bar(3)
    assert np.array_equal(window.grid.velocities, window.session.pattern.velocities[3])


def test_the_session_comes_back_in_a_new_window(qtbot, window, tiny_model, tmp_path):
    click_cell(qtbot, window, 7, 7)
    window.fill_slot("A", "current")
    wait_idle(qtbot, window)
    window.bpm.setValue(133)
    window.save_session()
    again = create_window(tiny_model, tmp_path / "config", api=None)
    qtbot.addWidget(again)
    assert again.session.pattern == window.session.pattern
    assert again.session.slot_a.pattern == window.session.slot_a.pattern
    assert again.bpm.value() == 133
    again.undo()
    assert again.session.pattern.hits[0, 7, 7] != window.session.pattern.hits[0, 7, 7]


def test_a_damaged_session_file_is_set_aside(qtbot, tiny_model, tmp_path):
    config = tmp_path / "config"
    config.mkdir()
    (config / "session.json").write_text("{ not json")
    w = create_window(tiny_model, config, api=None)
    qtbot.addWidget(w)
    assert len(list(config.glob("session.json.damaged-*"))) == 1
    assert "could not be read" in w.statusBar().currentMessage()


def test_a_missing_model_still_opens_the_window(qtbot, tmp_path):
    w = create_window(tmp_path / "no-model", tmp_path / "config", api=None)
    qtbot.addWidget(w)
    assert w.engine is None and not w.generate_button.isEnabled()
    assert "model not loaded" in w.statusBar().currentMessage()


@pytest.mark.skipif(not jack_available(), reason="jackd not installed")
def test_play_and_stop_drive_the_player_and_the_playhead_moves(qtbot, jack, tiny_model, tmp_path):
    w = create_window(tiny_model, tmp_path / "config", api="jack")
    qtbot.addWidget(w)
    w.show()
    w.activateWindow()
    qtbot.waitExposed(w)
    wait_idle(qtbot, w)
    w.bpm.setValue(240)
    rec = Recorder(tmp_path)
    qtbot.keyClick(w, Qt.Key.Key_Space)
    assert w.player.playing and w.play_button.text().startswith("■")
    seen = set()
    qtbot.waitUntil(lambda: seen.add(w.grid.playhead) or len(seen - {-1}) >= 6, timeout=5000)
    qtbot.wait(600)
    qtbot.keyClick(w, Qt.Key.Key_Space)
    assert not w.player.playing and w.grid.playhead == -1
    qtbot.wait(150)
    got = rec.stop()
    notes = [m for m in got if m["msg"][0] == 0x99 and m["msg"][2] > 0]
    assert notes and 0xFA in [m["msg"][0] for m in got] and 0xFC in [m["msg"][0] for m in got]
    assert "Drum Machine" in w.statusBar().currentMessage()
    w.close()


def test_the_morph_slider_moves_steadily_and_the_live_morph_clip_is_what_plays(qtbot, window):
    window.fill_slot("A", "current")
    wait_idle(qtbot, window)
    window.fill_slot("B", "sample")
    wait_idle(qtbot, window)
    a, b = window.session.slot_a.pattern, window.session.slot_b.pattern
    differ = int((a.hits != b.hits).sum())
    turned = []
    for value in (25, 50, 75):
        window.morph_slider.setValue(value)
        wait_idle(qtbot, window)
        turned.append(int((window.session.pattern.hits != a.hits).sum()))
    assert turned == [round(differ * t) for t in (0.25, 0.5, 0.75)]  # an even share, never back and forth
    window.morph_bars.setValue(6)
    window.morph_over.setChecked(True)
    clip = window.clip_patterns()
    assert len(clip) == 1 and clip[0].bars == 6
    assert clip[0].bar_slice(0, 1) == a.bar_slice(0, 1)


def test_the_window_s_number_boxes_take_the_ranges_of_the_limits_table(window):
    from drummachine import limits

    for box, of in ((window.bpm, limits.BPM), (window.swing, limits.SWING), (window.temperature, limits.TEMPERATURE),
                    (window.amount, limits.VARIATION_AMOUNT), (window.channel, limits.CHANNEL),
                    (window.morph_bars, limits.MORPH_BARS), (window.seed, limits.SEED)):
        assert (box.minimum(), box.maximum()) == (of.low, of.high)


def test_space_and_g_work_from_launch_and_after_typing_a_number(qtbot, window):
    window.activateWindow()
    qtbot.waitExposed(window)
    assert window.focusWidget() is window.grid  # not the temperature box
    box = window.temperature
    qtbot.mouseClick(box.lineEdit(), Qt.MouseButton.LeftButton)
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), "1.20")
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)
    assert box.value() == pytest.approx(1.2) and window.session.settings.temperature == pytest.approx(1.2)
    assert window.focusWidget() is window.grid
    qtbot.keyClick(window.grid, Qt.Key.Key_Space)
    assert window.studio.playing and box.value() == pytest.approx(1.2)
    qtbot.keyClick(window.grid, Qt.Key.Key_Space)
    assert not window.studio.playing


def test_candidates_show_as_thumbnails_click_to_hear_double_click_to_keep(qtbot, window):
    window.candidate_count.setValue(3)
    qtbot.mouseClick(window.candidates_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    strip = window.candidate_strip
    assert len(strip.hits) == 3
    centre = strip._rect(1).center().toPoint()
    qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=centre)
    assert window.studio.auditioning == 1 and strip.selected == 1
    qtbot.mouseDClick(strip, Qt.MouseButton.LeftButton, pos=centre)
    assert window.session.pattern == window.studio.candidates[1].pattern


def test_dragging_a_hit_up_makes_it_louder_and_the_wheel_too(qtbot, window):
    window.session.commit(window.session.take.__class__(Pattern.empty(1).with_hit(0, 4, 1, 82)))
    window.refresh()
    centre = window.grid.cell_rect(4, 1).center().toPoint()
    qtbot.mousePress(window.grid, Qt.MouseButton.LeftButton, pos=centre)
    for dy in (2, 10, 20, 36):
        qtbot.mouseMove(window.grid, centre - QPoint(0, dy))
    qtbot.mouseRelease(window.grid, Qt.MouseButton.LeftButton, pos=centre - QPoint(0, 36))
    assert window.session.pattern.velocities[0, 4, 1] == 118 and window.grid.velocities[4, 1] == 118
    assert window.session.pattern.hits.sum() == 1  # a velocity drag paints nothing
    assert "velocity 118" in window.grid.tip_at(centre.x(), centre.y())
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QWheelEvent

    wheel = QWheelEvent(QPointF(centre), QPointF(window.grid.mapToGlobal(centre)), QPoint(0, 0), QPoint(0, -120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    window.grid.wheelEvent(wheel)
    assert window.session.pattern.velocities[0, 4, 1] == 110
    window.undo()
    assert window.session.pattern.velocities[0, 4, 1] == 82


def fill_slots(qtbot, window):
    """Slot A from the groove shown, slot B from a new sample."""
    window.fill_slot("A", "current")
    wait_idle(qtbot, window)
    window.fill_slot("B", "sample")
    wait_idle(qtbot, window)


def test_the_live_morph_shows_the_bar_that_sounds_and_how_far_it_has_come(qtbot, window):
    fill_slots(qtbot, window)
    window.morph_bars.setValue(8)
    window.morph_over.setChecked(True)
    window.toggle_play()
    assert window.studio.playing
    window._on_step(3, 4)  # the player's callback: bar 4 of the morph, step 5
    sounding = window.studio.morph_bar(3)
    assert np.array_equal(window.grid.velocities, sounding.velocities[0]) and window.grid.read_only
    assert window.grid.caption == "morph 4/8" and window.grid.playhead == 4
    assert "morph bar 4/8 → B" in window.morph_label.text()
    assert window.morph_slider.value() == round(100 * 3 / 7)
    assert window.session.take.label != "morph"  # the slider followed; it made no groove
    window.toggle_play()
    assert not window.grid.read_only and window.strip.playing == -1


def test_the_pad_tab_plays_the_pad_and_the_grid_shows_the_bar_it_plays(qtbot, window):
    tabs = [window.panels.tabText(i) for i in range(window.panels.count())]
    assert tabs == ["Morph", "Feel and knobs", "MIDI and sound", "Pad"] and window.pad_widget.pad is window.studio.pad
    for corner in range(4):
        window.studio.pad.fill_corner(corner, "sample")
    wait_idle(qtbot, window)
    window.pad_widget.on_button.click()
    assert window.studio.pad.live and window.pad_widget.on_button.isChecked()
    window.toggle_play()
    window._on_step(5, 2)  # the player's callback: the pad's bar 6 (of its 2-bar loop, the second), step 3
    sounding = window.studio.pad.bar(5)
    assert np.array_equal(window.grid.velocities, sounding.velocities[0]) and window.grid.read_only
    assert window.grid.caption == "pad" and window.strip.playing == 1
    assert window.clip_patterns() == [window.studio.pad.performance()]
    window.toggle_play()
    assert not window.grid.read_only


def test_the_morph_label_follows_undo_not_the_slider(qtbot, window):
    fill_slots(qtbot, window)
    window.morph_slider.setValue(100)
    wait_idle(qtbot, window)
    assert window.morph_label.text() == "B"
    click_cell(qtbot, window, 2, 6)
    assert window.morph_label.text() == "the groove shown is not on the morph"
    window.undo()
    assert window.morph_label.text() == "B"


def test_the_bar_playing_stays_marked_when_another_bar_is_shown(qtbot, window):
    window.bars.setCurrentText("4")
    window.toggle_play()
    window._on_step(2, 7)
    assert window.session.view_bar == 2 and window.grid.playhead == 7  # following
    window.strip.bar_chosen.emit(0)
    assert not window.follow.isChecked() and window.session.view_bar == 0
    window._on_step(3, 1)
    assert window.grid.playhead == -1 and (window.strip.playing, window.strip.playing_step) == (3, 1)
    window.toggle_play()


@pytest.mark.parametrize("size", [(960, 640), (1024, 700), (1280, 800)])
def test_the_window_is_usable_at_960x640_nothing_cut_off_squeezed_or_overlapping(qtbot, window, size):
    from window_layout import layout_problems

    hint = window.minimumSizeHint()
    assert hint.width() <= 960 and hint.height() <= 640
    window.resize(*size)
    qtbot.waitUntil(lambda: window.size().toTuple() == size)
    assert layout_problems(window) == []


def test_tap_tempo_from_the_button_and_the_t_key(qtbot, window):
    window.activateWindow()
    qtbot.waitExposed(window)
    qtbot.mouseClick(window.tap_button, Qt.MouseButton.LeftButton)
    qtbot.wait(400)
    qtbot.keyClick(window.grid, Qt.Key.Key_T)
    assert 60 < window.bpm.value() < 300 and window.bpm.value() == window.session.settings.bpm != 120


def test_the_clock_list_offers_our_clock_link_and_a_daw_s_clock_ports(window):
    items = [window.sync.itemData(i) for i in range(window.sync.count())]
    assert items[:2] == [("internal", None), ("link", None)]  # no MIDI system here: no clock ports
    assert window.sync.currentText() == "own clock"
    assert "likeliest hits for the code drawn" in window.temperature.toolTip()
