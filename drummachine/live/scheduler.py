"""What the player sends, and when: the pure core of live playing (no threads, no ports, no clock reads).

The real-time loop hands the scheduler what it knows, as plain values: the clock's `ClockState`, the time
now, how far ahead to plan, the `PlayerSettings`, and where the bars come from. The scheduler answers with
`Event`s (note on and off, clock ticks, Start/Stop, step marks for the playhead), each with the
`perf_counter_ns` time it is due, handed out in the order they must go. So every musical rule of live
playing (swing, gate, mutes, retriggers, MIDI clock, what a tempo change or a jump of the position does) is
tested with a clock made of numbers, and a new source of time is a new `Clock`, never a new mode here.

Rules, as the player has always played:
- step k sounds at the clock's `step_time(k)`; odd steps are pushed late by (2*swing/100 - 1) of a step;
- a note lasts `gate` of a step (at least 1 ms); a note-on on a pitch still sounding ends it first;
- a hit with feel sounds its own offset off its step (up to half a step early or late): while the bars
  carry feel, steps are planned half a step sooner, so an early hit of a bar's first step leaves before the
  bar line (settings then apply from the step after next); no note of a run sounds before its first step;
- a muted class never sounds; mutes and every other setting apply from the next step planned;
- when the clock is master and `send_clock` is on: 6 clock ticks a step, Start just before step 0 (Song
  Position and Continue before a later first step), Stop when the run ends;
- a stop ends every sounding note and sends All Notes Off; a new epoch (the position jumped) drops what was
  planned under the old one, lets sounding notes end on time, and restarts at the clock's current step.
"""

from __future__ import annotations

import heapq
import itertools
import math
from typing import Callable, NamedTuple, Optional, Sequence

from drummachine.groove.pattern import MAX_OFFSET, Pattern
from drummachine.groove.vocabulary import NUM_CLASSES, STEPS_PER_BAR
from drummachine.live.clock import ClockState
from drummachine.live.messages import (CLOCK, CLOCKS_PER_STEP, CONTINUE, START, STOP, all_notes_off, note_off,
                                       note_on, song_position)
from drummachine.live.settings import PlayerSettings

# the kinds of event, in the order they go when due at the same nanosecond: a note ends before the clock
# tick and the notes that start with it, and the playhead moves last
OFF, TIMING, ON, MARK = 0, 1, 2, 3

Send = Callable[[int, int, tuple], None]
"""`send(at_ns, kind, message)`: takes one event as the scheduler hands it out (see `Scheduler.dispatch`)."""

Bars = Callable[[int, bool], Pattern]
"""`bars(index, first)`: the one-bar pattern of bar `index`. `first` is True for the first bar of a run (after
a start or a jump), which no note sounds before, so a supplier may take its time making it; later bars are
asked for at their bar line and should be ready."""


class Event(NamedTuple):
    at_ns: int  # when it is due, perf_counter ns
    kind: int  # OFF, TIMING (clock, transport, controllers), ON, or MARK
    message: tuple[int, ...]  # MIDI bytes; for a MARK, (bar, step within the bar) now sounding


class StepPlan(NamedTuple):
    """One step as planned: when its notes start (swing included) and which classes sound, how loud; with
    feel, each hit at its own time (`times`, aligned with `hits`)."""

    step: int
    on_ns: int
    hits: tuple[tuple[int, int], ...]  # (class, velocity) of every unmuted hit
    times: tuple[int, ...] = ()  # each hit's note-on time when the hits are off the grid; () when all at on_ns

    def by_time(self) -> list[tuple[int, list[tuple[int, int]]]]:
        """The hits grouped by when they sound: [(at_ns, [(class, velocity), ...]), ...] in time order."""
        if not self.times:
            return [(self.on_ns, list(self.hits))]
        groups: dict[int, list[tuple[int, int]]] = {}
        for at, hit in zip(self.times, self.hits):
            groups.setdefault(at, []).append(hit)
        return sorted(groups.items())


def early_ns(state: ClockState) -> float:
    """How much sooner than its step a hit may sound (feel plays up to half a step early); a followed clock's
    steps are known only at their tick, so there an early hit goes at once instead."""
    return MAX_OFFSET * state.step_ns if state.known_until_ns is None else 0.0


def restart_step(state: ClockState, now_ns: int) -> int:
    """Where a run (or a jump) begins: the first step that has not passed yet, as far as the clock knows.

    A followed clock knows a step only once its tick has arrived, so its newest known step still counts as
    not passed (it is sent at once); steps before 0 do not exist (a start's lead is longer than a step at
    high tempi, and nothing sounds before bar 1)."""
    known = now_ns if state.known_until_ns is None else min(now_ns, state.known_until_ns)
    return max(0, math.ceil(state.step_at(known)))


class Scheduler:
    """Plans steps into a queue of timed events and hands out those due; holds which pitches sound now.

    One owner at a time (the player calls it with its lock held)."""

    def __init__(self) -> None:
        self._queue: list = []  # heap of (at_ns, kind, sequence, message, (pitch, note id, its note-off) or None)
        self._sequence = itertools.count()
        self._sounding: list[Optional[int]] = [None] * 128  # by pitch: the id of the note-on sounding it
        self._at_once: list[tuple[int, int, tuple]] = []  # stop and notes-off messages, due now, in this order
        self.running = False  # whether a run (a start, or the clock's run we follow) is being planned
        self.next_step = 0  # the first step not yet planned
        self._epoch: Optional[int] = None
        self._master = True
        self._bar: Optional[int] = None  # the bar being planned (None: the run's first is still to come)
        self._run_start_ns = 0  # when the run's first step sounds
        self._pattern = Pattern.empty(1)

    # --- planning --------------------------------------------------------------------------------------
    def plan(self, state: ClockState, now_ns: int, horizon_ns: int, settings: PlayerSettings,
             bars: Bars) -> Sequence[StepPlan]:
        """Plan every step due up to `now_ns + horizon_ns` that the clock already knows; a clock that stopped
        ends the run, one that started or jumped (re)starts it. Returns the steps planned, in order."""
        self._master = state.master
        if not state.playing:
            if self.running:
                self.stop(now_ns, settings)
            return ()
        if not self.running or state.epoch != self._epoch:
            self._restart(state, now_ns, settings)
        limit = now_ns + horizon_ns + self._early(state)  # a hit played early is planned that much sooner
        if state.known_until_ns is not None:
            limit = min(limit, state.known_until_ns)
        at = state.step_time(self.next_step)
        if at > limit:
            return ()  # the usual answer, made without a new object: see `dispatch`
        planned = []
        while at <= limit:
            planned.append(self._plan_step(self.next_step, at, state, settings, bars))
            self.next_step += 1
            at = state.step_time(self.next_step)
        return planned

    def _early(self, state: ClockState) -> float:
        """Plan sooner only while the bars carry feel: a grid plays every setting from the next step, as ever."""
        return early_ns(state) if self._pattern.offsets is not None else 0.0

    def _restart(self, state: ClockState, now_ns: int, settings: PlayerSettings) -> None:
        was_running = self.running
        self._drop_planned()
        self.running, self._epoch = True, state.epoch
        self.next_step = restart_step(state, now_ns)
        self._run_start_ns = int(state.step_time(self.next_step))  # no note of the run sounds before its first step
        self._bar = None
        if state.master and settings.send_clock:
            at = int(state.step_time(self.next_step)) - 1  # just before the first step's tick
            if was_running:
                self._push(at, TIMING, (STOP,))  # a jump while we lead: stop, then go on from the new place
            if self.next_step == 0:
                self._push(at, TIMING, (START,))
            else:
                self._push(at, TIMING, song_position(self.next_step))
                self._push(at, TIMING, (CONTINUE,))

    def _plan_step(self, step: int, at: float, state: ClockState, s: PlayerSettings, bars: Bars) -> StepPlan:
        bar, within = divmod(step, STEPS_PER_BAR)
        if within == 0 or bar != self._bar:  # a bar line, or a run that begins in mid-bar
            self._pattern = bars(bar, self._bar is None)
            self._bar = bar
        step_ns = state.step_ns
        velocities = self._pattern.velocities[0, within]
        offsets = None if self._pattern.offsets is None else self._pattern.offsets[0, within]
        on_at = int(at + s.swing_ns(step, step_ns))
        gate = s.gate_ns(step_ns)
        hits, times = [], []
        for cls in range(NUM_CLASSES):
            velocity = int(velocities[cls])
            if velocity and cls not in s.muted:
                pitch = s.note_map[cls]
                off = note_off(s.channel, pitch)
                note = (pitch, next(self._sequence), off)
                hit_at = on_at if offsets is None else max(self._run_start_ns, on_at + int(offsets[cls] * step_ns))
                self._push(hit_at, ON, note_on(s.channel, pitch, velocity), note)
                self._push(int(hit_at + gate), OFF, off, note)
                hits.append((cls, velocity))
                times.append(hit_at)
        self._push(int(at), MARK, (bar, within))
        if state.master and s.send_clock:
            for k in range(CLOCKS_PER_STEP):
                self._push(int(at + k * step_ns / CLOCKS_PER_STEP), TIMING, (CLOCK,))
        return StepPlan(step, on_at, tuple(hits), tuple(times) if offsets is not None else ())

    def _push(self, at: int, kind: int, message: tuple[int, ...], note: Optional[tuple] = None) -> None:
        heapq.heappush(self._queue, (at, kind, next(self._sequence), message, note))

    def _drop_planned(self) -> None:
        """Forget what was planned, except the ends of notes sounding now: they end on time."""
        self._queue = [e for e in self._queue
                       if e[1] == OFF and e[4] is not None and self._sounding[e[4][0]] == e[4][1]]
        heapq.heapify(self._queue)

    # --- handing out ---------------------------------------------------------------------------------------
    def due(self, now_ns: int) -> list[Event]:
        """The events due by `now_ns`, in the order to send them (a retrigger's note-off before its note-on;
        the planned end of a note already ended is left out)."""
        out: list[Event] = []
        self.dispatch(now_ns, lambda at, kind, message: out.append(Event(at, kind, message)))
        return out

    def dispatch(self, now_ns: int, send: Send) -> None:
        """`due`, handing each event to `send` as it comes and making no new object on the way: the
        real-time path calls this between its wake-up and its note, where a garbage collection set off by a
        new list or tuple costs the note 0.3 to 2 ms on a loaded two-core machine (bench/midi_timing.py's
        p99 doubled when this built a list of Events first)."""
        if self._at_once:
            at_once, self._at_once = self._at_once, []
            for at, kind, message in at_once:
                send(at, kind, message)
        queue, sounding = self._queue, self._sounding
        while queue and queue[0][0] <= now_ns:
            at, kind, _, message, note = heapq.heappop(queue)
            if note is not None:
                pitch, nid, off = note
                if kind == ON:
                    if sounding[pitch] is not None:  # retrigger: end the sounding note first (this channel)
                        send(at, OFF, off)
                    sounding[pitch] = nid
                elif sounding[pitch] != nid:
                    continue  # that note was ended already, by a retrigger or a stop
                else:
                    sounding[pitch] = None
            send(at, kind, message)

    def wake_ns(self, state: ClockState, horizon_ns: int) -> Optional[int]:
        """When the loop must look again: the next event, or when the next step comes within the horizon.
        None when neither is known yet (a followed clock's next step waits for its tick)."""
        wake = self._queue[0][0] if self._queue else None
        if self.running and state.playing:
            at = state.step_time(self.next_step)
            if state.known_until_ns is None or at <= state.known_until_ns:
                ahead = int(at - horizon_ns - self._early(state))
                wake = ahead if wake is None else min(wake, ahead)
        return wake

    # --- stopping ------------------------------------------------------------------------------------------
    def stop(self, now_ns: int, settings: PlayerSettings) -> None:
        """End the run: Stop when we lead a run, every sounding note off, All Notes Off; nothing planned stays.
        The messages are due at once (`due`)."""
        if self.running and self._master and settings.send_clock:
            self._at_once.append((now_ns, TIMING, (STOP,)))
        self.running = False
        self._queue.clear()
        self.notes_off(now_ns, settings.channel)

    def notes_off(self, now_ns: int, channel: int) -> None:
        """End every sounding note on `channel` now, then All Notes Off there (a channel or note map change
        ends what the old one started)."""
        for pitch, nid in enumerate(self._sounding):
            if nid is not None:
                self._at_once.append((now_ns, OFF, note_off(channel, pitch)))
                self._sounding[pitch] = None
        self._at_once.append((now_ns, OFF, all_notes_off(channel)))
