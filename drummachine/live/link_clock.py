"""Ableton Link as the player's clock: tempo, bar phase and start/stop shared with every Link app on the LAN.

Binding: LinkPython-extern (import name `link`), not aalink. The player reads time from its real-time thread
with one plain call, `state(now)`, and reads ahead (a step's time before it comes). LinkPython-extern is a
thin synchronous binding of Link's own C++ API (`beatAtTime`, `timeAtBeat`, `requestBeatAtTime`, start/stop
sync), callable from any thread with no event loop. aalink is built around asyncio futures (`await
link.sync(beat)`): it would need an event loop beside the player's threads and answers "wake me at beat n"
rather than "when is beat n". Both ship wheels for Linux, macOS and Windows. Either way the compiled wheel
carries Ableton Link, licensed GPLv2-or-later (or under a licence from Ableton), so it is an optional extra
(`pip install 'drummachine[link]'`): nothing else in the app imports `link`, and this module imports it only
when a `LinkClock` is made.

Steps and bars. Link shares tempo and phase, not beat numbers. We read Link's timeline with quantum 4 (one
16-step bar is 4 beats), so a Link bar line is phase 0, and step = 4 x the app's Link beat. When the session
starts playing we map beat 0 to the start, as Ableton's LinkHut does: our start asks for beat 0
`start_lead_ms` from now, a peer's start (seen as the session turning to playing between two reads) for beat
0 at its start time. With peers Link moves the request to the next bar line, so step 0 (bar 1) sounds on a
Link bar line of every peer, and on the same one as every peer that does the same (which is how the tests
compare beat grids); alone it sounds at the time asked.

Two clocks. Link times are microseconds of Link's own clock (`Clock.micros()`: CLOCK_MONOTONIC_RAW on
Linux, mach_absolute_time on macOS, QueryPerformanceCounter on Windows); the player's are
`time.perf_counter_ns()`. `ClockBridge` measures the offset between them at construction: the Link reading
between two perf_counter readings, the tightest of several tries, centred in its microsecond. On Linux
perf_counter is CLOCK_MONOTONIC, which NTP slews against the raw clock by up to 500 ppm (0.5 ms a second),
so the offset is measured again every `remeasure_s` while the clock is read; that keeps it within 50 us in
the worst slew and within a microsecond or two normally.

Epoch. It changes on every start and when the timeline jumps: Link realigned us to a session we joined, or a
peer forced a beat. A tempo change is not a jump: Link keeps the beat continuous at the moment of change, so
the old and new timelines cross at that moment, which lies between our last read (less `tempo_window_s` for
the network) and now. Any other move larger than `jump_steps` is a jump.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, replace
from typing import Any, Callable, Optional

from drummachine.live.clock import STEPS_PER_BEAT, ClockState

QUANTUM = 4.0  # Link beats in one bar of 16 steps: bar lines are Link phase 0
EXTRA_HINT = "Link needs the optional extra: pip install 'drummachine[link]'"
# A peer that starts on a bar line gives a start time a rounding either side of it; Link maps a requested beat
# to the next bar line at or after the time asked, so we ask from a little earlier, or we could land a bar late.
START_SLACK_US = 20
SETTLE_TIMEOUT_S = 5.0  # Link's own thread answers in microseconds; this long means it is stuck


class LinkUnavailable(RuntimeError):
    """The optional `link` extra is not installed; its message is the one sentence to show."""


def load_link() -> Any:
    """The `link` module (LinkPython-extern), or LinkUnavailable saying how to install it."""
    try:
        import link
    except ImportError as exc:
        raise LinkUnavailable(EXTRA_HINT) from exc
    return link


@dataclass(frozen=True)
class LinkConfig:
    """How we take part in a Link session; the session itself (tempo, phase, playing) belongs to all peers."""

    bpm: float = 120.0  # the tempo we bring; a session we join keeps its own
    start_lead_ms: float = 30.0  # alone, a start sounds step 0 this long after the request (as our own clock)
    latency_ms: float = 0.0  # output latency: steps are due this much before their Link time, to sound on it
    remeasure_s: float = 0.1  # the perf_counter/Link offset is measured again this often while being read
    jump_steps: float = 0.02  # a move of the timeline larger than this that no tempo change explains is a jump
    tempo_window_s: float = 1.0  # a peer's tempo change may reach us this long after it happened

    def __post_init__(self) -> None:
        if not 20 <= self.bpm <= 999:
            raise ValueError(f"Link tempo must lie in 20..999 BPM, got {self.bpm}")
        if self.start_lead_ms < 0 or self.latency_ms < 0 or self.remeasure_s <= 0 or self.jump_steps <= 0:
            raise ValueError("Link clock leads, latency, remeasure interval and jump size must be positive")


class ClockBridge:
    """Converts between perf_counter nanoseconds and a foreign clock read in integer microseconds."""

    def __init__(self, micros: Callable[[], int], tries: int = 7):
        self._micros = micros
        self._tries = tries
        self.offset_ns = 0.0  # perf_counter_ns - foreign ns
        self.uncertainty_ns = 0.0  # half the tightest bracket, plus half a microsecond of rounding
        self.measured_at_ns = 0
        self.measure()

    def measure(self) -> None:
        """Read the foreign clock between two perf_counter reads, `tries` times; keep the tightest bracket.

        `micros()` truncates to whole microseconds, so the true foreign time lies in [m, m + 1) us: centre it."""
        best_width, best_offset = math.inf, 0.0
        for _ in range(self._tries):
            before = time.perf_counter_ns()
            m = self._micros()
            after = time.perf_counter_ns()
            if after - before < best_width:
                best_width, best_offset = after - before, (before + after) / 2 - (m * 1000 + 500)
        self.offset_ns = best_offset
        self.uncertainty_ns = best_width / 2 + 500
        self.measured_at_ns = time.perf_counter_ns()

    def to_foreign_us(self, perf_ns: float) -> int:
        return round((perf_ns - self.offset_ns) / 1000)

    def to_perf_ns(self, foreign_us: float) -> float:
        return foreign_us * 1000 + self.offset_ns


def timeline_jumped(old: ClockState, new: ClockState, since_ns: float, now_ns: float, tol_steps: float) -> bool:
    """Whether `new` differs from `old` by more than `tol_steps` at every moment in [since_ns, now_ns].

    A tempo change keeps the position continuous at its moment, so the two lines cross inside the window."""
    before = new.step_at(since_ns) - old.step_at(since_ns)
    after = new.step_at(now_ns) - old.step_at(now_ns)
    if before * after <= 0:
        return False
    return min(abs(before), abs(after)) > tol_steps


class LinkClock:
    """A `Clock` (see clock.py) that plays in an Ableton Link session; enabled from construction to `close`."""

    name = "link"

    def __init__(self, config: LinkConfig = LinkConfig()):
        link = load_link()
        self.config = config
        self._link = link.Link(config.bpm)
        self._link.startStopSyncEnabled = True
        self._bridge = ClockBridge(self._link.clock().micros)
        self._lock = threading.Lock()
        self._epoch = 0
        self._was_playing = False  # as we last saw the session: a change to playing is a start to align
        self._last: Optional[tuple[int, ClockState]] = None  # our last answer and when it was asked
        self.closed = False
        self._link.enabled = True
        try:
            self._settle()
        except BaseException:
            self.close()
            raise

    def _settle(self) -> None:
        """Wait until Link's network thread has run the reset that enabling queues on it.

        A commit made before that reset runs is undone by it (seen under load: a start made at once after
        construction sounded step 0 at the construction time, not after the lead). The thread runs tasks in
        order, so a tempo nudge committed now is reported by the tempo callback only after the reset; then
        the tempo is put back. The nudge (one part in a million) lasts about a millisecond."""
        reached = threading.Event()
        self._link.setTempoCallback(lambda bpm: reached.set())
        try:
            nudged = self.config.bpm * (1 + 1e-6 if self.config.bpm < 999 else 1 - 1e-6)  # Link clamps 20..999
            for bpm in (nudged, self.config.bpm):
                session = self._link.captureAppSessionState()
                session.setTempo(bpm, self._link.clock().micros())
                self._link.commitAppSessionState(session)
                if not reached.wait(SETTLE_TIMEOUT_S):
                    raise RuntimeError("Link's network thread did not answer within "
                                       f"{SETTLE_TIMEOUT_S:g} s")
                reached.clear()
        finally:
            self._link.setTempoCallback(lambda bpm: None)

    @property
    def peers(self) -> int:
        """How many other Link apps share the session now."""
        return 0 if self.closed else int(self._link.numPeers())

    @property
    def offset_ns(self) -> float:
        """perf_counter_ns minus Link's clock in ns, as last measured (for tests and benches)."""
        return self._bridge.offset_ns

    def state(self, now_ns: int) -> ClockState:
        with self._lock:
            self._check_open()
            if now_ns - self._bridge.measured_at_ns > self.config.remeasure_s * 1e9:
                self._bridge.measure()
            session = self._link.captureAppSessionState()
            playing = bool(session.isPlaying())
            started = playing and not self._was_playing
            if started:  # a peer started the session: beat 0 at its start (the next bar line from it, with peers)
                slack = START_SLACK_US if self._link.numPeers() > 0 else 0
                session.requestBeatAtTime(0.0, int(session.timeForIsPlaying()) - slack, QUANTUM)
                self._link.commitAppSessionState(session)
            self._was_playing = playing
            new = self._read(session, playing, now_ns)
            if started or (self._last is not None and timeline_jumped(
                    self._last[1], new, self._last[0] - self.config.tempo_window_s * 1e9, now_ns,
                    self.config.jump_steps)):
                self._epoch += 1
                new = replace(new, epoch=self._epoch)
            self._last = (now_ns, new)
            return new

    def _read(self, session: Any, playing: bool, now_ns: int) -> ClockState:
        """The session's timeline as a ClockState, anchored at the last whole step at `now_ns` (or step 0
        while the start is still ahead)."""
        t_us = self._bridge.to_foreign_us(now_ns)
        bpm = float(session.tempo())
        step_now = float(session.beatAtTime(t_us, QUANTUM)) * STEPS_PER_BEAT
        step_ns = 60e9 / bpm / STEPS_PER_BEAT
        anchor_step = max(0, math.floor(step_now))
        anchor_ns = (self._bridge.to_perf_ns(t_us) + (anchor_step - step_now) * step_ns
                     - self.config.latency_ms * 1e6)
        # master: no MIDI gear clocks us here, so ours is the MIDI clock gear downstream can follow
        return ClockState(playing, bpm, round(anchor_ns), anchor_step, None, self._epoch, master=True)

    def start(self, now_ns: int) -> None:
        """Start the session: beat 0 (step 0) at the next bar line when there are peers, else after the lead."""
        with self._lock:
            self._check_open()
            session = self._link.captureAppSessionState()
            if session.isPlaying():
                return
            at_us = self._bridge.to_foreign_us(now_ns + self.config.start_lead_ms * 1e6)
            session.setIsPlayingAndRequestBeatAtTime(True, at_us, 0.0, QUANTUM)
            self._link.commitAppSessionState(session)
            self._was_playing = True
            self._epoch += 1
            self._last = None  # the epoch already says the timeline moved

    def stop(self, now_ns: int) -> None:
        """Stop the session (every peer with start/stop sync stops too)."""
        with self._lock:
            self._check_open()
            session = self._link.captureAppSessionState()
            session.setIsPlaying(False, self._bridge.to_foreign_us(now_ns))
            self._link.commitAppSessionState(session)

    def set_bpm(self, bpm: float, now_ns: int) -> None:
        """Set the session's tempo from `now_ns` on (the beat stays continuous there); Link keeps 20..999."""
        with self._lock:
            self._check_open()
            session = self._link.captureAppSessionState()
            session.setTempo(float(bpm), self._bridge.to_foreign_us(now_ns))
            self._link.commitAppSessionState(session)

    def _check_open(self) -> None:
        if self.closed:
            raise RuntimeError("the Link clock is closed")

    def close(self) -> None:
        """Leave the session. Safe to call twice."""
        with self._lock:
            if not self.closed:
                self.closed = True
                self._link.enabled = False

    def __enter__(self) -> "LinkClock":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
