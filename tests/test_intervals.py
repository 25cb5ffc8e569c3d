"""Intervals by resampling files, and the groove report built on them."""

import numpy as np
import pytest

from trainer.groove_report import build_report, loop_first_bar, loop_most_common_bar
from trainer.intervals import difference_estimate, drummer_of, ratio_estimate


def test_an_estimate_from_one_file_has_no_width_and_many_files_bracket_the_value():
    one = ratio_estimate([3, 5], [10, 10], ["a", "a"])
    assert (one.value, one.low, one.high) == (0.4, 0.4, 0.4)
    rng = np.random.default_rng(0)
    files = np.repeat(np.arange(40), 25)
    correct = rng.random(1000) < np.repeat(rng.uniform(0.3, 0.7, 40), 25)
    est = ratio_estimate(correct, np.ones(1000), files)
    assert est.low < est.value < est.high
    assert 0.05 < est.high - est.low < 0.3


def test_files_not_windows_are_resampled():
    """Ten files whose 100 windows each agree within the file: the interval must be as wide as ten draws give,
    not as narrow as 1,000 independent windows would."""
    files = np.repeat(np.arange(10), 100)
    per_file = np.array([0, 1] * 5, float)
    est = ratio_estimate(np.repeat(per_file, 100), np.ones(1000), files)
    assert est.high - est.low > 0.4


def test_a_difference_whose_interval_spans_zero_is_no_result():
    rng = np.random.default_rng(1)
    files = np.repeat(np.arange(20), 10)
    a, b = rng.random(200), rng.random(200)
    d = difference_estimate(a, b, np.ones(200), files)
    assert d.low < 0 < d.high


def test_the_drummer_is_the_top_folder():
    assert drummer_of("drummer3/session1/12_funk_100_beat_4-4.mid") == "drummer3"
    assert drummer_of("loose.mid") == "(top)"


def test_loop_baselines():
    bars = np.array([[1] * 16, [2] * 16, [2] * 16, [3] * 16])
    tokens = bars.reshape(1, -1)
    assert (loop_first_bar(tokens).reshape(4, 16) == 1).all()
    assert (loop_most_common_bar(tokens).reshape(4, 16) == 2).all()


def test_a_perfect_rebuild_beats_every_baseline_in_the_report():
    rng = np.random.default_rng(2)
    tokens = rng.integers(0, 8, size=(30, 64))  # 4-bar windows of kick/snare/hat tokens
    files = np.repeat(np.arange(10), 3)
    names = [f"drummer{i % 2}/f{i}.mid" for i in range(10)]
    rebuild = {"teacher_forced_correct": np.full(30, 64), "rebuilt": tokens, "mu": None, "sigma": None}
    report = build_report("perfect", tokens, files, names, rebuild)
    assert report.accuracy["free-running"].value == 1.0
    assert report.margin["free-running"].low > 0
    assert report.hit_f1["free-running"]["kick"].value == 1.0
    assert set(report.per_drummer) == {"drummer0", "drummer1"}
    assert report.structure["distinct bars"]["real"].value == pytest.approx(report.structure["distinct bars"]["rebuilt"].value)
    assert "loop most common bar" in report.table()
