"""The soak's note audit: which notes a take should have sent, matched by arrival time against those that
arrived, on the grid the take's clock ticks lay out."""

import numpy as np
import pytest
from note_audit import (CLOCK, START, STOP, Expectation, audit_listeners, audit_take, notes_after_stop, one_take,
                        take_ended)
from soak_app import dump_line

GM = (36, 38, 42, 46, 45, 48, 50, 49, 51)
KICK, SNARE, HAT = 0, 1, 2
TICK_NS = 60e9 / (120 * 24)  # 120 BPM
STEP_NS = 6 * TICK_NS


def pattern(*hits: tuple[int, int, int]) -> np.ndarray:
    """One bar: (step, class, velocity) hits."""
    v = np.zeros((1, 16, 9), dtype=np.uint8)
    for step, cls, vel in hits:
        v[0, step, cls] = vel
    return v


def take(notes: dict[float, list[list[int]]], steps: int, start_ns: int = 5_000_000_000
         ) -> tuple[list[list[int]], list[int]]:
    """Messages and their arrival times as the player sends them at 120 BPM: Start with step 0's first tick, six
    ticks a step, each note at its place (in steps from Start), Stop after `steps` steps."""
    timed = [(start_ns, 0, [START])]
    timed += [(start_ns + round(k * TICK_NS), 1, [CLOCK]) for k in range(6 * steps)]
    timed += [(start_ns + round(p * STEP_NS), 2, m) for p, ms in notes.items() for m in ms]
    timed.append((start_ns + round(steps * STEP_NS), 3, [STOP]))
    timed.sort(key=lambda x: (x[0], x[1]))
    return [m for _, _, m in timed], [t for t, _, _ in timed]


def drop(messages: list[list[int]], times: list[int], index: int) -> tuple[list[list[int]], list[int]]:
    return messages[:index] + messages[index + 1:], times[:index] + times[index + 1:]


KICK_SNARE = Expectation(pattern((0, KICK, 100), (4, SNARE, 90), (8, KICK, 100)), GM, 9, frozenset())
ON_TIME = {0: [[0x99, 36, 100]], 4: [[0x99, 38, 90]], 8: [[0x99, 36, 100]]}


def counts(audit) -> tuple[int, int, int, int, int]:
    return audit.steps, audit.expected, audit.received, audit.lost, audit.extra


def test_a_take_that_sent_every_note_loses_none():
    audit = audit_take(*take(ON_TIME, 10), KICK_SNARE)
    assert counts(audit) == (9, 3, 3, 0, 0) and audit.worst_ms == 0 and audit.misses == ()


def test_a_missing_note_is_lost():
    audit = audit_take(*take({0: [[0x99, 36, 100]], 8: [[0x99, 36, 100]]}, 10), KICK_SNARE)
    assert (audit.lost, audit.extra) == (1, 0) and audit.misses == ("lost [153, 38, 90] due at step 4.00",)


def test_a_note_a_step_late_is_lost_once_and_extra_once():
    audit = audit_take(*take({0: [[0x99, 36, 100]], 5: [[0x99, 38, 90]], 8: [[0x99, 36, 100]]}, 10), KICK_SNARE)
    assert (audit.lost, audit.extra) == (1, 1)
    assert audit.misses == ("lost [153, 38, 90] due at step 4.00, nearest heard +125.0 ms from it",
                            "extra [153, 38, 90] at step 5.00")


def test_a_note_late_by_scheduling_jitter_still_counts_and_is_told():
    late = {0: [[0x99, 36, 100]], 4 + 0.2: [[0x99, 38, 90]], 8: [[0x99, 36, 100]]}  # 25 ms late at 120 BPM
    audit = audit_take(*take(late, 10), KICK_SNARE)
    assert (audit.lost, audit.extra) == (0, 0) and audit.worst_ms == pytest.approx(25, abs=0.01)
    later = {0: [[0x99, 36, 100]], 4 + 0.4: [[0x99, 38, 90]], 8: [[0x99, 36, 100]]}  # 50 ms: past the tolerance
    assert (audit_take(*take(later, 10), KICK_SNARE).lost, audit_take(*take(later, 10), KICK_SNARE).extra) == (1, 1)


@pytest.mark.parametrize("which", [0, 1, 20, 24, 25, -1])
def test_a_clock_tick_the_tap_lost_moves_no_note(which):
    messages, times = take(ON_TIME, 10)
    ticks = [i for i, m in enumerate(messages) if m[0] == CLOCK]
    assert counts(audit_take(*drop(messages, times, ticks[which]), KICK_SNARE)) == (9, 3, 3, 0, 0)


def test_a_late_tick_moves_no_note():
    messages, times = take(ON_TIME, 10)
    late = [i for i, m in enumerate(messages) if m[0] == CLOCK][24]  # the first tick of step 4, 9 ms late
    times[late] += 9_000_000
    assert counts(audit_take(messages, times, KICK_SNARE)) == (9, 3, 3, 0, 0)


def test_a_whole_take_late_on_the_tap_is_on_time():
    messages, times = take(ON_TIME, 10)
    times = [times[0]] + [t + 2_700_000 for t in times[1:]]  # all but Start one JACK cycle later
    assert counts(audit_take(messages, times, KICK_SNARE)) == (9, 3, 3, 0, 0)


def test_muted_instruments_are_not_expected():
    muted = Expectation(KICK_SNARE.velocities, GM, 9, frozenset({KICK}))
    audit = audit_take(*take({4: [[0x99, 38, 90]]}, 10), muted)
    assert (audit.expected, audit.lost, audit.extra) == (1, 0, 0)


def test_the_step_cut_by_stop_is_not_compared():
    messages, times = take({0: [[0x99, 36, 100]], 4: [[0x99, 38, 90]]}, 5)  # ticks of step 4: step 4 incomplete
    assert audit_take(messages, times, KICK_SNARE).steps == 4


def test_a_note_due_at_the_very_end_is_not_judged():
    v = pattern((0, KICK, 100), (4, SNARE, 90), (7, HAT, 70))
    o = np.zeros(v.shape, np.float32)
    o[0, 7, HAT] = 0.45
    expect = Expectation(v, GM, 9, frozenset(), o, swing=62.5)  # the hat due at 7.7 steps, near the end of step 7
    messages, times = take({0: [[0x99, 36, 100]], 4: [[0x99, 38, 90]]}, 9)  # ends in step 8: the hat never came
    assert counts(audit_take(messages, times, expect)) == (8, 2, 2, 0, 0)


def test_the_loop_repeats_after_its_last_bar():
    notes = {**ON_TIME, 16: [[0x99, 36, 100]]}
    assert counts(audit_take(*take(notes, 18), KICK_SNARE)) == (17, 4, 4, 0, 0)


def test_note_map_channel_and_velocity_must_match():
    audit = audit_take(*take({0: [[0x90, 36, 100]], 4: [[0x99, 40, 90]], 8: [[0x99, 36, 99]]}, 10), KICK_SNARE)
    assert (audit.lost, audit.extra) == (3, 3)


def test_notes_while_stopped_are_counted():
    messages = [[0x99, 36, 100], [START], [CLOCK], [0x99, 38, 90], [STOP], [0x99, 42, 80], [0x89, 42, 0]]
    assert notes_after_stop(messages) == 2


def test_feel_and_swing_move_a_note_s_place():
    v = pattern((0, KICK, 100), (4, SNARE, 90), (8, KICK, 100), (3, HAT, 70))
    o = np.zeros(v.shape, np.float32)
    o[0, 4, SNARE] = -0.45  # 56 ms before step 4
    o[0, 8, KICK] = 0.2
    o[0, 0, KICK] = -0.3  # never before Start
    expect = Expectation(v, GM, 9, frozenset(), o, swing=62.5)  # odd steps 0.25 of a step late
    played = {0: [[0x99, 36, 100]], 3.25: [[0x99, 42, 70]], 3.55: [[0x99, 38, 90]], 8.2: [[0x99, 36, 100]]}
    assert counts(audit_take(*take(played, 10), expect)) == (9, 4, 4, 0, 0)
    on_grid = Expectation(v, GM, 9, frozenset())  # the same take against the grid: the snare is 56 ms off
    audit = audit_take(*take(played, 10), on_grid)
    assert (audit.lost, audit.extra, audit.worst_ms) == (1, 1, 31.25)  # the hat, 31 ms late, is within tolerance


def test_the_ticks_lay_out_the_grid_at_any_tempo():
    at_90 = Expectation(KICK_SNARE.velocities, GM, 9, frozenset(), bpm=90)
    messages, times = take(ON_TIME, 10)
    slow = [times[0] + round((t - times[0]) * 120 / 90) for t in times]
    lost_tick = [i for i, m in enumerate(messages) if m[0] == CLOCK][30]
    assert counts(audit_take(*drop(messages, slow, lost_tick), at_90)) == (9, 3, 3, 0, 0)


def test_a_listener_clock_that_slips_a_cycle_now_and_then_is_read_by_its_own_ticks():
    messages, times = take(ON_TIME, 10)
    slipped = [t - 5_333_333 * sum(t > times[0] + k * 80_000_000 for k in (1, 3, 5, 7)) for t in times]
    audit = audit_take(messages, slipped, KICK_SNARE)  # 21 ms behind by the end: more than half a tick
    assert counts(audit) == (9, 3, 3, 0, 0) and audit.worst_ms < 6


def test_a_second_start_ends_the_take_it_began_again():
    again = [[START], [CLOCK], [0x99, 36, 100]] + [[CLOCK]] * 6 + [[START], [0x99, 38, 90], [CLOCK], [STOP]]
    assert one_take(again) == [[CLOCK], [0x99, 36, 100]] + [[CLOCK]] * 6


def test_no_start_no_take():
    assert counts(audit_take([[CLOCK], [0x99, 36, 100]], [0, 1], KICK_SNARE)) == (0, 0, 0, 0, 0)


def _without(messages: list[list[int]], times: list[int], note: list[int]) -> tuple[list[list[int]], list[int]]:
    return drop(messages, times, messages.index(note))


def test_a_note_one_listener_missed_and_another_heard_was_sent():
    heard = take(ON_TIME, 10)
    missed = _without(*take(ON_TIME, 10, start_ns=77_000), [0x99, 38, 90])  # another clock, and no snare
    audit = audit_listeners([missed, heard], KICK_SNARE)
    assert counts(audit) == (9, 3, 3, 0, 0) and audit.lost_by_listener == (1, 0)
    assert audit.steps_by_listener == (9, 9)


def test_a_note_every_listener_missed_is_lost():
    missed = _without(*take(ON_TIME, 10), [0x99, 38, 90])
    audit = audit_listeners([missed, _without(*take(ON_TIME, 10, start_ns=0), [0x99, 38, 90])], KICK_SNARE)
    assert (audit.lost, audit.lost_by_listener) == (1, (1, 1))


def test_a_note_every_listener_missed_in_a_cycle_the_server_dropped_is_told_apart():
    start = 5_000_000_000
    missed = _without(*take(ON_TIME, 10, start_ns=start), [0x99, 38, 90])  # step 4's snare, on both listeners
    other = _without(*take(ON_TIME, 10, start_ns=0), [0x99, 38, 90])
    line_at = start + round(4 * STEP_NS) + 20_000_000  # the server's line came 20 ms after the dropped cycle
    audit = audit_listeners([missed, other], KICK_SNARE, xruns_ns=[line_at])
    assert (audit.lost, audit.lost_in_xruns, audit.extra) == (0, 1, 0)
    assert audit.xruns == (4.16,) and audit.misses == ("lost in an xrun [153, 38, 90] due at step 4.00",)


@pytest.mark.parametrize("after_ms", [-20.0, 70.0])
def test_an_xrun_excuses_no_note_due_after_it_or_long_before_it(after_ms):
    start = 5_000_000_000
    missed = _without(*take(ON_TIME, 10, start_ns=start), [0x99, 38, 90])
    line_at = start + round(4 * STEP_NS + after_ms * 1e6)
    audit = audit_listeners([missed, missed], KICK_SNARE, xruns_ns=[line_at])
    assert (audit.lost, audit.lost_in_xruns) == (1, 0)


def test_a_note_only_the_longer_listener_could_judge_counts_by_it():
    short = take(ON_TIME, 6)  # its take ends before the kick of step 8
    long_without_kick = _without(*take(ON_TIME, 10), [0x99, 36, 100])  # the kick of step 0 gone
    long_without_kick = _without(*long_without_kick, [0x99, 36, 100])  # and the kick of step 8
    audit = audit_listeners([short, long_without_kick], KICK_SNARE)
    assert (audit.steps, audit.expected, audit.lost) == (9, 3, 1)  # step 0's kick was heard by the short one


def test_past_the_shorter_of_two_whole_takes_one_listener_s_late_note_is_not_judged():
    notes = {**ON_TIME, 12: [[0x99, 38, 90]]}
    expect = Expectation(pattern((0, KICK, 100), (4, SNARE, 90), (8, KICK, 100), (12, SNARE, 90)), GM, 9,
                         frozenset())
    late_tail = {**ON_TIME, 12.5: [[0x99, 38, 90]]}  # its process thread ran 60 ms late there
    audit = audit_listeners([take(late_tail, 14), take(notes, 13, start_ns=0)], expect)
    assert (audit.steps, audit.lost, audit.extra) == (13, 0, 0), audit.misses
    assert 11 < audit.judged_steps < 12  # judged up to the shorter take's 12 complete steps, less the tolerance
    # where both whole takes reached, the same late note is judged
    audit = audit_listeners([take(late_tail, 14), take(late_tail, 14, start_ns=0)], expect)
    assert (audit.lost, audit.extra) == (1, 1), audit.misses


def test_a_note_never_sent_more_than_a_step_before_the_longest_take_s_end_is_lost():
    expect = Expectation(pattern((0, KICK, 100), (4, SNARE, 90), (8, KICK, 100), (12, SNARE, 90)), GM, 9,
                         frozenset())
    # both takes whole (30 and 28 complete steps), the snare of step 12 of the second bar (step 28) sent to neither:
    # past the shorter take's end, within the longest's last step but one
    sent = {**ON_TIME, 12: [[0x99, 38, 90]], 16: [[0x99, 36, 100]], 20: [[0x99, 38, 90]], 24: [[0x99, 36, 100]]}
    audit = audit_listeners([take(sent, 31), take(sent, 29, start_ns=0)], expect)
    assert (audit.steps, audit.lost, audit.extra) == (30, 1, 0), audit.misses
    assert audit.misses == ("lost [153, 38, 90] due at step 28.00, nearest heard -1000.0 ms from it",)


def test_a_note_at_a_wrong_place_reaches_every_listener():
    late = {0: [[0x99, 36, 100]], 5: [[0x99, 38, 90]], 8: [[0x99, 36, 100]]}
    audit = audit_listeners([take(late, 10), take(late, 10, start_ns=0)], KICK_SNARE)
    assert (audit.lost, audit.extra) == (1, 1)


def test_a_listener_that_heard_less_hides_no_extra_note():
    extra = {**ON_TIME, 2: [[0x99, 36, 100]]}  # a kick the pattern does not have
    heard = take(extra, 10)
    for other in (([], []), take(extra, 3)):  # a listener that heard nothing, or only the first steps
        assert audit_listeners([heard, other], KICK_SNARE).extra == 1


def test_two_listeners_that_pair_one_note_differently_still_show_the_lost_one():
    v = pattern((3, HAT, 70), (4, HAT, 70))
    o = np.zeros(v.shape, np.float32)
    o[0, 3, HAT], o[0, 4, HAT] = 0.3, -0.3  # two hats 50 ms apart at 120 BPM; only the first was sent
    expect = Expectation(v, GM, 9, frozenset(), o)
    tap = take({3.3 + 0.3: [[0x99, 42, 70]]}, 10)  # 37.5 ms late: nearest the first hat
    dump = take({3.3 + 0.34: [[0x99, 42, 70]]}, 10, start_ns=0)  # 42.5 ms late: past it, nearest the second
    assert audit_listeners([tap, dump], expect).lost == 1


def test_the_dump_s_lines_are_read_as_timed_messages():
    assert dump_line("  78080: 99 24 64 note on  (channel  9): pitch  36, velocity 100", 48000) == (
        1_626_666_666, [0x99, 36, 100])
    assert dump_line("  96000: f8", 48000) == (2_000_000_000, [CLOCK])
    assert dump_line("  96000: fa", 48000)[1] == [START] and dump_line("     12: fc", 48000)[1] == [STOP]
    assert dump_line("  480: b9 07 64 control change (channel  9): controller  7, value 100", 48000)[1] == [
        0xB9, 7, 100]
    for junk in ("", "Cannot connect to server socket err = No such file or directory", "  12: ", "x: 99 24 64"):
        assert dump_line(junk, 48000) is None


def test_a_take_has_ended_at_its_stop_or_a_second_start():
    assert not take_ended([[CLOCK], [START], [CLOCK]]) and not take_ended([[STOP]])
    assert take_ended([[START], [CLOCK], [STOP]]) and take_ended([[START], [CLOCK], [START]])


def test_a_true_clock_that_lost_ticks_in_awkward_gaps_is_read_by_tick_times():
    """Under load the tap lost many ticks (27 of 204 once), and JACK's cycles put some of the gaps left near one
    and a half ticks: counted by gaps, the grid then slid by whole ticks. Read by time, nothing moves."""
    messages, times = take({**ON_TIME, 12: [[0x99, 36, 100]]}, 14)
    ticks = [i for i, m in enumerate(messages) if m == [CLOCK]]
    drop = set()
    for k in (10, 20, 30, 40, 50, 60):  # lose tick k; the ticks beside it arrive 6 ms late and 6 ms early
        before, lost, after = ticks[k - 1], ticks[k], ticks[k + 1]
        times[before] += 6_000_000
        times[after] -= 6_000_000
        drop.add(lost)
    messages = [m for i, m in enumerate(messages) if i not in drop]
    times = [t for i, t in enumerate(times) if i not in drop]
    expect = Expectation(pattern((0, KICK, 100), (4, SNARE, 90), (8, KICK, 100), (12, KICK, 100)), GM, 9,
                         frozenset())
    audit = audit_take(messages, times, expect)
    assert (audit.lost, audit.extra) == (0, 0), audit.misses


def test_ticks_a_late_cycle_handed_over_in_one_burst_move_no_note():
    """A JACK cycle the server ran late hands the listeners the ticks it held at once (seen in a soak: a tick 36 ms
    late, the next beside it, the one after on time). Counted by gaps or read by time, the burst numbered every
    later tick two ticks on, and every later note was lost 41 ms late and extra there."""
    messages, times = take({**ON_TIME, 12: [[0x99, 36, 100]]}, 14)
    ticks = [i for i, m in enumerate(messages) if m == [CLOCK]]
    times[ticks[49]] += round(1.75 * TICK_NS)  # handed over with tick 50, which is 0.75 of a tick late
    times[ticks[50]] += round(0.75 * TICK_NS)
    expect = Expectation(pattern((0, KICK, 100), (4, SNARE, 90), (8, KICK, 100), (12, KICK, 100)), GM, 9,
                         frozenset())
    audit = audit_listeners([(messages, times)] * 2, expect)
    assert counts(audit) == (13, 4, 4, 0, 0) and audit.lost_by_listener == (0, 0), audit.misses
