"""How the grid reads a drag or the wheel on a hit: pure functions, no window."""

from drummachine.gui.grid import DRAG_SLOP_PX, beat_of, drag_gesture, dragged_velocity, wheeled_velocity


def test_a_small_move_is_still_a_click():
    assert drag_gesture(True, DRAG_SLOP_PX - 1, -(DRAG_SLOP_PX - 1)) is None


def test_up_or_down_from_a_hit_is_velocity_sideways_or_from_an_empty_cell_paints():
    assert drag_gesture(True, 2, -10) == "velocity"
    assert drag_gesture(True, 2, 10) == "velocity"
    assert drag_gesture(True, 12, -5) == "paint"
    assert drag_gesture(False, 0, -30) == "paint"  # a column painted from an empty cell


def test_dragging_up_is_louder_one_step_per_pixel_and_stays_in_1_to_127():
    assert dragged_velocity(82, -36) == 118  # 36 px up: 82 becomes 118
    assert dragged_velocity(82, 20) == 62
    assert dragged_velocity(120, -50) == 127 and dragged_velocity(10, 50) == 1


def test_the_wheel_moves_8_a_notch_or_1_with_shift():
    assert wheeled_velocity(100, 1) == 108 and wheeled_velocity(100, -2) == 84
    assert wheeled_velocity(100, 1, fine=True) == 101
    assert wheeled_velocity(125, 1) == 127 and wheeled_velocity(3, -1) == 1


def test_beats_begin_at_steps_1_5_9_13():
    assert [s + 1 for s in range(16) if beat_of(s)] == [1, 5, 9, 13]
