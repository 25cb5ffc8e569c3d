"""The live player: threads and ports around the scheduler, with time read from one clock.

What plays when is decided by `scheduler.py` (a pure core); when "now" is, and where the steps fall, comes
from one `Clock` (`clock.py`): our own (`InternalClock`, the default), a DAW's MIDI clock (`follow`), or any
other, Ableton Link included (`use_clock`). The player only runs things, three threads each with one job:
- the real-time thread reads the clock, lets the scheduler plan steps a little ahead, and sends each event
  when its time comes, sleeping until just before it and spinning the last stretch (sleep alone overshoots
  by a tenth of a millisecond);
- the lookahead thread asks the bar source for bar n+1 as soon as bar n starts, so generation never sits
  between a note and its time;
- the watchdog notices a port that has gone (its server or peer vanished, or a send raised) and reopens it,
  the output and the followed clock input alike (see `reconnect.py`); an outage is reported once, and once
  when it ends.
Faults never escape a thread: they go to `on_fault` and the player keeps time.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Callable, Optional, Protocol

from drummachine.groove.pattern import Pattern
from drummachine.groove.vocabulary import STEPS_PER_BAR
from drummachine.live.clock import Clock, ClockState
from drummachine.live.internal_clock import InternalClock
from drummachine.live.messages import is_note
from drummachine.live.midi_clock import MidiClockFollower
from drummachine.live.scheduler import MARK, Scheduler, restart_step
from drummachine.live.settings import PlayerSettings
from drummachine.midi.reconnect import Change, ReconnectingPort

__all__ = ["BarSource", "Fault", "Output", "Player", "PlayerSettings", "SendRecord"]

HORIZON_NS = 20_000_000  # steps are planned this far ahead of their time
SPIN_NS = 1_500_000  # the last stretch before an event is spun, not slept
IDLE_WAIT_S = 0.05  # nothing planned: look again this often (a start wakes the loop at once)
CLOCK_WAIT_S = 0.005  # the next step waits for the clock to know it (a followed clock wakes the loop sooner)


def _try_realtime_priority(priority: int = 20) -> bool:
    """Ask for round-robin real-time scheduling for the calling thread where the OS grants it (Linux with
    rtprio or root). Its spin before an event is bounded, so it cannot starve the machine. False elsewhere."""
    try:
        import os

        os.sched_setscheduler(threading.get_native_id(), os.SCHED_RR, os.sched_param(priority))
        return True
    except (AttributeError, OSError, PermissionError):
        return False


class Output(Protocol):
    name: str

    def send(self, message) -> None: ...
    def alive(self) -> bool: ...
    def server_alive(self) -> bool: ...
    def close(self) -> None: ...


class BarSource(Protocol):
    def bar(self, index: int) -> Pattern:
        """Bar `index` of the performance (one bar)."""


@dataclass(frozen=True)
class Fault:
    kind: str  # output | source | late | input | clock
    message: str
    at: float = field(default_factory=time.monotonic)


@dataclass
class SendRecord:
    scheduled_ns: int
    sent_ns: int
    message: tuple


Hits = Callable[[int, list[tuple[int, int]]], None]
"""`on_hits(at_ns, [(class, velocity), ...])`: the unmuted hits of one step, told when the step is planned
(about 20 ms ahead, on the real-time thread, lock held: keep it short), with its note-on time."""


class Player:
    """Plays a bar source live on a MIDI output. `on_step(bar, step)` is told each step as it sounds;
    `on_hits` each step's hits as it is planned (the built-in sound places them by it); `midi_notes` False
    keeps notes off the port (clock and transport still go)."""

    def __init__(
        self,
        open_output: Callable[[], Output],
        source: BarSource,
        settings: PlayerSettings = PlayerSettings(),
        on_fault: Optional[Callable[[Fault], None]] = None,
        on_step: Optional[Callable[[int, int], None]] = None,
        record_sends: bool = False,
        watchdog_s: float = 0.5,
        on_hits: Optional[Hits] = None,
        midi_notes: bool = True,
    ):
        self._source = source
        self.settings = settings
        self.on_fault = on_fault or (lambda fault: None)
        self.on_step = on_step or (lambda bar, step: None)
        self.on_hits = on_hits
        self.midi_notes = midi_notes
        self.sends: Optional[deque] = deque(maxlen=1_000_000) if record_sends else None
        self.faults: deque = deque(maxlen=1000)
        self.dropped = 0
        self._lock = threading.RLock()
        self._wake = threading.Event()
        self._clock: Clock = InternalClock(settings.bpm)
        self._clock_input: Optional[ReconnectingPort] = None  # the port a followed clock hears
        self._clock_fault = ""  # the last clock failure reported (reported once until it changes)
        self._scheduler = Scheduler()
        self._send_event = self._event_out  # bound once: the real-time path makes no new object before a note
        self._armed = False  # the musician wants to play (start or follow, until stop)
        self._bars: dict[int, Pattern] = {}
        self._last_bar = Pattern.empty(1)
        self._prefetched: Optional[int] = None  # the bar asked for while waiting for the clock to start
        self._source_version = 0
        self._requests: queue.Queue = queue.Queue()
        self._closed = False
        self._output = ReconnectingPort(open_output, self._lock)
        self._server_down = False  # an outage of the MIDI server, reported once
        self._saved_switch_s: Optional[float] = None
        self.position = (0, 0)  # (bar, step) last sounded
        self.realtime = False  # whether the OS gave the real-time thread real-time scheduling
        try:
            self._output.open()
        except Exception as exc:  # noqa: BLE001 - the watchdog tries again; the owner hears why
            self._fault("output", f"MIDI output unavailable: {exc}")
        self._threads = [
            threading.Thread(target=self._run, name="player-realtime", daemon=True),
            threading.Thread(target=self._lookahead, name="player-lookahead", daemon=True),
            threading.Thread(target=self._watchdog, args=(watchdog_s,), name="player-watchdog", daemon=True),
        ]
        for t in self._threads:
            t.start()

    # --- control (any thread) -------------------------------------------------------------------------
    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def playing(self) -> bool:
        """Asked to play, and the clock runs (a followed DAW may be stopped)."""
        return self._armed and self._clock.state(time.perf_counter_ns()).playing

    @property
    def armed(self) -> bool:
        """Asked to play (start or follow) and not stopped since: a followed clock plays when its master runs."""
        return self._armed

    @property
    def output_ok(self) -> bool:
        return self._output.port is not None

    @property
    def output_name(self) -> str:
        port = self._output.port
        return port.name if port is not None else "(no port)"

    def start(self) -> None:
        """Play: our own clock starts bar 1 now; a followed clock plays when its master says."""
        with self._lock:
            now = time.perf_counter_ns()
            if self._armed and self._clock.state(now).playing:
                return
            self._clock.start(now)
            self._armed = True
            self._reset_bars()
            self._prefetched = restart_step(self._clock.state(now), now) // STEPS_PER_BAR
            self._request(self._prefetched)
            self._hold_switch_interval()
        self._wake.set()

    def stop(self) -> None:
        """Stop playing, and stop the clock (ours, or a shared one: Link stops for every peer); every
        sounding note ends now."""
        with self._lock:
            self._clock.stop(time.perf_counter_ns())
            self._halt()

    def _halt(self) -> None:
        """Stop playing here, leaving the clock alone (closing, or changing clocks, must not stop a session
        others play in); every sounding note ends now."""
        with self._lock:
            now = time.perf_counter_ns()
            self._armed = False
            self._scheduler.stop(now, self.settings)
            self._send_due(now)
            self._release_switch_interval()

    def set_source(self, source: BarSource) -> None:
        """A new pattern, morph or generator: it sounds from the next bar line on."""
        with self._lock:
            self._source = source
            self._source_version += 1
            step = self._scheduler.next_step
            upcoming = step // STEPS_PER_BAR + (1 if step % STEPS_PER_BAR else 0)
            for n in [k for k in self._bars if k >= upcoming]:
                del self._bars[n]
        self._request(upcoming)

    def update(self, **changes) -> None:
        """Change BPM, swing, gate, channel, note map, clock or mutes; effective from the next step (a tempo
        goes to the clock, which keeps the next step where it was)."""
        with self._lock:
            old = self.settings
            self.settings = replace(old, **changes)
            now = time.perf_counter_ns()
            if self.settings.bpm != old.bpm:
                self._clock.set_bpm(self.settings.bpm, now)
            if old.channel != self.settings.channel or old.note_map != self.settings.note_map:
                self._scheduler.notes_off(now, old.channel)
                self._send_due(now)

    def follow(self, open_input: Callable[[Callable[[list[int]], None]], object]) -> None:
        """Follow an external MIDI clock (the DAW as master) and play along: `open_input(callback)` opens the
        port whose messages go to `callback`. A port that is not there now is the user's error: it raises."""
        follower = MidiClockFollower(self.settings.bpm, on_change=self._wake.set)

        def heard(message) -> None:
            follower.receive(message, time.perf_counter_ns())

        port = ReconnectingPort(lambda: open_input(heard), self._lock)
        port.open()
        self._use(follower, port)  # only now, open, does the watchdog look after it
        self.start()  # ready before the master's Start: its first tick plays at once

    def use_clock(self, clock: Clock) -> None:
        """Read time from `clock` from now on: the player stops playing and closes the clock it had (without
        stopping it: a shared session plays on for the others); `start` plays."""
        self._use(clock, None)

    def tempo_from_clock(self) -> Optional[float]:
        """The BPM of the MIDI clock we follow, from its last 24 ticks (None when not following)."""
        clock = self._clock
        return clock.tempo() if isinstance(clock, MidiClockFollower) else None

    def close(self) -> None:
        """Silence, release the threads, the clock and the ports (a shared clock is left, not stopped)."""
        self._halt()
        self._closed = True
        self._wake.set()
        self._requests.put(None)
        for t in self._threads:
            t.join(timeout=2)
        self._clock.close()
        if self._clock_input is not None:
            self._clock_input.close()
        self._output.close()

    def __enter__(self) -> "Player":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _use(self, clock: Clock, clock_input: Optional[ReconnectingPort]) -> None:
        self._halt()
        with self._lock:
            old, self._clock = self._clock, clock
            old_input, self._clock_input = self._clock_input, clock_input
            self._clock_fault = ""
        if old is not clock:
            old.close()
        if old_input is not None:
            old_input.close()

    # --- faults -------------------------------------------------------------------------------------------
    def _fault(self, kind: str, message: str) -> None:
        fault = Fault(kind, message)
        self.faults.append(fault)
        try:
            self.on_fault(fault)
        except Exception:  # an owner's callback must not stop the clock
            pass

    def _watchdog(self, period: float) -> None:
        while not self._closed:
            time.sleep(period)
            if self._closed:
                return
            self._report("output", "MIDI output", self._output.check())
            following = self._clock_input
            if following is not None:
                self._report("input", "MIDI clock input", following.check())

    def _report(self, kind: str, what: str, change: Optional[Change]) -> None:
        """One line per event: a stopped server once for all its ports, then each port once when back."""
        if change is None:
            return
        if change.kind == "lost" and change.server_stopped:
            if not self._server_down:
                self._server_down = True
                self._fault(kind, "MIDI server gone; waiting for it")
        elif change.kind == "lost":
            self._fault(kind, f"{what} {change.name} has gone; waiting for it")
        elif change.kind == "unavailable":
            self._fault(kind, f"{what} {change.name} unavailable: {change.reason}")
        else:
            self._server_down = False
            self._fault(kind, f"{what} {change.name} is back")

    # --- the interpreter's switch interval, shortened while playing -----------------------------------------
    def _hold_switch_interval(self) -> None:
        """Let the real-time thread take the GIL within half a millisecond while we play; `stop` restores it."""
        if self._saved_switch_s is None:
            self._saved_switch_s = sys.getswitchinterval()
            sys.setswitchinterval(min(self._saved_switch_s, 0.0005))

    def _release_switch_interval(self) -> None:
        if self._saved_switch_s is not None:
            sys.setswitchinterval(self._saved_switch_s)
            self._saved_switch_s = None

    # --- bars ---------------------------------------------------------------------------------------------
    def _reset_bars(self) -> None:
        self._bars.clear()
        self._source_version += 1
        self._prefetched = None

    def _request(self, bar: int) -> None:
        self._requests.put((bar, self._source_version))

    def _lookahead(self) -> None:
        while True:
            item = self._requests.get()
            if item is None or self._closed:
                return
            bar, version = item
            with self._lock:
                source = self._source
                if version != self._source_version or bar in self._bars:
                    continue
            try:
                pattern = source.bar(bar)
                if pattern.bars != 1:
                    raise ValueError(f"a bar source returned {pattern.bars} bars for one")
            except Exception as exc:
                self._fault("source", f"bar {bar + 1} could not be made ({type(exc).__name__}: {exc}); "
                                      "the previous bar plays again")
                continue
            with self._lock:
                if version == self._source_version:
                    self._bars[bar] = pattern

    def _bar_for(self, bar: int, first: bool) -> Pattern:
        """The scheduler's bar supply (real-time thread, lock held): the bar made ahead, or the one before."""
        pattern = self._bars.pop(bar, None)
        if pattern is None and first:
            # the first bar after a start or a jump: nothing sounds yet, so asking the source now delays no note
            try:
                pattern = self._source.bar(bar)
            except Exception as exc:
                self._fault("source", f"bar {bar + 1} could not be made ({type(exc).__name__}: {exc})")
        if pattern is None:
            self._fault("late", f"bar {bar + 1} was not ready at its bar line; the previous bar plays again")
            pattern = self._last_bar
        self._last_bar = pattern
        for old in [k for k in self._bars if k < bar]:
            del self._bars[old]
        self._request(bar + 1)
        return pattern

    # --- sending (lock held) ----------------------------------------------------------------------------------
    def _send_due(self, now: int) -> None:
        self._scheduler.dispatch(now, self._send_event)

    def _event_out(self, scheduled: int, kind: int, message: tuple) -> None:
        """One event the scheduler hands out: the playhead moves, or a message goes to the port."""
        if kind == MARK:
            self.position = message
            try:
                self.on_step(*message)
            except Exception:
                pass
            return
        if not self.midi_notes and is_note(message):
            return
        out = self._output.port
        if out is None:
            self.dropped += 1
            return
        try:
            out.send(message)
        except Exception as exc:
            self._output.failed(out)
            self.dropped += 1
            self._fault("output", f"sending to {out.name} failed ({exc})")
            return
        if self.sends is not None:
            self.sends.append(SendRecord(scheduled, time.perf_counter_ns(), message))

    # --- the real-time loop ---------------------------------------------------------------------------------
    def _run(self) -> None:
        """Each look sends what is due first, straight from the scheduler to the port (every call before it
        delays the note), then plans what the clock now allows (20 ms ahead of its notes)."""
        self.realtime = _try_realtime_priority()
        while not self._closed:
            with self._lock:
                now = time.perf_counter_ns()
                self._scheduler.dispatch(now, self._send_event)
                wake, idle_s = self._plan(now)
            self._wait_until(wake, idle_s)

    def _plan(self, now: int) -> tuple[Optional[int], float]:
        """Plan what the clock allows now (lock held), and send what of it is due already (a followed step
        at its tick, or the stop of a clock that stopped); when to look again."""
        state = self._read_clock(now)
        if not self._armed and state.playing:
            state = replace(state, playing=False)
        scheduler = self._scheduler
        for step in scheduler.plan(state, now, HORIZON_NS, self.settings, self._bar_for):
            if step.hits and self.on_hits is not None:
                try:
                    for at, hits in step.by_time():  # with feel, each hit at its own time
                        self.on_hits(at, hits)
                except Exception:  # an owner's listener must not stop the clock
                    pass
        self._send_due(now)
        if self._armed and not scheduler.running:  # waiting for the clock: have its first bar ready
            bar = restart_step(state, now) // STEPS_PER_BAR
            if bar != self._prefetched:
                self._prefetched = bar
                self._request(bar)
        return scheduler.wake_ns(state, HORIZON_NS), CLOCK_WAIT_S if scheduler.running else IDLE_WAIT_S

    def _read_clock(self, now: int) -> ClockState:
        """The clock's state; a clock that fails is reported once and counts as stopped until it answers."""
        try:
            state = self._clock.state(now)
        except Exception as exc:  # noqa: BLE001 - a clock's failure (a session gone) must not stop the thread
            message = f"the {self._clock.name} clock failed ({type(exc).__name__}: {exc})"
            if message != self._clock_fault:
                self._clock_fault = message
                self._fault("clock", message)
            return ClockState(playing=False, bpm=self.settings.bpm)
        self._clock_fault = ""
        return state

    def _wait_until(self, target: Optional[int], idle_s: float) -> None:
        if target is None:
            self._wake.wait(idle_s)
            self._wake.clear()
            return
        coarse = (target - time.perf_counter_ns() - SPIN_NS) / 1e9
        if coarse > 0:
            if self._wake.wait(coarse):
                self._wake.clear()
                return
        wake = self._wake
        while time.perf_counter_ns() < target:  # spin: sub-millisecond precision
            if wake.is_set():  # the clock learnt something (a followed tick): look now
                wake.clear()
                return
