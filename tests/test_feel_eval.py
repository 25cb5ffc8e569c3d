"""The feel evaluation on held-out windows made of numbers: errors in MIDI units and ms, the baselines,
overlaps, swing and paired differences."""

import numpy as np
import pytest

from trainer.feel_eval import (HeldOut, evaluate_predictors, means_predictor, overlap, report_table, rules_predictor,
                               score, step_means, swing_offset)


def data(n=40, seed=0, late=0.0, swung=False):
    rng = np.random.default_rng(seed)
    hits = rng.random((n, 32, 9)) < 0.3
    velocity = np.where(hits, rng.integers(20, 120, hits.shape), 0).astype(float)
    offset = np.where(hits, rng.uniform(-0.1, 0.1, hits.shape) + late * (np.arange(32) % 2)[None, :, None], 0)
    return HeldOut(hits, velocity, offset, np.arange(n) // 4, np.full(n, 120.0), np.full(n, swung))


def test_errors_are_in_midi_units_and_milliseconds_at_the_files_tempo():
    d = data()
    s = score(d, d.velocity + 10 * d.hits, d.offset + 0.2 * d.hits, resamples=50)
    assert s.velocity_mae.value == pytest.approx(10)
    assert s.timing_mae_ms.value == pytest.approx(0.2 * 125)  # a 16th at 120 BPM is 125 ms
    assert set(s.per_class) == {"kick", "snare", "closed hat", "open hat", "low tom", "mid tom", "high tom",
                                "crash", "ride"}


def test_only_bar_two_is_scored():
    d = data()
    v = d.velocity.copy()
    v[:, :16] += 50  # errors on bar 1 do not count
    assert score(d, v, d.offset, resamples=20).velocity_mae.value == pytest.approx(0)


def test_the_means_baseline_learns_per_step_and_class_and_the_rules_ignore_the_data():
    d = data(late=0.2)
    v, o = step_means(d.hits, d.velocity, d.offset)
    assert o[1::2].mean() == pytest.approx(0.2, abs=0.02) and abs(o[::2].mean()) < 0.02
    pv, po = means_predictor((v, o))(d.hits, d.bpm)
    assert pv.shape == d.hits.shape and (rules_predictor(d.hits, d.bpm)[1] == 0).all()


def test_overlap_is_one_for_the_same_values_and_zero_for_disjoint_ones():
    a = np.linspace(0, 127, 500)
    assert overlap(a, a, np.arange(0, 136, 8)) == pytest.approx(1)
    assert overlap(np.full(10, 10.0), np.full(10, 100.0), np.arange(0, 136, 8)) == 0


def test_swing_is_the_mean_offset_of_the_off_16ths_on_swung_files_only():
    d = data(late=0.25, swung=True)
    assert swing_offset(d, d.offset, resamples=20).value == pytest.approx(0.25, abs=0.02)
    assert swing_offset(data(swung=False), data().offset, resamples=20) is None


def test_the_report_has_paired_differences_that_tell_a_better_predictor_from_the_baseline():
    d = data(n=80, late=0.2)
    means = means_predictor(step_means(d.hits, d.velocity, d.offset))
    truth = lambda hits, bpm: (d.velocity, d.offset)  # noqa: E731  a perfect predictor
    report = evaluate_predictors(d, {"means": means, "perfect": truth, "rules": rules_predictor}, resamples=100,
                                 baseline="means")
    diff = report["predictors"]["perfect"]["minus_baseline"]["velocity_mae"]
    assert diff["high"] < 0  # the perfect predictor is better, and the interval says so
    assert "Paired differences from means" in report_table(report)
