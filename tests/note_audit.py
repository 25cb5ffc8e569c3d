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


def one_take(messages: list[list[int]]) -> list[list[int]]:
    """The messages from the first Start up to its Stop, or up to a second Start that began the pattern again
    (both excluded); [] when there is no Start."""
    starts = [i for i, m in enumerate(messages) if m[0] == START]
    if not starts:
        return []
    take = messages[starts[0] + 1:]
    ends = [i for i, m in enumerate(take) if m[0] in (STOP, START)]
    return take[:ends[0]] if ends else take


def audit_take(messages: list[list[int]], expect: Expectation) -> Audit:
    """Compare one take (Start .. Stop) with the pattern, step by step, over its complete steps."""
    take = one_take(messages)
    ticks = 0
    got: dict[int, Counter] = {}
    for msg in take:
        if msg[0] == CLOCK:
            ticks += 1
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
