"""Following a DAW's MIDI clock: the DAW is the master, and we play the step each of its ticks says.

The clock is fed the messages of the followed input port with their arrival times (`receive`); it holds no
port itself (the player opens that port and its watchdog reopens it when it goes). It reads:
- Start: from step 0 (a new epoch); Continue: from where the DAW stopped or its Song Position put us;
- Stop: the run ends; Song Position: the step to play next (a new epoch), in MIDI beats, i.e. 16ths;
- clock ticks, 6 a step: the tick that begins a step is that step's time, and the tempo comes from the
  last 24 ticks (a beat's worth). A step is known only once its tick has arrived, so `known_until_ns` is the
  arrival of the last tick that began one: the scheduler sends each step at its tick, never on a guess.
Ticks while stopped only keep the tempo current.

Its state is one frozen `ClockState`, made as each message arrives and swapped whole, so the real-time
thread reads it without waiting on the port's thread.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Callable, Optional

from drummachine.live.clock import ClockState
from drummachine.live.messages import CLOCK, CLOCKS_PER_STEP, CONTINUE, SONG_POSITION, START, STOP

TICKS_FOR_TEMPO = 24  # a beat's worth of ticks: the tempo is their mean spacing


class MidiClockFollower:
    """A `Clock` that follows the MIDI clock messages it receives. `start`, `stop` and `set_bpm` are ignored:
    the DAW decides. `bpm` is the tempo assumed until two ticks have come (it only sets note lengths and
    swing then; step times always come from ticks). `on_change` is called after each message that changed
    what the clock knows, so a waiting player looks at once (from the port's thread: keep it short)."""

    name = "midi clock"

    def __init__(self, bpm: float = 120.0, on_change: Optional[Callable[[], None]] = None):
        self.default_bpm = bpm
        self.on_change = on_change or (lambda: None)
        self._lock = threading.Lock()  # one message at a time, should the port ever deliver from two threads
        self._ticks: deque = deque(maxlen=TICKS_FOR_TEMPO)  # arrival times of the latest ticks
        self._playing = False
        self._tick_count = -1  # ticks since step 0 of the run, for the tick just received (-1: none yet)
        self._next_step = 0  # the step the next step tick begins (Continue and Song Position agree)
        self._epoch = 0
        self._state = ClockState(False, bpm, master=False)
        self.closed = False

    def tempo(self) -> Optional[float]:
        """The DAW's BPM from its last 24 ticks; None before two have come."""
        ticks = self._ticks
        if len(ticks) < 2:
            return None
        return 60e9 / ((ticks[-1] - ticks[0]) / (len(ticks) - 1) * CLOCKS_PER_STEP * 4)

    def state(self, now_ns: int) -> ClockState:
        return self._state

    def receive(self, message, at_ns: int) -> None:
        """One message from the followed port, as it arrived at `at_ns` (perf_counter ns)."""
        if not message:
            return
        kind = message[0]
        with self._lock:
            if kind == CLOCK:
                self._ticks.append(at_ns)
                if not self._playing:
                    self._settle(at_ns)
                    return
                self._tick_count += 1
                if self._tick_count % CLOCKS_PER_STEP:
                    return  # a tick within a step: nothing new is known
                step = self._tick_count // CLOCKS_PER_STEP
                self._next_step = step + 1
                self._state = ClockState(True, self._bpm(), at_ns, step, at_ns, self._epoch, master=False)
            elif kind == START:
                self._epoch += 1
                self._begin(0, at_ns)
            elif kind == CONTINUE:
                self._begin(self._next_step, at_ns)
            elif kind == STOP:
                self._playing = False
                self._settle(at_ns)
            elif kind == SONG_POSITION and len(message) == 3:
                self._epoch += 1
                self._next_step = message[1] | (message[2] << 7)
                self._tick_count = self._next_step * CLOCKS_PER_STEP - 1
                if self._playing:
                    self._await_tick(at_ns)
                else:
                    self._settle(at_ns)
            else:
                return
        self.on_change()

    def _begin(self, step: int, at_ns: int) -> None:
        self._playing = True
        self._next_step = step
        self._tick_count = step * CLOCKS_PER_STEP - 1
        self._await_tick(at_ns)

    def _await_tick(self, at_ns: int) -> None:
        """Playing, with step `_next_step` expected one tick from now but not known until that tick comes."""
        bpm = self._bpm()
        tick_ns = 60e9 / bpm / (CLOCKS_PER_STEP * 4)
        self._state = ClockState(True, bpm, round(at_ns + tick_ns), self._next_step, at_ns, self._epoch,
                                 master=False)

    def _settle(self, at_ns: int) -> None:
        """Stopped: the state says where a Continue would go on from, and the tempo heard so far."""
        self._state = ClockState(False, self._bpm(), at_ns, self._next_step, at_ns, self._epoch, master=False)

    def _bpm(self) -> float:
        return self.tempo() or self.default_bpm

    def start(self, now_ns: int) -> None:
        """The DAW starts us, not the musician."""

    def stop(self, now_ns: int) -> None:
        """The DAW stops us, not the musician."""

    def set_bpm(self, bpm: float, now_ns: int) -> None:
        """The tempo is the DAW's; ours is only the guess before its ticks come."""
        self.default_bpm = bpm

    def close(self) -> None:
        """The player owns the port; closed says its owner let the clock go."""
        self.closed = True
