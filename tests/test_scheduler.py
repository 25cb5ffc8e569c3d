"""The scheduler without a MIDI server: a clock made of numbers (or a real clock fed numbers), a bar source,
and which events go out at which times.

`Loop` runs the player's real-time loop in simulated time: it looks exactly when the scheduler asks (or when
something is due to happen), plans, and hands out what is due, so every event is handed out at its own
time and the tests read the times the scheduler chose. Expected times are worked out by hand: at 120 BPM
a step (a 16th) is 125 ms.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

import pytest

from drummachine.groove.pattern import Pattern
from drummachine.live.clock import ClockState
from drummachine.live.internal_clock import InternalClock
from drummachine.live.messages import ALL_NOTES_OFF, CLOCK, CONTINUE, NOTE_OFF, NOTE_ON, START, STOP
from drummachine.live.midi_clock import MidiClockFollower
from drummachine.live.scheduler import MARK, ON, Event, Scheduler, StepPlan, restart_step
from drummachine.live.settings import PlayerSettings

MS = 1_000_000
T0 = 1_000 * MS  # step 0 sounds here
STEP = 125 * MS  # a 16th at 120 BPM
HORIZON = 20 * MS  # as the player plans
KICK, SNARE, HAT = 0, 1, 2  # classes, played on 36, 38, 42 (General MIDI) on channel 10
PITCH = {KICK: 36, SNARE: 38, HAT: 42}
QUIET = PlayerSettings(send_clock=False)


def groove(hits: dict[int, list[int]], bars: int = 1, velocity: int = 100) -> Pattern:
    """`hits[cls]`: the steps (of every bar) class `cls` plays on."""
    p = Pattern.empty(bars)
    for cls, steps in hits.items():
        for b in range(bars):
            for s in steps:
                p = p.with_hit(b, s, cls, velocity + cls)
    return p


class Loop:
    """The real-time loop in simulated time, around one Scheduler."""

    def __init__(self, clock, pattern: Pattern, settings: PlayerSettings = QUIET):
        self.clock = clock  # a ClockState (numbers), or anything with state(now)
        self.pattern = pattern
        self.settings = settings
        self.scheduler = Scheduler()
        self.sent: list[tuple[int, Event]] = []  # (when handed out, event)
        self.steps: list[StepPlan] = []
        self.asked: list[tuple[int, bool]] = []  # bars asked for, and whether first of a run
        self._actions: list[tuple[int, int, Callable[[], None]]] = []

    def at(self, t: int, action: Callable[[], None]) -> None:
        """Do `action` (change settings, feed the clock a message...) at simulated time `t`."""
        self._actions.append((t, len(self._actions), action))
        self._actions.sort()

    def bars(self, index: int, first: bool) -> Pattern:
        self.asked.append((index, first))
        b = index % self.pattern.bars
        return self.pattern.bar_slice(b, b + 1)

    def state(self, now: int) -> ClockState:
        return self.clock if isinstance(self.clock, ClockState) else self.clock.state(now)

    def run(self, start: int, until: int) -> "Loop":
        now = start
        while now <= until:
            while self._actions and self._actions[0][0] <= now:
                self._actions.pop(0)[2]()
            state = self.state(now)
            self.steps += self.scheduler.plan(state, now, HORIZON, self.settings, self.bars)
            self.sent += [(now, e) for e in self.scheduler.due(now)]
            times = [t for t in (self.scheduler.wake_ns(state, HORIZON),
                                 self._actions[0][0] if self._actions else None) if t is not None]
            if not times:
                break
            assert min(times) > now, "the loop would look again at once, for ever"
            now = min(times)
        return self

    def stop(self, now: int) -> list[Event]:
        self.scheduler.stop(now, self.settings)
        out = self.scheduler.due(now)
        self.sent += [(now, e) for e in out]
        return out

    # what went out
    def events(self) -> list[Event]:
        return [e for _, e in self.sent]

    def ons(self, channel: int = 9) -> list[tuple[int, int, int]]:
        """(time, pitch, velocity) of each note-on."""
        return [(e.at_ns, e.message[1], e.message[2]) for e in self.events() if e.message[0] == NOTE_ON | channel]

    def notes(self, pitch: int) -> list[tuple[str, int]]:
        """('on'|'off', time) of every note message of `pitch`."""
        return [("on" if e.message[0] & 0xF0 == NOTE_ON else "off", e.at_ns) for e in self.events()
                if e.kind != MARK and e.message[0] & 0xE0 == NOTE_OFF and e.message[1] == pitch]

    def marks(self) -> list[tuple[int, tuple[int, int]]]:
        return [(e.at_ns, e.message) for e in self.events() if e.kind == MARK]

    def system(self) -> list[tuple[int, tuple]]:
        """Clock ticks and transport: (time, message)."""
        return [(e.at_ns, e.message) for e in self.events() if e.kind != MARK and e.message[0] >= 0xF0]


def playing(anchor_ns: int = T0, anchor_step: int = 0, bpm: float = 120.0, **kw) -> ClockState:
    return ClockState(True, bpm, anchor_ns, anchor_step, **kw)


# --- timing ---------------------------------------------------------------------------------------------------
def test_every_event_is_handed_out_at_its_own_time_never_before():
    loop = Loop(playing(), groove({KICK: [0, 4, 8, 12], HAT: list(range(16))})).run(T0 - 30 * MS, T0 + 16 * STEP)
    assert loop.sent and all(now == e.at_ns for now, e in loop.sent)


def test_straight_steps_fall_a_16th_apart_kick_before_hat_within_a_step():
    loop = Loop(playing(), groove({KICK: [0, 4, 8, 12], HAT: [0, 2, 4, 6, 8, 10, 12, 14]}, velocity=90))
    loop.run(T0 - 30 * MS, T0 + 16 * STEP - 1)
    want = []
    for s in range(0, 16, 2):
        if s % 4 == 0:
            want.append((T0 + s * STEP, 36, 90))
        want.append((T0 + s * STEP, 42, 92))
    assert loop.ons() == want
    assert [m for _, m in loop.marks()] == [(0, s) for s in range(16)]
    assert [t for t, _ in loop.marks()] == [T0 + s * STEP for s in range(16)]


@pytest.mark.parametrize("swing, late_ns", [(50, 0), (66.7, 41_750_000), (75, 62_500_000)])
def test_swing_pushes_odd_16ths_late_by_its_share_of_a_step(swing, late_ns):
    """(2 x swing/100 - 1) of a step: 66.7 % splits a pair of 16ths 2:1 like a triplet, 75 % is a dotted 16th."""
    loop = Loop(playing(), groove({HAT: list(range(16))}), replace(QUIET, swing=swing))
    loop.run(T0 - 30 * MS, T0 + 8 * STEP - 1)
    assert [t for t, _, _ in loop.ons()] == [T0 + s * STEP + (late_ns if s % 2 else 0) for s in range(8)]
    assert [t for t, _ in loop.marks()] == [T0 + s * STEP for s in range(8)]  # the playhead stays straight


@pytest.mark.parametrize("gate, length_ns", [(0.5, 62_500_000), (0.25, 31_250_000), (1.0, 125_000_000),
                                             (0.001, 1 * MS)])
def test_a_note_lasts_its_gate_of_a_step_and_at_least_a_millisecond(gate, length_ns):
    loop = Loop(playing(), groove({KICK: [0, 4]}), replace(QUIET, gate=gate)).run(T0 - 30 * MS, T0 + 8 * STEP)
    assert loop.notes(36) == [("on", T0), ("off", T0 + length_ns), ("on", T0 + 4 * STEP),
                              ("off", T0 + 4 * STEP + length_ns)]


def test_channel_and_note_map_choose_what_is_sent():
    settings = replace(QUIET, channel=0, note_map=tuple(range(60, 69)))
    loop = Loop(playing(), groove({SNARE: [4]}, velocity=70), settings).run(T0 - 30 * MS, T0 + 8 * STEP)
    assert loop.ons(channel=0) == [(T0 + 4 * STEP, 61, 71)] and loop.ons(channel=9) == []


# --- mutes and retriggers -------------------------------------------------------------------------------------------
def test_a_muted_class_never_sounds_and_unmuted_is_heard_from_the_next_step():
    loop = Loop(playing(), groove({KICK: list(range(16)), SNARE: list(range(16))}), replace(QUIET, muted=frozenset({KICK})))
    loop.at(T0 + 5 * STEP + STEP // 2, lambda: setattr(loop, "settings", replace(loop.settings, muted=frozenset())))
    loop.at(T0 + 11 * STEP + STEP // 2, lambda: setattr(loop, "settings", replace(loop.settings, muted=frozenset({SNARE}))))
    loop.run(T0 - 30 * MS, T0 + 16 * STEP - 1)
    kicks = [t for t, p, _ in loop.ons() if p == 36]
    snares = [t for t, p, _ in loop.ons() if p == 38]
    assert kicks == [T0 + s * STEP for s in range(6, 16)]
    assert snares == [T0 + s * STEP for s in range(0, 12)]
    # the built-in sound hears the same: the planned hits leave muted classes out
    assert [(p.step, sorted(c for c, _ in p.hits)) for p in loop.steps][4:8] == [
        (4, [SNARE]), (5, [SNARE]), (6, [KICK, SNARE]), (7, [KICK, SNARE])]


def test_a_note_on_a_pitch_still_sounding_ends_it_first():
    """Swing 75 and a whole-step gate: step 1's hat (pushed to 187.5 ms, ending at 312.5) still sounds when
    step 2's hat comes at 250 ms."""
    loop = Loop(playing(), groove({HAT: [1, 2]}), replace(QUIET, swing=75, gate=1.0)).run(T0 - 30 * MS, T0 + 8 * STEP)
    assert loop.notes(42) == [("on", T0 + 187_500_000), ("off", T0 + 250 * MS), ("on", T0 + 250 * MS),
                              ("off", T0 + 375 * MS)]  # the first note's own end, at 312.5 ms, is not sent


# --- MIDI clock and transport when we lead -----------------------------------------------------------------------
def test_as_master_start_goes_just_before_step_0_then_6_ticks_a_step():
    loop = Loop(playing(), groove({KICK: [0]}), PlayerSettings()).run(T0 - 30 * MS, T0 + 2 * STEP - 1)
    system = loop.system()
    assert system[0] == (T0 - 1, (START,))
    ticks = [t for t, m in system if m == (CLOCK,)]
    assert ticks == [int(T0 + k * STEP / 6) for k in range(12)]
    first = loop.events()[:3]
    assert [e.message for e in first] == [(START,), (CLOCK,), (NOTE_ON | 9, 36, 100)]  # tick, then the note


def test_no_clock_without_send_clock_nor_when_the_clock_is_not_ours():
    for clock, settings in ((playing(), QUIET), (playing(master=False), PlayerSettings(send_clock=True))):
        loop = Loop(clock, groove({KICK: [0]}), settings).run(T0 - 30 * MS, T0 + 4 * STEP)
        assert loop.system() == [] and loop.ons() == [(T0, 36, 100)]


def test_stop_sends_stop_ends_sounding_notes_and_all_notes_off():
    loop = Loop(playing(), groove({KICK: [0], SNARE: [0]}), replace(PlayerSettings(), gate=1.0))
    loop.run(T0 - 30 * MS, T0 + 50 * MS)  # both notes sound (until 125 ms)
    out = loop.stop(T0 + 60 * MS)
    assert [e.message for e in out] == [(STOP,), (NOTE_OFF | 9, 36, 0), (NOTE_OFF | 9, 38, 0), (0xB9, ALL_NOTES_OFF, 0)]
    assert all(e.at_ns == T0 + 60 * MS for e in out)
    assert loop.scheduler.due(T0 + 10 * STEP) == [] and loop.scheduler.wake_ns(playing(), HORIZON) is None


def test_stop_without_a_run_sends_only_all_notes_off():
    scheduler = Scheduler()
    scheduler.stop(T0, PlayerSettings())
    assert [e.message for e in scheduler.due(T0)] == [(0xB9, ALL_NOTES_OFF, 0)]


def test_a_clock_that_stops_ends_the_run_without_stop_when_it_is_not_ours():
    follower_state = playing(master=False)
    loop = Loop(follower_state, groove({KICK: [0]}), replace(PlayerSettings(), gate=1.0))
    loop.run(T0 - 30 * MS, T0 + 50 * MS)
    loop.clock = replace(follower_state, playing=False)
    loop.run(T0 + 60 * MS, T0 + 60 * MS)
    assert [e.message for _, e in loop.sent[-2:]] == [(NOTE_OFF | 9, 36, 0), (0xB9, ALL_NOTES_OFF, 0)]
    assert (STOP,) not in [m for _, m in loop.system()] and not loop.scheduler.running


def test_a_channel_change_ends_the_notes_of_the_old_channel():
    scheduler = Scheduler()
    scheduler.plan(playing(), T0, HORIZON, replace(QUIET, gate=1.0), lambda i, f: groove({KICK: [0]}))
    assert [e.message for e in scheduler.due(T0)] == [(NOTE_ON | 9, 36, 100), (0, 0)]
    scheduler.notes_off(T0 + MS, channel=9)
    assert [e.message for e in scheduler.due(T0 + MS)] == [(NOTE_OFF | 9, 36, 0), (0xB9, ALL_NOTES_OFF, 0)]
    assert scheduler.due(T0 + 2 * STEP) == []  # the note's own planned end is not sent again


# --- tempo, jumps and what the clock knows ------------------------------------------------------------------------
def test_a_tempo_change_mid_bar_keeps_the_next_step_in_place_and_skips_none():
    """120 BPM, then 150 BPM (100 ms steps) half way through step 6: step 7 keeps its time, later steps close up."""
    clock = InternalClock(120)
    loop = Loop(clock, groove({HAT: list(range(16))}))
    loop.at(T0 - 30 * MS, lambda: clock.start(T0 - 30 * MS))
    loop.at(T0 + 6 * STEP + STEP // 2, lambda: clock.set_bpm(150, T0 + 6 * STEP + STEP // 2))
    loop.run(T0 - 30 * MS, T0 + 7 * STEP + 6 * 100 * MS)
    marks = loop.marks()
    assert [m for _, m in marks] == [(0, s) for s in range(14)]
    assert [t for t, _ in marks] == [T0 + s * STEP for s in range(8)] + [T0 + 7 * STEP + k * 100 * MS
                                                                          for k in range(1, 7)]


def test_a_jump_drops_what_was_planned_and_restarts_at_the_clocks_step():
    """Song position 40 (bar 3, step 9) arrives 15 ms before step 4: step 4, planned already, never sounds;
    the hat of step 3 (a whole step long) still ends on time; play goes on from step 40."""
    pattern = groove({KICK: [0, 4, 8, 12], HAT: list(range(16))}, bars=3)
    jump_at = T0 + 4 * STEP - 15 * MS
    loop = Loop(playing(epoch=1), pattern, replace(QUIET, gate=1.0))
    loop.at(jump_at, lambda: setattr(loop, "clock", playing(jump_at + 40 * MS, 40, epoch=2)))
    loop.run(T0 - 30 * MS, jump_at + 40 * MS + 2 * STEP - 1)
    assert [m for _, m in loop.marks()] == [(0, 0), (0, 1), (0, 2), (0, 3), (2, 8), (2, 9)]
    assert [t for t, _, _ in loop.ons()] == [T0, T0, T0 + STEP, T0 + 2 * STEP, T0 + 3 * STEP,
                                             jump_at + 40 * MS, jump_at + 40 * MS, jump_at + 40 * MS + STEP]
    assert ("off", T0 + 4 * STEP) in loop.notes(42)  # step 3's hat ends at its time
    assert loop.asked == [(0, True), (2, True)]


def test_a_jump_while_we_lead_stops_then_continues_from_the_new_place():
    loop = Loop(playing(epoch=1), groove({}), PlayerSettings())
    loop.at(T0 + 2 * STEP + MS, lambda: setattr(loop, "clock", playing(T0 + 3 * STEP, 40, epoch=2)))
    loop.run(T0 - 30 * MS, T0 + 3 * STEP)
    transport = [(t, m) for t, m in loop.system() if m != (CLOCK,)]
    assert transport == [(T0 - 1, (START,)), (T0 + 3 * STEP - 1, (STOP,)), (T0 + 3 * STEP - 1, (0xF2, 40, 0)),
                         (T0 + 3 * STEP - 1, (CONTINUE,))]


def test_a_run_begins_at_the_first_step_not_yet_past():
    """A clock anchored in the past (Link, say: bar lines every 2 s) starts us at its next step; one anchored
    ahead (our own start) at step 0, never before it."""
    assert restart_step(playing(T0, 37), T0 + STEP // 2) == 38
    assert restart_step(playing(T0, 37), T0) == 37
    assert restart_step(playing(T0 + 30 * MS, 0, bpm=300), T0 - 60 * MS) == 0  # 90 ms ahead: under two 50 ms steps
    loop = Loop(playing(T0, 37), groove({KICK: list(range(16))})).run(T0 + STEP // 2, T0 + 3 * STEP - 1)
    assert loop.marks() == [(T0 + STEP, (2, 6)), (T0 + 2 * STEP, (2, 7))]
    assert loop.asked == [(2, True)]


def test_a_step_after_what_the_clock_knows_waits():
    """A followed clock knows step 0 only when its tick comes: until then nothing is planned and the loop has
    nothing to wake for; once known, step 0 goes at its time and step 1 waits again though inside the horizon."""
    scheduler = Scheduler()
    state = playing(known_until_ns=T0 - 1, master=False)
    bars = lambda i, first: groove({KICK: [0, 1]})  # noqa: E731
    assert list(scheduler.plan(state, T0 - 5 * MS, HORIZON, QUIET, bars)) == []
    assert scheduler.wake_ns(state, HORIZON) is None
    state = replace(state, known_until_ns=T0)
    assert [p.step for p in scheduler.plan(state, T0 - 5 * MS, HORIZON, QUIET, bars)] == [0]
    assert [p.step for p in scheduler.plan(state, T0 + STEP - 10 * MS, HORIZON, QUIET, bars)] == []
    assert scheduler.wake_ns(state, HORIZON) == T0  # only the planned note-on


def test_a_followed_step_read_after_its_tick_still_plays_at_once():
    """The loop looks 3 ms after the tick of step 24 that begins a run: step 24 is not passed over."""
    state = playing(T0, 24, known_until_ns=T0, master=False)
    assert restart_step(state, T0 + 3 * MS) == 24
    scheduler = Scheduler()
    planned = scheduler.plan(state, T0 + 3 * MS, HORIZON, QUIET, lambda i, first: groove({HAT: list(range(16))}))
    assert [p.step for p in planned] == [24]
    assert [(e.at_ns, e.message) for e in scheduler.due(T0 + 3 * MS)] == [(T0, (NOTE_ON | 9, 42, 102)), (T0, (1, 8))]


def test_the_first_bar_of_a_run_is_asked_for_as_first_later_ones_at_their_bar_lines():
    loop = Loop(playing(), groove({KICK: [0]})).run(T0 - 30 * MS, T0 + 32 * STEP + 1)
    assert loop.asked == [(0, True), (1, False), (2, False)]


# --- a followed MIDI clock, fed message by message -----------------------------------------------------------------
TICK = 20 * MS  # 125 BPM: 24 ticks a beat of 480 ms


def feed(loop: Loop, follower: MidiClockFollower, at: int, *message: int) -> None:
    loop.at(at, lambda: follower.receive(list(message), at))


def test_following_each_step_goes_at_its_tick_and_nothing_of_ours_is_sent():
    follower = MidiClockFollower(bpm=90)
    loop = Loop(follower, groove({KICK: [0, 4, 8, 12]}), PlayerSettings(send_clock=True))
    feed(loop, follower, T0 - 5 * MS, START)
    ticks = [T0 + k * TICK for k in range(24 * 8)]  # two bars
    for t in ticks:
        feed(loop, follower, t, CLOCK)
    feed(loop, follower, ticks[-1] + TICK, STOP)
    loop.run(T0 - 10 * MS, ticks[-1] + 2 * TICK)
    assert [t for t, _, _ in loop.ons()] == ticks[::24]  # each beat's kick at that beat's tick
    assert loop.system() == []  # the DAW sends the clock; we never echo Start, ticks or Stop
    assert loop.events()[-1].message == (0xB9, ALL_NOTES_OFF, 0)
    # gate: half a step at the ticks' tempo (120 ms steps at 125 BPM) once two ticks have come; before, at 90
    kicks = loop.notes(36)
    assert kicks[1] == ("off", T0 + 250 * MS // 3) and kicks[3] == ("off", T0 + 24 * TICK + 60 * MS)


def test_following_song_position_and_continue_start_mid_bar():
    follower = MidiClockFollower()
    pattern = groove({HAT: list(range(16))}, bars=2)
    loop = Loop(follower, pattern)
    feed(loop, follower, T0 - 10 * MS, 0xF2, 24, 0)  # step 24: bar 2, its 9th step
    feed(loop, follower, T0 - 5 * MS, CONTINUE)
    for k in range(13):
        feed(loop, follower, T0 + k * TICK, CLOCK)
    loop.run(T0 - 20 * MS, T0 + 13 * TICK)
    assert loop.marks() == [(T0, (1, 8)), (T0 + 6 * TICK, (1, 9)), (T0 + 12 * TICK, (1, 10))]
    assert loop.asked == [(1, True)]


def test_following_stop_then_continue_goes_on_from_the_next_step():
    follower = MidiClockFollower()
    loop = Loop(follower, groove({HAT: list(range(16))}))
    feed(loop, follower, T0 - 5 * MS, START)
    for k in range(8):  # steps 0 and 1 (its tick 6), and two ticks into step 1
        feed(loop, follower, T0 + k * TICK, CLOCK)
    feed(loop, follower, T0 + 8 * TICK, STOP)
    later = T0 + 2_000 * MS
    feed(loop, follower, later, CONTINUE)
    feed(loop, follower, later + 5 * MS, CLOCK)
    loop.run(T0 - 10 * MS, later + 10 * MS)
    assert [m for _, m in loop.marks()] == [(0, 0), (0, 1), (0, 2)]
    assert loop.marks()[-1][0] == later + 5 * MS
    assert len(loop.ons()) == 3


def test_a_restart_of_the_daw_drops_what_was_planned():
    """Start again while a long note sounds: it ends on time; the new run plays from step 0 at its first tick."""
    follower = MidiClockFollower()
    loop = Loop(follower, groove({KICK: [0], HAT: [1]}), replace(QUIET, gate=1.0))
    feed(loop, follower, T0 - 5 * MS, START)
    for k in range(7):
        feed(loop, follower, T0 + k * TICK, CLOCK)
    restart = T0 + 7 * TICK
    feed(loop, follower, restart, START)
    feed(loop, follower, restart + TICK, CLOCK)
    loop.run(T0 - 10 * MS, restart + 10 * TICK)
    assert [m for _, m in loop.marks()] == [(0, 0), (0, 1), (0, 0)]
    assert [t for t, p, _ in loop.ons() if p == 36] == [T0, restart + TICK]
    assert ("off", T0 + 6 * TICK + 120 * MS) in loop.notes(42)  # step 1's hat, a step at 125 BPM long


def test_a_planned_on_is_dropped_by_a_jump_that_comes_before_it():
    """A jump drops planned notes: a swung hat planned with its step but due later never sounds."""
    loop = Loop(playing(epoch=1), groove({HAT: [1]}, bars=3), replace(QUIET, swing=75))
    jump_at = T0 + STEP + 10 * MS  # step 1 planned (mark sent); its hat is due at 187.5 ms
    loop.at(jump_at, lambda: setattr(loop, "clock", playing(jump_at + 100 * MS, 32, epoch=2)))
    loop.run(T0 - 30 * MS, jump_at + 100 * MS + STEP // 2)
    assert loop.ons() == [] and [m for _, m in loop.marks()] == [(0, 0), (0, 1), (2, 0)]


def test_hits_told_for_the_built_in_sound_carry_the_note_on_time():
    loop = Loop(playing(), groove({KICK: [0], HAT: [1]}), replace(QUIET, swing=66.7)).run(T0 - 30 * MS, T0 + STEP + 50 * MS)
    assert loop.steps == [StepPlan(0, T0, ((KICK, 100),)), StepPlan(1, T0 + STEP + 41_750_000, ((HAT, 102),))]
    ons = [e for e in loop.events() if e.kind == ON]
    assert [e.at_ns for e in ons] == [p.on_ns for p in loop.steps]

