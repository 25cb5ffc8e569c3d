"""Tap tempo without a window: taps in seconds, the tempo out."""

import pytest

from drummachine.live.tap_tempo import TapConfig, TapTempo


def taps(tempo: TapTempo, times):
    return [tempo.tap(t) for t in times]


def test_the_first_tap_says_nothing_the_second_gives_a_tempo():
    assert taps(TapTempo(), [10.0, 10.5]) == [None, 120.0]


def test_the_median_interval_sets_the_tempo_so_one_stray_tap_does_not_move_it():
    got = taps(TapTempo(), [0.0, 0.5, 1.0, 1.62, 2.0, 2.5])  # one tap 120 ms late
    assert got[-1] == 120.0


def test_a_pause_longer_than_the_reset_starts_a_new_count():
    tempo = TapTempo(TapConfig(reset_s=2.0))
    taps(tempo, [0.0, 0.5, 1.0])
    assert tempo.tap(5.0) is None and tempo.count == 1  # not averaged with the 120 BPM taps
    assert tempo.tap(5.6) == 100.0


def test_only_the_recent_intervals_count():
    tempo = TapTempo(TapConfig(intervals=3))
    got = taps(tempo, [0.0, 0.5, 1.0, 1.5, 1.9, 2.3, 2.7])  # 120 BPM, then 150
    assert got[-1] == 150.0


def test_the_tempo_stays_in_the_player_s_range():
    assert taps(TapTempo(), [0.0, 0.1])[-1] == 300.0  # 600 BPM taps: the top of the range
    assert taps(TapTempo(TapConfig(reset_s=5.0)), [0.0, 1.9])[-1] == pytest.approx(40.0)  # 31.6 BPM: the bottom


def test_a_tap_back_in_time_starts_again():
    tempo = TapTempo()
    taps(tempo, [5.0, 5.5])
    assert tempo.tap(1.0) is None and tempo.count == 1
