"""Did every note arrive? Notes a take should have sent, from the pattern the app saved, against those a
MIDI input received.

The player sends six clock ticks per 16th step, and a note at its own place: its step, pushed by swing and
by its feel offset (up to half a step early or late). A tick comes before a note due at the same time, so
counting the ticks before a note tells the step it fell in, whatever the scheduling jitter; a note expected
at position p (in steps from Start) falls in step floor(p), and none before Start. A step is complete once the
first tick of the next one has arrived. Messages are lists [status, data...] in arrival order.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Optional

import numpy as np

CLOCK, START, STOP = 0xF8, 0xFA, 0xFC
CLOCKS_PER_STEP = 6
STEPS_PER_BAR = 16


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

    def arriving(self, steps: int) -> dict[int, Counter]:
        """The note-ons that fall in each step 0..steps-1 (by the ticks before them): a step's own notes,
        moved by swing and feel into the step they sound in."""
        bars = self.velocities.shape[0]
        out: dict[int, Counter] = {}
        for step in range(steps + 1):  # the next step's early notes may fall in the last one
            row = self.velocities[(step // STEPS_PER_BAR) % bars, step % STEPS_PER_BAR]
            offs = None if self.offsets is None else self.offsets[(step // STEPS_PER_BAR) % bars, step % STEPS_PER_BAR]
            swing = (2 * self.swing / 100 - 1) if step % 2 else 0.0
            for c, v in enumerate(row):
                if v and c not in self.muted:
                    at = max(0, math.floor(step + swing + (float(offs[c]) if offs is not None else 0.0)))
                    if at < steps:
                        out.setdefault(at, Counter())[(0x90 | self.channel, self.note_map[c], int(v))] += 1
        return out


@dataclass(frozen=True)
class Audit:
    steps: int  # complete steps compared
    expected: int
    received: int
    lost: int  # expected note-ons that never came
    extra: int  # note-ons that came but were not expected


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


def lost_ticks(times_ns: list[int], settle: int = 3) -> list[int]:
    """For each tick of a take (arrival times), how many ticks went missing just before it.

    The tap's JACK input can lose messages when its process misses cycles under load (ticks: most of what it
    reads), and then every later note seems a step early. Ticks come every `typical` ns (the median gap), so tick
    j arriving at t_j should be about the round((t_j - t_0) / typical)-th: the excess is how many were lost so far.
    One late tick raises that estimate for itself only, a lost tick for every tick after it, so only an excess that
    `settle` ticks in a row agree on counts, and the count never goes down. Notes are never made up: only the step
    count is mended."""
    n = len(times_ns)
    gaps = sorted(b - a for a, b in zip(times_ns, times_ns[1:]))
    if n < 8:
        return [0] * n
    typical = gaps[len(gaps) // 2]
    excess = [round((t - times_ns[0]) / typical) - j for j, t in enumerate(times_ns)]
    out, so_far = [], 0
    for j in range(n):
        agreed = min(excess[j:j + settle])
        now = max(so_far, agreed)
        out.append(now - so_far)
        so_far = now
    return out


def audit_take(messages: list[list[int]], expect: Expectation, times_ns: Optional[list[int]] = None) -> Audit:
    """Compare one take (Start .. Stop) with the pattern, step by step, over its complete steps. With the arrival
    times of the messages, ticks the tap lost are counted back in (`lost_ticks`)."""
    first, end = _take_span(messages)
    take = messages[first:end]
    missing = [0] * len(take)
    if times_ns is not None:
        tick_rows = [i for i, m in enumerate(take) if m[0] == CLOCK]
        for i, n in zip(tick_rows, lost_ticks([times_ns[first + i] for i in tick_rows])):
            missing[i] = n
    ticks = 0
    got: dict[int, Counter] = {}
    for msg, lost in zip(take, missing):
        if msg[0] == CLOCK:
            ticks += 1 + lost
        elif is_note_on(msg):
            step = max(ticks - 1, 0) // CLOCKS_PER_STEP
            got.setdefault(step, Counter())[tuple(msg)] += 1
    complete = max(ticks - 1, 0) // CLOCKS_PER_STEP  # steps whose successor's first tick arrived
    expected = received = lost = extra = 0
    wanted = expect.arriving(complete)
    for step in range(complete):
        want, have = wanted.get(step, Counter()), got.get(step, Counter())
        expected += sum(want.values())
        received += sum(have.values())
        lost += sum((want - have).values())
        extra += sum((have - want).values())
    return Audit(complete, expected, received, lost, extra)


def notes_after_stop(messages: list[list[int]]) -> int:
    """Note-ons that arrived while the app was stopped (after a Stop, or before the first Start)."""
    playing, count = False, 0
    for msg in messages:
        if msg[0] in (START, STOP):
            playing = msg[0] == START
        elif is_note_on(msg) and not playing:
            count += 1
    return count
