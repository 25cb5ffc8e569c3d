"""Did every note arrive? Notes a take should have sent, from the pattern the app saved, against those a
MIDI input received.

The player sends six clock ticks per 16th step and a step's notes between its first and fourth tick (a
tick comes before a note due at the same time; swing delays a note by at most half a step). So counting
the ticks before each note tells its step exactly, whatever the scheduling jitter, and a step is complete
once the first tick of the next one has arrived. Messages are lists [status, data...] in arrival order.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

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

    def notes_at(self, step: int) -> Counter:
        """(status, pitch, velocity) of each note-on step `step` (counted from Start) sends."""
        bars = self.velocities.shape[0]
        row = self.velocities[(step // STEPS_PER_BAR) % bars, step % STEPS_PER_BAR]
        return Counter((0x90 | self.channel, self.note_map[c], int(v))
                       for c, v in enumerate(row) if v and c not in self.muted)


@dataclass(frozen=True)
class Audit:
    steps: int  # complete steps compared
    expected: int
    received: int
    lost: int  # expected note-ons that never came
    extra: int  # note-ons that came but were not expected


def one_take(messages: list[list[int]]) -> list[list[int]]:
    """The messages from the first Start up to its Stop (both excluded); [] when there is no Start."""
    starts = [i for i, m in enumerate(messages) if m[0] == START]
    if not starts:
        return []
    take = messages[starts[0] + 1:]
    stops = [i for i, m in enumerate(take) if m[0] == STOP]
    return take[:stops[0]] if stops else take


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
    for step in range(complete):
        want, have = expect.notes_at(step), got.get(step, Counter())
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
