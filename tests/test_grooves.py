"""Musical figures over grooves, checked on hand-made patterns with hand-computed answers."""

import numpy as np
import pytest

from trainer import grooves as g

KICK, SNARE, HAT = 0, 1, 2


def rock(bars: int = 4) -> np.ndarray:
    """Kick on 1 and 3, snare on 2 and 4, closed hat on every 8th: 4 + 8 = 12 hits a bar."""
    bar = np.zeros((16, 9), bool)
    bar[[0, 8], KICK] = True
    bar[[4, 12], SNARE] = True
    bar[::2, HAT] = True
    return np.repeat(bar[None], bars, axis=0)


def test_a_rock_beat_has_twelve_hits_a_bar_and_a_full_backbeat():
    assert g.hits_per_bar(rock())[0] == 12
    assert g.backbeat_share(rock())[0] == 1.0
    assert g.class_rate(rock(), HAT)[0] == 0.5


def test_a_loop_repeats_every_bar_and_has_one_distinct_bar():
    assert g.repeat_share(rock())[0] == 1.0
    assert g.distinct_bars(rock())[0] == 1
    assert g.lag_distance(rock(), 1)[0] == 0


def test_lag_distance_counts_the_cells_that_change():
    x = rock(4)
    x[1, 3, KICK] = True  # bar 2 adds one kick: bars 1-2 and 2-3 differ by one cell, 3-4 by none
    assert g.lag_distance(x, 1)[0] == pytest.approx(2 / 3)
    assert g.distinct_bars(x)[0] == 2
    assert g.repeat_share(x)[0] == pytest.approx(1 / 3)


def test_weak_to_strong_ratio_of_the_rock_beat():
    # on the beats (steps 0, 4, 8, 12): 2 kicks, 2 snares, 4 hats = 8; off the beats: 4 hats
    assert g.weak_to_strong(rock(1))[0] == pytest.approx(4 / 9)


def test_an_onset_before_a_silent_downbeat_syncopates():
    x = np.zeros((1, 16, 9), bool)
    x[0, 0, KICK] = True  # weight 0, then silence to the end: the next downbeat is no stronger
    assert g.syncopation(x)[0] == 0
    x[0, 15, SNARE] = True  # the last 16th (weight -4) held over the next bar's downbeat (0): 4
    assert g.syncopation(x)[0] == 4
    x[0, 6, HAT] = True  # step 6 (weight -3) held over step 8 (weight -1): 2 more
    assert g.syncopation(x)[0] == 6


def test_hamming_to_nearest_finds_the_closest_reference_bar():
    ref = rock(1)
    q = rock(2)
    q[1, 1, KICK] = True
    q[1, 2, KICK] = True
    assert list(g.hamming_to_nearest(q, ref)) == [0, 2]


def test_a_steady_morph_and_a_jumpy_one():
    a = np.zeros((1, 16, 9), bool)
    path = [a.copy()]
    for i in range(4):  # one new cell a step
        nxt = path[-1].copy()
        nxt[0, i, KICK] = True
        path.append(nxt)
    m = g.morph_smoothness(np.stack(path))
    assert m == {"largest_step_share": 0.25, "path_over_direct": 1.0}
    jumpy = np.stack([path[0], path[4], path[0], path[4]])  # there, back and there again
    m = g.morph_smoothness(jumpy)
    assert m["path_over_direct"] == 3.0 and m["largest_step_share"] == pytest.approx(1 / 3)


def test_f1_per_class_from_hit_counts():
    true = rock(1)
    pred = true.copy()
    pred[0, 4, SNARE] = False  # one snare missed of two
    pred[0, 5, SNARE] = True  # and one put where there is none
    f1 = g.f1_from_counts(g.hit_counts(true, pred))
    assert f1[KICK] == 1.0 and f1[SNARE] == pytest.approx(0.5)


def test_feature_agreement_is_high_for_the_same_distribution_and_low_for_a_collapsed_one():
    rng = np.random.default_rng(0)
    real = rng.normal(10, 2, 2000)
    same = g.feature_agreement(real, rng.normal(10, 2, 2000))
    collapsed = g.feature_agreement(real, np.full(2000, 10.0) + rng.normal(0, 0.01, 2000))
    assert same["overlap"] > 0.9 and same["kl"] < 0.05
    assert collapsed["overlap"] < 0.3


def test_distance_to_others_compares_grooves_of_other_files_only():
    a, b = np.zeros((2, 16, 9), bool), np.zeros((2, 16, 9), bool)
    b[:, :4, 0] = True  # b differs from a in 4 cells a bar
    hits = np.stack([a, a, b])
    # the two a's are one file's windows: each is compared with b alone, and b with the a's
    assert g.distance_to_others(hits, np.array([0, 0, 1])).tolist() == [4.0, 4.0, 4.0]
    # as three independent grooves, an a is as far from the other a (0) as from b (4) on average
    assert g.distance_to_others(hits, np.arange(3), others=2).tolist() == [2.0, 2.0, 4.0]
    # a groove with no other file beside it has no distance
    assert np.isnan(g.distance_to_others(hits[:2], np.array([0, 0]))).all()


def test_diversity_resamples_whole_files_and_never_pairs_two_windows_of_one():
    a, b = np.zeros((2, 16, 9), bool), np.zeros((2, 16, 9), bool)
    b[:, :4, 0] = True
    hits = np.stack([a, a, a, b, b])  # two files: three windows of a, two of b
    spread = g.diversity_resampled(hits, np.array([0, 0, 0, 1, 1]), resamples=50)
    drawn = spread[~np.isnan(spread)]  # a resample of one file twice has no pair of two files: NaN
    assert len(drawn) > 10 and np.all(drawn == 4.0)
