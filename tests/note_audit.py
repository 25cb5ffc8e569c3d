"""Did every note arrive, at its place? Notes a take should have sent, from the pattern the app saved, against
those a MIDI input received, with their arrival times.

The player sends Start with step 0's first clock tick, six ticks per 16th step, and a note at its own place: its
step, pushed by swing and by its feel offset (up to half a step early or late), none before Start. The ticks lay
out the take's grid: at a known tempo tick k arrives at t0 + k * (tick interval), k counted from Start, t0 the
median over the ticks. A tick the tap lost therefore moves nothing (a JACK client that misses a cycle under load
loses that cycle's messages: 1 to 3 ticks in 195 were seen on a loaded 2-core machine, and counting ticks then
put every later note a step early), and a late tick moves only itself. Each expected note is matched, in order,
with a received note of the same status, key and velocity within `tolerance_ns` of its place: a note that never
came, or came a step off, is lost (and extra once more where it came). Messages are lists [status, data...] in
arrival order; times are ns of arrival.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Optional

import numpy as np

CLOCK, START, STOP = 0xF8, 0xFA, 0xFC
CLOCKS_PER_STEP = 6
STEPS_PER_BAR = 16
TOLERANCE_MS = 40.0  # a note this far from its place still counts: scheduling and JACK jitter under load (seen:
#                      up to 22 ms late); under half a step at up to 180 BPM, so a note a step off never counts
Key = tuple[int, int, int]  # status, key, velocity


def is_note_on(msg: list[int]) -> bool:
    return len(msg) == 3 and msg[0] & 0xF0 == 0x90 and msg[2] > 0


@dataclass(frozen=True)
class Expectation:
    """What the app plays from a saved session: velocities (bars x 16 steps x 9 classes, 0 = no hit)."""

    velocities: np.ndarray
    note_map: tuple[int, ...]
    channel: int  # zero-based: 9 is MIDI channel 10
    muted: frozenset[int]
    offsets: Optional[np.ndarray] = None  # the feel: steps off the grid per cell, None on the grid
    swing: float = 50.0
    bpm: float = 120.0

    @property
    def tick_ns(self) -> float:
        return 60e9 / (self.bpm * 24)

    def places(self, steps: int) -> list[tuple[float, Key, tuple[int, int]]]:
        """The note-ons of steps 0..steps-1: where each sounds, in steps from Start (its step moved by swing and
        feel, never before Start), its message, and its step and class (which note it is)."""
        bars = self.velocities.shape[0]
        out = []
        for step in range(steps):
            cell = (step // STEPS_PER_BAR) % bars, step % STEPS_PER_BAR
            swing = (2 * self.swing / 100 - 1) if step % 2 else 0.0
            for c, v in enumerate(self.velocities[cell]):
                if v and c not in self.muted:
                    off = float(self.offsets[cell][c]) if self.offsets is not None else 0.0
                    out.append((max(0.0, step + swing + off), (0x90 | self.channel, self.note_map[c], int(v)), (step, c)))
        return out


@dataclass(frozen=True)
class Audit:
    steps: int  # complete steps: the take's last tick is in the step after them
    expected: int  # note-ons due (compared up to a tolerance before the end of the complete steps)
    received: int  # note-ons that came in that span
    lost: int  # expected note-ons that never came to their place
    extra: int  # note-ons that came but were not expected there
    worst_ms: float = 0.0  # the largest distance of a matched note from its place
    lost_by_listener: tuple[int, ...] = ()  # with several listeners: the notes each missed (told, not judged)
    steps_by_listener: tuple[int, ...] = ()  # and the complete steps each heard (0: it heard no take)


@dataclass(frozen=True)
class _Hearing:
    """One listener's take against the pattern: the notes it could judge and those it missed (step, class)."""

    steps: int
    judged: frozenset
    missed: frozenset
    received: int
    extra: int
    worst_ms: float


def _take_span(messages: list[list[int]]) -> tuple[int, int]:
    """Indices of the first Start's take: from after it up to its Stop, or up to a second Start that began the
    pattern again (both excluded); (0, 0) when there is no Start."""
    starts = [i for i, m in enumerate(messages) if m[0] == START]
    if not starts:
        return 0, 0
    first = starts[0] + 1
    ends = [i for i, m in enumerate(messages[first:], first) if m[0] in (STOP, START)]
    return first, ends[0] if ends else len(messages)


def one_take(messages: list[list[int]]) -> list[list[int]]:
    """The messages of the first Start's take (see `_take_span`); [] when there is no Start."""
    first, end = _take_span(messages)
    return messages[first:end]


def grid_origin(tick_times_ns: list[int], start_ns: int, tick_ns: float) -> tuple[float, int]:
    """When step 0's first tick arrived (every tick of the take votes: the median), and the number of the last
    tick (counted from Start by its arrival, so ticks lost before it do not lower it)."""
    numbers = [round((t - start_ns) / tick_ns) for t in tick_times_ns]
    return float(np.median([t - k * tick_ns for t, k in zip(tick_times_ns, numbers)])), max(numbers)


def _match(wanted: list[float], came: list[float], tolerance: float) -> tuple[set[int], set[int], float]:
    """Pair places in order (both sorted), each within `tolerance`: the unpaired of each, and the largest distance
    of a pair."""
    i = j = 0
    lost, extra, worst = set(), set(), 0.0
    while i < len(wanted) and j < len(came):
        d = came[j] - wanted[i]
        if abs(d) <= tolerance:
            worst = max(worst, abs(d))
            i, j = i + 1, j + 1
        elif d < 0:
            extra.add(j)
            j += 1
        else:
            lost.add(i)
            i += 1
    return lost | set(range(i, len(wanted))), extra | set(range(j, len(came))), worst


def _hear(messages: list[list[int]], times_ns: list[int], expect: Expectation, tolerance_ms: float) -> _Hearing:
    """One listener's first take (Start .. Stop) against the pattern over its complete steps, by where each note
    arrived on the grid its ticks lay out."""
    first, end = _take_span(messages)
    take = list(zip(times_ns[first:end], messages[first:end]))
    ticks = [t for t, m in take if m[0] == CLOCK]
    if not ticks:
        return _Hearing(0, frozenset(), frozenset(), 0, 0, 0.0)
    step_ns = expect.tick_ns * CLOCKS_PER_STEP
    origin, last_tick = grid_origin(ticks, times_ns[first - 1], expect.tick_ns)
    steps = last_tick // CLOCKS_PER_STEP
    tolerance = tolerance_ms * 1e6 / step_ns
    until = steps - tolerance  # a note due closer to the end could still have been on its way
    wanted: dict[Key, list[tuple[float, tuple[int, int]]]] = defaultdict(list)
    came: dict[Key, list[float]] = defaultdict(list)
    for place, key, note in sorted(expect.places(steps + 1)):
        wanted[key].append((place, note))
    for t, m in take:
        if is_note_on(m):
            came[tuple(m)].append((t - origin) / step_ns)
    judged, missed = set(), set()
    received = extra = 0
    worst = 0.0
    for key in set(wanted) | set(came):
        w, c = wanted.get(key, []), sorted(came.get(key, []))
        unpaired_w, unpaired_c, far = _match([p for p, _ in w], c, tolerance)
        worst = max(worst, far)
        judged |= {note for p, note in w if p < until}
        missed |= {w[i][1] for i in unpaired_w if w[i][0] < until}
        received += sum(p < until for p in c)
        extra += sum(c[j] < until for j in unpaired_c)
    return _Hearing(steps, frozenset(judged), frozenset(missed), received, extra, round(worst * step_ns / 1e6, 2))


def audit_take(messages: list[list[int]], times_ns: list[int], expect: Expectation,
               tolerance_ms: float = TOLERANCE_MS) -> Audit:
    """One listener's first take against the pattern (see the module's docstring)."""
    return audit_listeners([(messages, times_ns)], expect, tolerance_ms)


def audit_listeners(takes: list[tuple[list[list[int]], list[int]]], expect: Expectation,
                    tolerance_ms: float = TOLERANCE_MS) -> Audit:
    """The same take heard by listeners of different makes, each (messages, arrival times) on its own clock.

    A listener's JACK client can miss a cycle under load and lose what arrived in it (seen: a note-on in about
    150 on a loaded machine, heard by no one else to compare with). A note is lost only if every listener that
    could judge it missed it: what one heard was sent. A note at a wrong place reaches every listener, so the
    fewest extra notes any listener heard count."""
    hearings = [_hear(m, t, expect, tolerance_ms) for m, t in takes]
    judged = frozenset().union(*(h.judged for h in hearings))
    lost = [n for n in judged if all(n in h.missed for h in hearings if n in h.judged)]
    return Audit(max(h.steps for h in hearings), len(judged), max(h.received for h in hearings), len(lost),
                 min(h.extra for h in hearings), hearings[0].worst_ms,
                 tuple(len(h.missed) for h in hearings) if len(hearings) > 1 else (),
                 tuple(h.steps for h in hearings) if len(hearings) > 1 else ())


def notes_after_stop(messages: list[list[int]]) -> int:
    """Note-ons that arrived while the app was stopped (after a Stop, or before the first Start)."""
    playing, count = False, 0
    for msg in messages:
        if msg[0] in (START, STOP):
            playing = msg[0] == START
        elif is_note_on(msg) and not playing:
            count += 1
    return count
