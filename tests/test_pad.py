"""The 4-corner pad's maths without a model: corner mixes, paths in bars, and their session data."""

import math

import numpy as np
import pytest

from drummachine.groove.pad import (PadPath, PadPoint, PathRecorder, PriorFrame, bilinear_weights, corner_at, mix,
                                    parse_points, shape_path)

CODES = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [-0.6, 0.0, -0.8]])  # unit, none opposite


def test_bilinear_weights_are_area_shares_that_sum_to_one():
    assert np.allclose(bilinear_weights(0.25, 0.5), [0.375, 0.125, 0.375, 0.125])
    assert np.allclose(bilinear_weights(0, 0), [1, 0, 0, 0]) and np.allclose(bilinear_weights(1, 1), [0, 0, 0, 1])
    with pytest.raises(ValueError, match="between 0 and 1"):
        bilinear_weights(1.5, 0)
    with pytest.raises(ValueError, match="between 0 and 1"):
        bilinear_weights(float("nan"), 0)


@pytest.mark.parametrize("how", ["slerp", "bilinear"])
def test_each_corner_of_the_pad_is_its_own_code(how):
    for i, (x, y) in enumerate([(0, 0), (1, 0), (0, 1), (1, 1)]):
        assert np.allclose(mix(CODES, x, y, how), CODES[i], atol=1e-6)


def test_the_slerp_mix_keeps_unit_codes_on_the_sphere_where_the_bilinear_mix_shrinks_them():
    """Top edge: a quarter circle from e1 to e2; its middle is (1, 1)/sqrt 2, length 1, where the average is 0.71."""
    assert np.allclose(mix(CODES, 0.5, 0, "slerp"), [math.sqrt(0.5), math.sqrt(0.5), 0], atol=1e-6)
    assert np.allclose(mix(CODES, 0.5, 0, "bilinear"), [0.5, 0.5, 0])
    rng = np.random.default_rng(1)
    for x, y in rng.random((20, 2)):
        assert np.linalg.norm(mix(CODES, x, y, "slerp")) == pytest.approx(1.0, abs=1e-5)
    assert np.linalg.norm(mix(CODES, 0.5, 0.5, "bilinear")) == pytest.approx(0.25 * math.sqrt(0.4**2 + 1 + 0.2**2))


def test_the_slerp_mix_is_round_in_the_priors_frame():
    """A prior stretched 10x along axis 0 and shifted: codes at whitened length 1 stay at whitened length 1."""
    frame = PriorFrame(np.array([3.0, -1.0, 0.5]), np.diag([10.0, 1.0, 1.0]))
    codes = frame.colour(CODES)
    for x, y in [(0.5, 0.5), (0.2, 0.9), (1, 0.3)]:
        z = mix(codes, x, y, "slerp", frame)
        assert np.linalg.norm(frame.whiten(z[None])[0]) == pytest.approx(1.0, abs=1e-5)
    assert np.allclose(mix(codes, 1, 1, "slerp", frame), codes[3], atol=1e-5)


def test_a_mix_refuses_what_is_not_four_codes_or_a_known_mix():
    with pytest.raises(ValueError, match="4 corner codes"):
        mix(CODES[:3], 0.5, 0.5)
    with pytest.raises(ValueError, match="slerp, bilinear"):
        mix(CODES, 0.5, 0.5, "cubic")


def test_only_a_position_on_a_corner_is_that_corner():
    assert [corner_at(*p) for p in [(0, 0), (1, 0), (0, 1), (1, 1)]] == [0, 1, 2, 3]
    assert corner_at(0.001, 0) is None and corner_at(0.5, 0.5) is None


def test_a_path_is_where_the_dot_was_between_its_points():
    path = PadPath((PadPoint(0, 0, 0), PadPoint(2, 1, 0), PadPoint(4, 1, 1)))
    assert path.duration == 4
    assert path.at(1) == (0.5, 0) and path.at(3) == (1, 0.5)
    assert path.at(-1) == (0, 0) and path.at(9) == (1, 1)  # before its start and after its end: there


def test_a_path_stretched_over_n_bars_plays_its_start_first_and_its_end_last():
    path = PadPath((PadPoint(0, 0, 0), PadPoint(2, 1, 0), PadPoint(4, 1, 1)))
    assert path.per_bar(5) == [(0, 0), (0.5, 0), (1, 0), (1, 0.5), (1, 1)]
    assert path.per_bar(3) == [(0, 0), (1, 0), (1, 1)]
    assert path.per_bar(1) == [(0, 0)]
    with pytest.raises(ValueError, match="1 bar or more"):
        path.per_bar(0)


def test_a_path_recorded_while_dragging_keeps_its_times_in_bars_at_the_tempo():
    """At 120 BPM a bar is 2 s: moves at 10.0, 11.0 and 14.0 s are at bars 0, 0.5 and 2."""
    times = iter([10.0, 11.0, 14.0])
    rec = PathRecorder(120 / 240, lambda: next(times))
    rec.add(0, 0)
    rec.add(0.5, 0.5)
    rec.add(1, 1)
    assert rec.path().points == (PadPoint(0, 0, 0), PadPoint(0.5, 0.5, 0.5), PadPoint(2, 1, 1))


def test_a_path_goes_to_plain_data_and_back_and_damaged_data_says_what_is_wrong():
    path = PadPath.through([(0, 0), (0.25, 0.75), (1, 1)])
    data = path.to_dict()
    assert data == {"points": [[0.0, 0.0, 0.0], [1.0, 0.25, 0.75], [2.0, 1.0, 1.0]]}
    assert PadPath.from_dict(data) == path
    with pytest.raises(ValueError, match=r"\[bars, x, y\]"):
        PadPath.from_dict({"points": [[0, "a", 0]]})
    with pytest.raises(ValueError, match="time order"):
        PadPath.from_dict({"points": [[1, 0, 0], [0, 0, 0]]})
    with pytest.raises(ValueError, match="between 0 and 1"):
        PadPath.from_dict({"points": [[0, 2, 0]]})
    with pytest.raises(ValueError, match="mapping"):
        PadPath.from_dict([1, 2])


def test_named_shapes_have_a_point_per_bar_and_go_where_they_say():
    square = shape_path("square", 5)
    assert [(p.x, p.y) for p in square.points] == [(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)]
    circle = shape_path("circle", 5)
    assert [(round(p.x, 6), round(p.y, 6)) for p in circle.points] == [(0.5, 0), (1, 0.5), (0.5, 1), (0, 0.5),
                                                                        (0.5, 0)]
    assert [p.t for p in circle.points] == [0, 1, 2, 3, 4]
    assert shape_path("diagonal", 3).per_bar(3) == [(0, 0), (0.5, 0.5), (1, 1)]
    with pytest.raises(ValueError, match="circle, square"):
        shape_path("spiral", 4)


def test_points_from_the_command_line():
    assert parse_points("0,0 1,0;0.5,0.25") == [(0, 0), (1, 0), (0.5, 0.25)]
    with pytest.raises(ValueError, match="not '1,2,3'"):
        parse_points("0,0 1,2,3")
    with pytest.raises(ValueError, match="not '2,0'"):
        parse_points("2,0")
    with pytest.raises(ValueError, match="at least one"):
        parse_points("  ")
