"""The live player: a real-time thread that sends every note and clock tick on time.

Three threads, each with one job:
- the real-time thread schedules steps a little ahead and sends each event when its time comes, sleeping
  until just before it and spinning the last stretch (sleep alone overshoots by a tenth of a millisecond);
- the lookahead thread asks the bar source for bar n+1 as soon as bar n starts, so generation never sits
  between a note and its time;
- the watchdog notices a port that has gone (its server or peer vanished, or a send raised) and reopens it,
  the output and the followed clock input alike (see `reconnect.py`); an outage is reported once, and once
  when it ends.
Faults never escape a thread: they go to `on_fault` and the player keeps time.
"""

from __future__ import annotations

import heapq
import itertools
import queue
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Callable, Optional, Protocol

from drummachine.midi import note_maps
from drummachine.groove.pattern import Pattern
from drummachine.midi.reconnect import Change, ReconnectingPort
from drummachine.groove.vocabulary import NUM_CLASSES, OUTPUT_PITCHES, STEPS_PER_BAR

CLOCKS_PER_STEP = 6  # MIDI clock is 24 per quarter note, a step is a 16th
HORIZON_NS = 20_000_000  # steps are scheduled this far ahead of their time
SPIN_NS = 1_500_000  # the last stretch before an event is spun, not slept
ALL_NOTES_OFF = 123

CLOCK, START, CONTINUE, STOP, SONG_POSITION = 0xF8, 0xFA, 0xFB, 0xFC, 0xF2
_OFF, _TICK, _ON, _MARK = 0, 1, 2, 3  # order of events due at the same time


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
class PlayerSettings:
    bpm: float = 120.0
    swing: float = 50.0  # percent: 50 is straight, 66.7 a triplet feel, at most 75
    gate: float = 0.5  # note length as a fraction of a step
    channel: int = 9  # zero-based: MIDI channel 10
    note_map: tuple[int, ...] = OUTPUT_PITCHES
    send_clock: bool = True
    muted: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        if not 40 <= self.bpm <= 300:
            raise ValueError(f"BPM must lie in 40..300, got {self.bpm}")
        if not 50 <= self.swing <= 75:
            raise ValueError(f"swing must lie in 50..75 %, got {self.swing}")
        if not 0 < self.gate <= 1:
            raise ValueError("gate is a fraction of a step in (0, 1]")
        if not 0 <= self.channel <= 15:
            raise ValueError("channel must lie in 0..15 (MIDI channels 1-16)")
        object.__setattr__(self, "note_map", note_maps.validate(self.note_map))

    @property
    def step_ns(self) -> float:
        return 60e9 / self.bpm / 4

    def swing_ns(self, step: int, step_ns: float) -> float:
        """Odd 16ths are pushed late: at 66.7 % the pair splits 2:1 like a triplet."""
        return (2 * self.swing / 100 - 1) * step_ns if step % 2 else 0.0


@dataclass(frozen=True)
class Fault:
    kind: str  # output | source | late | input
    message: str
    at: float = field(default_factory=time.monotonic)


@dataclass
class SendRecord:
    scheduled_ns: int
    sent_ns: int
    message: tuple


class Player:
    def __init__(
        self,
        open_output: Callable[[], Output],
        source: BarSource,
        settings: PlayerSettings = PlayerSettings(),
        on_fault: Optional[Callable[[Fault], None]] = None,
        on_step: Optional[Callable[[int, int], None]] = None,
        record_sends: bool = False,
        watchdog_s: float = 0.5,
    ):
        self._source = source
        self.settings = settings
        self.on_fault = on_fault or (lambda fault: None)
        self.on_step = on_step or (lambda bar, step: None)
        self.sends: Optional[deque] = deque(maxlen=1_000_000) if record_sends else None
        self.faults: deque = deque(maxlen=1000)
        self.dropped = 0
        self._lock = threading.RLock()
        self._wake = threading.Event()
        self._heap: list = []
        self._ids = itertools.count()
        self._sounding: dict[int, int] = {}  # pitch -> id of its latest note-on
        self._playing = False
        self._following = False
        self._step = 0
        self._step_time = 0.0
        self._ticks = -1
        self._tick_ns: deque = deque(maxlen=24)
        self._external: deque = deque()
        self._bars: dict[int, Pattern] = {}
        self._last_bar = Pattern.empty(1)
        self._current, self._current_bar = self._last_bar, -1
        self._source_version = 0
        self._requests: queue.Queue = queue.Queue()
        self._closed = False
        self._output = ReconnectingPort(open_output, self._lock)
        self._input: Optional[ReconnectingPort] = None
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
    def playing(self) -> bool:
        return self._playing

    @property
    def output_ok(self) -> bool:
        return self._output.port is not None

    @property
    def output_name(self) -> str:
        port = self._output.port
        return port.name if port is not None else "(no port)"

    def start(self) -> None:
        """Play from bar 0 on our own clock (sending Start and clock ticks when asked)."""
        with self._lock:
            if self._playing or self._following:
                return
            self._reset_bars()
            self._step = 0
            self._step_time = time.perf_counter_ns() + 30_000_000
            if self.settings.send_clock:
                self._push(int(self._step_time) - 1, _TICK, [START])
            self._playing = True
            self._hold_switch_interval()
        self._request(0)
        self._wake.set()

    def stop(self) -> None:
        with self._lock:
            was = self._playing
            self._playing = False
            self._heap.clear()
            self._silence(send_stop=was and self.settings.send_clock and not self._following)
            self._release_switch_interval()

    def set_source(self, source: BarSource) -> None:
        """A new pattern, morph or generator: it sounds from the next bar line on."""
        with self._lock:
            self._source = source
            self._source_version += 1
            upcoming = self._step // STEPS_PER_BAR + (1 if self._step % STEPS_PER_BAR else 0)
            for n in [k for k in self._bars if k >= upcoming]:
                del self._bars[n]
        self._request(upcoming)

    def update(self, **changes) -> None:
        """Change BPM, swing, gate, channel, note map, clock or mutes; effective from the next step."""
        with self._lock:
            old = self.settings
            self.settings = replace(old, **changes)
            if old.channel != self.settings.channel or old.note_map != self.settings.note_map:
                self._all_notes_off(old.channel)

    def follow(self, open_input: Callable[[Callable[[list[int]], None]], object]) -> None:
        """Follow an external MIDI clock (the DAW as master): Start, Stop, Continue, Song Position, ticks."""
        self.stop()
        if self._input is not None:
            self._input.close()
            self._input = None
        following = ReconnectingPort(lambda: open_input(self._external_message), self._lock)
        following.open()  # a port that is not there now is the user's error: it raises
        self._input = following  # only now, open, does the watchdog look after it
        with self._lock:
            self._following = True
            self._reset_bars()
            self._hold_switch_interval()
        self._request(0)  # ready before the master's Start: its first tick plays bar 1 at once

    def close(self) -> None:
        self.stop()
        self._closed = True
        self._wake.set()
        self._requests.put(None)
        for t in self._threads:
            t.join(timeout=2)
        if self._input is not None:
            self._input.close()
        self._output.close()

    def __enter__(self) -> "Player":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

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
            following = self._input
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
        self._current_bar = -1

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

    def _bar_for(self, bar: int) -> Pattern:
        pattern = self._bars.pop(bar, None)
        if pattern is None and self._current_bar == -1:
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
        return pattern

    # --- scheduling (real-time thread, lock held) ------------------------------------------------------------
    def _push(self, at: int, order: int, message, pitch_id: Optional[tuple[int, int]] = None) -> None:
        heapq.heappush(self._heap, (at, order, next(self._ids), message, pitch_id))

    def _schedule_step(self, step: int, at: float, step_ns: float) -> None:
        s = self.settings
        bar, within = divmod(step, STEPS_PER_BAR)
        if within == 0 or bar != self._current_bar:  # a bar line, or a start in mid-bar
            self._current, self._current_bar = self._bar_for(bar), bar
            self._request(bar + 1)
        velocities = self._current.velocities[0, within]
        on_at = int(at + s.swing_ns(step, step_ns))
        off_at = int(on_at + max(s.gate * step_ns, 1e6))
        status_on, status_off = 0x90 | s.channel, 0x80 | s.channel
        for cls in range(NUM_CLASSES):
            if velocities[cls] and cls not in s.muted:
                pitch = s.note_map[cls]
                nid = next(self._ids)
                self._push(on_at, _ON, [status_on, pitch, int(velocities[cls])], (pitch, nid))
                self._push(off_at, _OFF, [status_off, pitch, 0], (pitch, nid))
        self._push(int(at), _MARK, (bar, within))
        if s.send_clock and not self._following:
            for k in range(CLOCKS_PER_STEP):
                self._push(int(at + k * step_ns / CLOCKS_PER_STEP), _TICK, [CLOCK])

    def _send(self, message, scheduled: int) -> None:
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
            self.sends.append(SendRecord(scheduled, time.perf_counter_ns(), tuple(message)))

    def _dispatch(self, now: int) -> None:
        while self._heap and self._heap[0][0] <= now:
            at, order, _, message, pitch_id = heapq.heappop(self._heap)
            if order == _MARK:
                self.position = message
                try:
                    self.on_step(*message)
                except Exception:
                    pass
                continue
            if pitch_id is not None:
                pitch, nid = pitch_id
                if order == _ON:
                    if pitch in self._sounding:  # retrigger: end the sounding note first
                        self._send([0x80 | (message[0] & 0x0F), pitch, 0], at)
                    self._sounding[pitch] = nid
                elif self._sounding.get(pitch) != nid:
                    continue  # that note was already ended by a retrigger
                else:
                    del self._sounding[pitch]
            self._send(message, at)

    def _all_notes_off(self, channel: int) -> None:
        for pitch in list(self._sounding):
            self._send([0x80 | channel, pitch, 0], time.perf_counter_ns())
        self._sounding.clear()
        self._send([0xB0 | channel, ALL_NOTES_OFF, 0], time.perf_counter_ns())

    def _silence(self, send_stop: bool) -> None:
        if send_stop:
            self._send([STOP], time.perf_counter_ns())
        self._all_notes_off(self.settings.channel)

    # --- external clock -----------------------------------------------------------------------------------
    def _external_message(self, message: list[int]) -> None:
        self._external.append((time.perf_counter_ns(), list(message)))
        self._wake.set()

    def _handle_external(self, now: int) -> None:
        while self._external:
            at, msg = self._external.popleft()
            kind = msg[0]
            if kind == START:
                self._heap.clear()
                self._bars = {k: v for k, v in self._bars.items() if k == 0}
                self._ticks, self._step, self._playing, self._current_bar = -1, 0, True, -1
                if 0 not in self._bars:
                    self._request(0)
            elif kind == CONTINUE:
                self._playing = True
                self._ticks = self._step * CLOCKS_PER_STEP - 1
            elif kind == STOP:
                self._playing = False
                self._heap.clear()
                self._silence(send_stop=False)
                self._request(0)  # for the next Start
            elif kind == SONG_POSITION and len(msg) == 3:
                self._step = msg[1] | (msg[2] << 7)  # in MIDI beats, i.e. 16ths: the next step to play
                self._ticks = self._step * CLOCKS_PER_STEP - 1
                self._reset_bars()
                self._request(self._step // STEPS_PER_BAR)
            elif kind == CLOCK:
                self._tick_ns.append(at)
                if not self._playing:
                    continue
                self._ticks += 1
                if self._ticks % CLOCKS_PER_STEP == 0:
                    ticks = list(self._tick_ns)
                    step_ns = (ticks[-1] - ticks[0]) / (len(ticks) - 1) * CLOCKS_PER_STEP if len(ticks) > 1 else self.settings.step_ns
                    step = self._ticks // CLOCKS_PER_STEP
                    self._schedule_step(step, at, step_ns)
                    self._step = step + 1  # following: the next step to play (Continue and Song Position agree)

    def tempo_from_clock(self) -> Optional[float]:
        """The BPM of the clock we follow, from its last 24 ticks."""
        ticks = list(self._tick_ns)
        if len(ticks) < 2:
            return None
        return 60e9 / ((ticks[-1] - ticks[0]) / (len(ticks) - 1) * 24)

    # --- the real-time loop ---------------------------------------------------------------------------------
    def _run(self) -> None:
        self.realtime = _try_realtime_priority()
        while not self._closed:
            with self._lock:
                now = time.perf_counter_ns()
                if self._following:
                    self._handle_external(now)
                elif self._playing:
                    while self._step_time <= now + HORIZON_NS:
                        step_ns = self.settings.step_ns
                        self._schedule_step(self._step, self._step_time, step_ns)
                        self._step += 1
                        self._step_time += step_ns
                self._dispatch(now)
                nxt = self._heap[0][0] if self._heap else None
                if self._playing and not self._following:
                    ahead = int(self._step_time - HORIZON_NS)
                    nxt = ahead if nxt is None else min(nxt, ahead)
            self._wait_until(nxt)

    def _wait_until(self, target: Optional[int]) -> None:
        if target is None:
            self._wake.wait(0.05)
            self._wake.clear()
            return
        coarse = (target - time.perf_counter_ns() - SPIN_NS) / 1e9
        if coarse > 0:
            if self._wake.wait(coarse):
                self._wake.clear()
                return
        while time.perf_counter_ns() < target:  # spin: sub-millisecond precision
            if self._external:
                return
