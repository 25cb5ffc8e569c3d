"""The clocks the player reads, without a port or a server: each is told the time (and, when following, fed
MIDI messages with their arrival times) and says where the music is (`ClockState`)."""

from __future__ import annotations

import pytest

from drummachine.live.clock import Clock
from drummachine.live.internal_clock import START_LEAD_NS, InternalClock
from drummachine.live.messages import CLOCK, CONTINUE, START, STOP, song_position
from drummachine.live.midi_clock import MidiClockFollower

MS = 1_000_000
T0 = 1_000 * MS
STEP = 125 * MS  # a 16th at 120 BPM


def test_both_are_clocks_the_player_can_read():
    for clock in (InternalClock(), MidiClockFollower()):
        assert isinstance(clock.name, str) and clock.state(T0).playing is False
        for method in ("state", "start", "stop", "set_bpm", "close"):
            assert callable(getattr(clock, method)), method
    _typed: list[Clock] = [InternalClock(), MidiClockFollower()]  # a type checker holds them to the protocol


# --- our own clock ------------------------------------------------------------------------------------------------
def test_start_puts_step_0_a_lead_ahead_under_a_new_epoch():
    clock = InternalClock(120)
    before = clock.state(T0).epoch
    clock.start(T0)
    s = clock.state(T0 + 5 * MS)
    assert s.playing and s.master and s.known_until_ns is None
    assert START_LEAD_NS == 30 * MS and s.step_time(0) == T0 + 30 * MS and s.step_time(3) == T0 + 30 * MS + 3 * STEP
    assert s.epoch == before + 1


def test_start_while_playing_changes_nothing_and_stop_keeps_the_tempo():
    clock = InternalClock(120)
    clock.start(T0)
    first = clock.state(T0)
    clock.start(T0 + 500 * MS)
    assert clock.state(T0 + 500 * MS) == first
    clock.stop(T0 + 600 * MS)
    s = clock.state(T0 + 600 * MS)
    assert not s.playing and s.bpm == 120
    clock.start(T0 + 700 * MS)
    assert clock.state(T0 + 700 * MS).epoch == first.epoch + 1


def test_a_tempo_change_keeps_the_next_step_where_it_was():
    """At 120 BPM from T0, set 150 BPM at 6.5 steps: step 7 stays at 875 ms, step 8 comes 100 ms later."""
    clock = InternalClock(120, start_lead_ns=0)
    clock.start(T0)
    clock.set_bpm(150, T0 + 6 * STEP + STEP // 2)
    s = clock.state(T0 + 7 * STEP)
    assert s.bpm == 150 and s.epoch == 1
    assert s.step_time(7) == T0 + 875 * MS and s.step_time(8) == T0 + 975 * MS
    assert 6 < s.step_at(T0 + 6 * STEP + STEP // 2) < 7  # still inside step 6: no jump


def test_a_tempo_change_before_the_first_step_keeps_step_0_in_place():
    clock = InternalClock(120)
    clock.start(T0)
    clock.set_bpm(60, T0 + 10 * MS)
    s = clock.state(T0 + 10 * MS)
    assert s.step_time(0) == T0 + 30 * MS and s.step_time(1) == T0 + 30 * MS + 250 * MS


def test_a_tempo_set_while_stopped_is_the_tempo_of_the_next_start():
    clock = InternalClock(120)
    clock.set_bpm(90, T0)
    clock.start(T0)
    assert clock.state(T0).bpm == 90


# --- a followed MIDI clock --------------------------------------------------------------------------------------
TICK = 20 * MS  # 125 BPM


def test_after_start_step_0_is_not_known_until_its_tick():
    clock = MidiClockFollower(bpm=100)
    clock.receive([START], T0)
    s = clock.state(T0 + 5 * MS)
    assert s.playing and not s.master and s.known_until_ns == T0
    assert s.step_time(0) > s.known_until_ns  # a guess, one tick ahead: not to be played yet
    clock.receive([CLOCK], T0 + 10 * MS)
    s = clock.state(T0 + 11 * MS)
    assert s.anchor_step == 0 and s.anchor_ns == s.known_until_ns == T0 + 10 * MS


def test_a_step_is_known_at_its_own_tick_and_ticks_between_add_nothing():
    clock = MidiClockFollower()
    clock.receive([START], T0 - 5 * MS)
    for k in range(6):
        clock.receive([CLOCK], T0 + k * TICK)
    s = clock.state(T0 + 5 * TICK)
    assert (s.anchor_step, s.anchor_ns, s.known_until_ns) == (0, T0, T0)  # ticks 1-5 of step 0
    assert s.step_time(1) > s.known_until_ns
    clock.receive([CLOCK], T0 + 6 * TICK)
    s = clock.state(T0 + 6 * TICK)
    assert (s.anchor_step, s.anchor_ns, s.known_until_ns) == (1, T0 + 6 * TICK, T0 + 6 * TICK)


def test_the_tempo_comes_from_the_last_24_ticks():
    clock = MidiClockFollower(bpm=90)
    assert clock.tempo() is None and clock.state(T0).bpm == 90
    clock.receive([START], T0 - MS)
    t = T0
    for k in range(31):  # ticks 0-6 at 100 BPM (25 ms apart), then at 125 BPM (20 ms): tick 30 begins step 5
        clock.receive([CLOCK], t)
        t += 25 * MS if k < 6 else TICK
    assert clock.tempo() == pytest.approx(125, abs=1e-9)
    assert clock.state(t).bpm == pytest.approx(125, abs=1e-9)
    clock.receive([CLOCK], t + 40 * MS)  # a late tick within step 5: the step keeps the tempo it began with
    assert clock.tempo() < 125 and clock.state(t).bpm == pytest.approx(125, abs=1e-9)


def test_ticks_while_stopped_keep_the_tempo_but_play_nothing():
    clock = MidiClockFollower()
    for k in range(24):
        clock.receive([CLOCK], T0 + k * 25 * MS)
    s = clock.state(T0 + 24 * 25 * MS)
    assert not s.playing and s.bpm == pytest.approx(100) and s.anchor_step == 0


def test_stop_then_continue_goes_on_from_the_step_after_the_last_one_played():
    clock = MidiClockFollower()
    clock.receive([START], T0 - MS)
    for k in range(8):  # step 0 and step 1 (at tick 6)
        clock.receive([CLOCK], T0 + k * TICK)
    clock.receive([STOP], T0 + 8 * TICK)
    stopped = clock.state(T0 + 9 * TICK)
    assert not stopped.playing and stopped.anchor_step == 2
    clock.receive([CONTINUE], T0 + 5_000 * MS)
    resumed = clock.state(T0 + 5_000 * MS)
    assert resumed.playing and resumed.epoch == stopped.epoch  # the position did not jump
    clock.receive([CLOCK], T0 + 5_010 * MS)
    s = clock.state(T0 + 5_010 * MS)
    assert (s.anchor_step, s.known_until_ns) == (2, T0 + 5_010 * MS)


@pytest.mark.parametrize("step", [24, 200, 16383])
def test_song_position_says_the_next_step_in_16ths_under_a_new_epoch(step):
    clock = MidiClockFollower()
    epoch = clock.state(T0).epoch
    clock.receive(list(song_position(step)), T0)
    s = clock.state(T0)
    assert not s.playing and s.anchor_step == step and s.epoch == epoch + 1
    clock.receive([CONTINUE], T0 + MS)
    clock.receive([CLOCK], T0 + 2 * MS)
    assert clock.state(T0 + 2 * MS).anchor_step == step


def test_song_position_bytes_are_low_7_bits_first():
    assert song_position(200) == (0xF2, 72, 1)


def test_start_again_is_a_new_epoch_from_step_0():
    clock = MidiClockFollower()
    clock.receive([START], T0)
    for k in range(13):
        clock.receive([CLOCK], T0 + MS + k * TICK)
    first = clock.state(T0 + 13 * TICK)
    assert first.anchor_step == 2
    clock.receive([START], T0 + 14 * TICK)
    clock.receive([CLOCK], T0 + 15 * TICK)
    s = clock.state(T0 + 15 * TICK)
    assert s.epoch == first.epoch + 1 and s.anchor_step == 0 and s.anchor_ns == T0 + 15 * TICK


def test_the_musician_cannot_start_stop_or_retime_the_daw():
    clock = MidiClockFollower()
    clock.start(T0)
    assert not clock.state(T0).playing
    clock.receive([START], T0)
    clock.stop(T0 + MS)
    assert clock.state(T0 + MS).playing


def test_each_message_that_tells_something_wakes_the_reader():
    told = []
    clock = MidiClockFollower(on_change=lambda: told.append(1))
    clock.receive([START], T0)
    clock.receive([CLOCK], T0 + MS)  # step 0: news
    clock.receive([CLOCK], T0 + 2 * MS)  # a tick within the step: none
    clock.receive([0x99, 36, 100], T0 + 3 * MS)  # a note: none
    assert len(told) == 2
