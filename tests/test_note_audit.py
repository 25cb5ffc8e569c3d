"""The soak's note audit: which notes a take should have sent, counted against those that arrived."""

import numpy as np
from note_audit import CLOCK, START, STOP, Expectation, audit_take, notes_after_stop, one_take

GM = (36, 38, 42, 46, 45, 48, 50, 49, 51)
KICK, SNARE, HAT = 0, 1, 2


def pattern(*hits: tuple[int, int, int]) -> np.ndarray:
    """One bar: (step, class, velocity) hits."""
    v = np.zeros((1, 16, 9), dtype=np.uint8)
    for step, cls, vel in hits:
        v[0, step, cls] = vel
    return v


def take(notes_by_step: dict[int, list[list[int]]], steps: int) -> list[list[int]]:
    """Start, then per step: its first clock tick, its notes, five more ticks (as the player sends them), Stop."""
    out = [[START]]
    for step in range(steps):
        out.append([CLOCK])
        out.extend(notes_by_step.get(step, []))
        out.extend([[CLOCK]] * 5)
    return out + [[STOP]]


KICK_SNARE = Expectation(pattern((0, KICK, 100), (4, SNARE, 90), (8, KICK, 100)), GM, 9, frozenset())


def test_a_take_that_sent_every_note_loses_none():
    sent = take({0: [[0x99, 36, 100]], 4: [[0x99, 38, 90]], 8: [[0x99, 36, 100]]}, 10)
    assert audit_take(sent, KICK_SNARE).__dict__ == {"steps": 9, "expected": 3, "received": 3, "lost": 0, "extra": 0}


def test_a_missing_note_is_lost():
    sent = take({0: [[0x99, 36, 100]], 8: [[0x99, 36, 100]]}, 10)
    assert (audit_take(sent, KICK_SNARE).lost, audit_take(sent, KICK_SNARE).extra) == (1, 0)


def test_a_note_a_step_late_is_lost_once_and_extra_once():
    sent = take({0: [[0x99, 36, 100]], 5: [[0x99, 38, 90]], 8: [[0x99, 36, 100]]}, 10)
    assert (audit_take(sent, KICK_SNARE).lost, audit_take(sent, KICK_SNARE).extra) == (1, 1)


def test_a_lost_clock_tick_shows_as_lost_notes():
    sent = take({0: [[0x99, 36, 100]], 4: [[0x99, 38, 90]], 8: [[0x99, 36, 100]]}, 10)
    sent.remove([CLOCK])  # the first tick: every later note now counts a step early
    assert audit_take(sent, KICK_SNARE).lost > 0


def test_muted_instruments_are_not_expected():
    muted = Expectation(KICK_SNARE.velocities, GM, 9, frozenset({KICK}))
    sent = take({4: [[0x99, 38, 90]]}, 10)
    assert (audit_take(sent, muted).expected, audit_take(sent, muted).lost) == (1, 0)


def test_the_step_cut_by_stop_is_not_compared():
    sent = take({0: [[0x99, 36, 100]], 4: [[0x99, 38, 90]]}, 5)  # ticks of step 4 only: step 4 is incomplete
    assert audit_take(sent, KICK_SNARE).steps == 4


def test_the_loop_repeats_after_its_last_bar():
    sent = take({0: [[0x99, 36, 100]], 4: [[0x99, 38, 90]], 8: [[0x99, 36, 100]], 16: [[0x99, 36, 100]]}, 18)
    assert audit_take(sent, KICK_SNARE).__dict__ == {"steps": 17, "expected": 4, "received": 4, "lost": 0, "extra": 0}


def test_note_map_channel_and_velocity_must_match():
    sent = take({0: [[0x90, 36, 100]], 4: [[0x99, 40, 90]], 8: [[0x99, 36, 99]]}, 10)
    assert audit_take(sent, KICK_SNARE).lost == 3


def test_notes_while_stopped_are_counted():
    messages = [[0x99, 36, 100], [START], [CLOCK], [0x99, 38, 90], [STOP], [0x99, 42, 80], [0x89, 42, 0]]
    assert notes_after_stop(messages) == 2


def test_a_note_played_early_counts_in_the_step_it_sounds_in():
    import numpy as np

    v = pattern((0, KICK, 100), (4, SNARE, 90), (8, KICK, 100))
    o = np.zeros(v.shape, np.float32)
    o[0, 4, SNARE] = -0.3  # the snare comes 0.3 of a step before step 4's first tick: in step 3
    o[0, 8, KICK] = 0.2
    expect = Expectation(v, GM, 9, frozenset(), o)
    messages = [[START]] + [[CLOCK]] * 6 * 3 + [[CLOCK]] * 4 + [[0x99, 38, 90]] + [[CLOCK]] * 2 \
        + [[CLOCK]] * 6 * 4 + [[CLOCK]] * 2 + [[0x99, 36, 100]] + [[CLOCK]] * 10 + [[STOP]]
    messages.insert(1, [0x99, 36, 100])
    audit = audit_take(messages, expect)
    assert (audit.lost, audit.extra) == (0, 0) and audit.expected == 3
    late = audit_take(messages, Expectation(v, GM, 9, frozenset()))  # the same take against a grid: misplaced
    assert late.lost > 0


def test_a_second_start_ends_the_take_it_began_again():
    take = [[START], [CLOCK], [0x99, 36, 100]] + [[CLOCK]] * 6 + [[START], [0x99, 38, 90], [CLOCK], [STOP]]
    assert one_take(take) == [[CLOCK], [0x99, 36, 100]] + [[CLOCK]] * 6


def _timed(messages: list[list[int]], tick_ns: int = 20_833_333) -> list[int]:
    """Arrival times as the player sends them: each tick one interval after the last, notes with their tick."""
    t, out = 0, []
    for m in messages:
        if m[0] == CLOCK:
            t += tick_ns
        out.append(t)
    return out


def test_ticks_the_tap_lost_are_counted_back_from_the_arrival_times():
    sent = take({0: [[0x99, 36, 100]], 4: [[0x99, 38, 90]], 8: [[0x99, 36, 100]]}, 10)
    times = _timed(sent)
    tick_rows = [i for i, m in enumerate(sent) if m[0] == CLOCK]
    lost = tick_rows[20]  # a tick of step 3 never reached the tap: every later note seems a step early
    sent, times = sent[:lost] + sent[lost + 1:], times[:lost] + times[lost + 1:]
    assert audit_take(sent, KICK_SNARE).lost == 2
    assert audit_take(sent, KICK_SNARE, times).__dict__ == {"steps": 9, "expected": 3, "received": 3, "lost": 0,
                                                             "extra": 0}


def test_arrival_times_make_up_no_notes():
    sent = take({0: [[0x99, 36, 100]], 8: [[0x99, 36, 100]]}, 10)  # the snare of step 4 never came
    assert audit_take(sent, KICK_SNARE, _timed(sent)).lost == 1


def test_a_late_tick_is_not_taken_for_a_lost_one():
    sent = take({0: [[0x99, 36, 100]], 4: [[0x99, 38, 90]], 8: [[0x99, 36, 100]]}, 10)
    times = _timed(sent)
    late = [i for i, m in enumerate(sent) if m[0] == CLOCK][24]  # the first tick of step 4, 15 ms late
    times[late] += 15_000_000
    assert audit_take(sent, KICK_SNARE, times).__dict__ == {"steps": 9, "expected": 3, "received": 3, "lost": 0,
                                                             "extra": 0}
