"""Feel in the scheduler: each hit at its own offset, early ones before their bar line, none before a run
begins; in simulated time, with the Loop of tests/test_scheduler.py."""

import numpy as np

from drummachine.groove.pattern import Pattern
from drummachine.live.messages import START
from drummachine.live.settings import PlayerSettings
from test_scheduler import HAT, KICK, MS, PITCH, SNARE, STEP, T0, Loop, playing


def felt(bars: int, hits: list[tuple[int, int, int, float]]) -> Pattern:
    """(bar, step, class, offset in steps) each at velocity 100."""
    v = np.zeros((bars, 16, 9), np.uint8)
    o = np.zeros((bars, 16, 9), np.float32)
    for bar, step, cls, off in hits:
        v[bar, step, cls], o[bar, step, cls] = 100, off
    return Pattern(v, o)


def test_an_early_hit_leaves_before_its_bar_line_and_a_late_one_after_its_step():
    p = felt(2, [(1, 0, KICK, -0.4), (0, 4, SNARE, 0.3), (0, 8, HAT, 0.0)])
    loop = Loop(playing(), p).run(T0 - 30 * MS, T0 + 32 * STEP)
    assert all(now == e.at_ns for now, e in loop.sent)  # every event at its own time, never before
    kicks = [t for t, pitch, _ in loop.ons() if pitch == PITCH[KICK]]
    assert kicks[0] == T0 + 16 * STEP - int(0.4 * STEP)  # bar 2's kick, 50 ms before bar 2's line
    snare = [t for t, pitch, _ in loop.ons() if pitch == PITCH[SNARE]][0]
    assert snare == T0 + 4 * STEP + int(0.3 * STEP)
    assert loop.notes(PITCH[SNARE])[:2] == [("on", snare), ("off", snare + int(STEP / 2))]  # the gate follows it
    assert [t for t, pitch, _ in loop.ons() if pitch == PITCH[HAT]][0] == T0 + 8 * STEP


def test_no_note_of_a_run_sounds_before_its_first_step_nor_before_start():
    p = felt(1, [(0, 0, KICK, -0.4), (0, 0, HAT, 0.2)])
    loop = Loop(playing(), p, PlayerSettings()).run(T0 - 30 * MS, T0 + 8 * STEP)
    first_kick = [t for t, pitch, _ in loop.ons() if pitch == PITCH[KICK]][0]
    start = [t for t, m in loop.system() if m == (START,)][0]
    assert first_kick == T0 and start < first_kick
    later = [t for t, pitch, _ in loop.ons() if pitch == PITCH[KICK]]
    assert len(later) == 1  # 8 steps: the next bar's early kick is not yet due


def test_the_built_in_sound_hears_each_hit_at_its_own_time():
    p = felt(1, [(0, 4, KICK, -0.2), (0, 4, SNARE, 0.1), (0, 4, HAT, 0.1)])
    loop = Loop(playing(), p).run(T0 - 30 * MS, T0 + 6 * STEP)
    step = [s for s in loop.steps if s.hits][0]
    assert step.by_time() == [(T0 + 4 * STEP - int(0.2 * STEP), [(KICK, 100)]),
                              (T0 + 4 * STEP + int(0.1 * STEP), [(SNARE, 100), (HAT, 100)])]


def test_a_grid_plans_no_sooner_than_before():
    from test_scheduler import groove

    loop = Loop(playing(), groove({KICK: [0, 4, 8, 12]})).run(T0 - 30 * MS, T0 + 2 * STEP)
    assert [s.step for s in loop.steps] == [0, 1, 2]  # step 3 comes within the 20 ms horizon only at 2.84 steps


def test_a_followed_clock_sends_an_early_hit_at_its_tick():
    p = felt(1, [(0, 4, KICK, -0.3)])
    state = playing(known_until_ns=T0 + 4 * STEP)  # the DAW's tick for step 4 has just arrived
    loop = Loop(state, p).run(T0 + 4 * STEP, T0 + 4 * STEP + 10 * MS)
    kicks = [t for t, pitch, _ in loop.ons() if pitch == PITCH[KICK]]
    assert kicks == [T0 + 4 * STEP]  # it was due before its tick came: it goes at the tick, at once
    assert loop.sent[0][0] == T0 + 4 * STEP
