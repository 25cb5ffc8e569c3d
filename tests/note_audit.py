"""Did every note arrive, at its place? Notes a take should have sent, from the pattern the app saved, against
those MIDI listeners received, with their arrival times.

The player sends Start with step 0's first clock tick, six ticks per 16th step, and a note at its own place: its
step, pushed by swing and by its feel offset (up to half a step early or late), none before Start. The ticks lay
out the take's grid: at a known tempo, each tick's number follows from the gap to the tick before (a gap of two
ticks: one was lost), and a note's place is read against the ticks around it (the median of t - k * tick over
the nearest dozen), so a tick a listener lost moves nothing (a JACK client that misses a cycle under load loses
that cycle's messages: 1 to 3 ticks in 195 were seen on a loaded 2-core machine, and counting ticks then put
every later note a step early), a late tick moves only itself, and a listener whose clock counts only the cycles
it ran (jack_midi_dump's) is read by its own ticks. Each expected note is matched, in order, with a received note
of the same status, key and velocity within `tolerance_ms` of its place (and under half a step): a note that
never came, or came a step off, is lost (and extra where it came). Messages are lists [status, data...] in
arrival order; times are ns of arrival.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

CLOCK, START, STOP = 0xF8, 0xFA, 0xFC
CLOCKS_PER_STEP = 6
STEPS_PER_BAR = 16
TOLERANCE_MS = 40.0  # a note this far from its place still counts: scheduling and JACK jitter under load (seen:
#                      up to 22 ms late); never more than 0.45 of a step (`_tolerance`): a note a step off never counts
Key = tuple[int, int, int]  # status, key, velocity
WHOLE = 0.9  # a listener that heard this share of the longest take's steps heard it whole: the audit ends with it
UNCHECKED_TAIL = 1.0  # steps at the longest take's end left unjudged at most (where only one listener reached)
# A JACK server that missed a cycle (an xrun: its driver woke late, or a client's process callback had not
# finished, named in its line) drops the MIDI of that cycle for every listener. Its line arrives after the
# cycle, a cycle or two for the server to notice and the reader's own wake-up to stamp it (tens of ms on a
# loaded machine), so a note lost from this long before a line up to a little after it was lost in that xrun.
XRUN_BEFORE_MS = 60.0
XRUN_AFTER_MS = 10.0


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
    worst_ms: float = 0.0  # the largest distance of a matched note (of any listener's) from its place
    lost_by_listener: tuple[int, ...] = ()  # with several listeners: the notes each missed (told, not judged)
    steps_by_listener: tuple[int, ...] = ()  # and the complete steps each heard (0: it heard no take)
    misses: tuple[str, ...] = ()  # each lost and extra note in words, where it was due or came: what a failure shows
    judged_steps: float = 0.0  # the span judged, in steps from Start: up to where the listeners' whole takes reached
    lost_in_xruns: int = 0  # notes no listener heard, due where the server said it missed a cycle (not in `lost`)
    xruns: tuple[float, ...] = ()  # where the server's xrun lines came, in steps from Start


@dataclass(frozen=True)
class _Hearing:
    """One listener's take: its complete steps, up to where its notes are judged (in steps), and where each note
    it heard sounded (in steps from Start), by message."""

    steps: int
    until: float
    heard: dict
    ticks: tuple[int, ...] = ()  # the take's clock ticks (arrival ns) and their numbers from Start
    numbers: tuple[int, ...] = ()
    tick_ns: float = 0.0

    def place(self, t_ns: int) -> float:
        """Where a moment of this listener's clock is in the take, in steps from Start."""
        return _places([t_ns], list(self.ticks), list(self.numbers), self.tick_ns)[0]


def _take_span(messages: list[list[int]]) -> tuple[int, int]:
    """Indices of the first Start's take: from after it up to its Stop, or up to a second Start that began the
    pattern again (both excluded); (0, 0) when there is no Start."""
    starts = [i for i, m in enumerate(messages) if m[0] == START]
    if not starts:
        return 0, 0
    first = starts[0] + 1
    ends = [i for i, m in enumerate(messages[first:], first) if m[0] in (STOP, START)]
    return first, ends[0] if ends else len(messages)


def take_ended(messages: list[list[int]]) -> bool:
    """Whether the first Start's take has ended (its Stop, or a second Start, arrived)."""
    first, end = _take_span(messages)
    return first > 0 and end < len(messages)


def one_take(messages: list[list[int]]) -> list[list[int]]:
    """The messages of the first Start's take (see `_take_span`); [] when there is no Start."""
    first, end = _take_span(messages)
    return messages[first:end]


def on_time(tick_times_ns: Sequence[int], start_ns: int, tick_ns: float) -> tuple[list[float], float]:
    """The ticks' and Start's arrival times with what a late delivery added taken out, for counting the ticks.

    The player sends a tick every `tick_ns` (Start with the first), so no tick is sent later than a tick before
    the next one it sent, and no later than a tick before the next one that arrived (ticks a listener lost only
    widen that). A tick that arrived later than that came late: a JACK cycle the server ran late hands the
    listeners the ticks it held in one burst (seen: a tick 36 ms late with the next two beside it, after which
    counting the burst's gaps and reading its times both numbered every later tick two ticks on, and every
    later note was placed 41 ms late). Each such tick is put back where the next one allows."""
    out = [float(t) for t in tick_times_ns]
    for i in range(len(out) - 2, -1, -1):
        out[i] = min(out[i], out[i + 1] - tick_ns)
    return out, min(float(start_ns), out[0]) if out else float(start_ns)


def tick_numbers(tick_times_ns: Sequence[float], start_ns: float, tick_ns: float) -> list[int]:
    """Each tick's number from Start (0: step 0's first): the first by its distance from Start, each later one by
    the gap to the tick before, so a lost tick (a gap of two) counts and a listener's clock that slips by a cycle
    now and then (less than half a tick) does not add up to a miscount."""
    numbers: list[int] = []
    for i, t in enumerate(tick_times_ns):
        gap = (t - (tick_times_ns[i - 1] if i else start_ns)) / tick_ns
        numbers.append((numbers[-1] if numbers else 0) + max(int(i > 0), round(gap)))
    return numbers


def _places(note_times_ns: list[int], tick_times_ns: list[int], numbers: list[int], tick_ns: float,
            near: int = 12) -> list[float]:
    """Where each note sounded, in steps from Start, read against the `near` ticks around it."""
    origins = [t - k * tick_ns for t, k in zip(tick_times_ns, numbers)]
    out = []
    for t in note_times_ns:
        i = bisect.bisect_left(tick_times_ns, t)
        lo = max(0, min(i - near // 2, len(origins) - near))
        out.append((t - float(np.median(origins[lo:lo + near]))) / (tick_ns * CLOCKS_PER_STEP))
    return out


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


def ticks_by_time(tick_times_ns: Sequence[float], start_ns: float, tick_ns: float) -> list[int]:
    """Each tick's number from its time since Start at the known tempo (never two ticks one number): right for a
    listener whose clock keeps true time however many ticks it lost, where counting gaps of one and a half
    ticks (JACK's cycles quantise arrivals) could miscount."""
    numbers: list[int] = []
    for t in tick_times_ns:
        numbers.append(max(numbers[-1] + 1 if numbers else 0, round((t - start_ns) / tick_ns)))
    return numbers


def _hear(messages: list[list[int]], times_ns: list[int], expect: Expectation, tolerance: float,
          by_time: bool = False) -> _Hearing:
    """One listener's first take (Start .. Stop): its complete steps and where each note-on sounded, its ticks
    numbered by their gaps (`tick_numbers`) or by their time (`ticks_by_time`)."""
    first, end = _take_span(messages)
    take = list(zip(times_ns[first:end], messages[first:end]))
    ticks = [t for t, m in take if m[0] == CLOCK]
    if not ticks:
        return _Hearing(0, 0.0, {})
    numbered = ticks_by_time if by_time else tick_numbers
    numbers = numbered(*on_time(ticks, times_ns[first - 1], expect.tick_ns), expect.tick_ns)
    notes = [(t, tuple(m)) for t, m in take if is_note_on(m)]
    heard: dict[Key, list[float]] = defaultdict(list)
    for place, (_, key) in zip(_places([t for t, _ in notes], ticks, numbers, expect.tick_ns), notes):
        heard[key].append(place)
    steps = numbers[-1] // CLOCKS_PER_STEP
    return _Hearing(steps, steps - tolerance, {k: sorted(v) for k, v in heard.items()}, tuple(ticks),
                    tuple(numbers), expect.tick_ns)


def _best_hearing(messages: list[list[int]], times_ns: list[int], expect: Expectation, tolerance: float
                  ) -> _Hearing:
    """A listener's take read both ways (ticks numbered by gaps, and by time), keeping the reading under which
    fewer notes are out of place. Which is right is the listener's clock's matter, not the app's: a listener
    that lost cycles and counts only those it ran (jack_midi_dump) needs the gaps; one that keeps true time but
    lost many ticks under load (the rtmidi tap: 27 of 204 once, in a clean-clone run) needs the times. A note
    the app sent to a wrong place is out of place under both."""
    readings = [_hear(messages, times_ns, expect, tolerance, by_time) for by_time in (False, True)]
    if readings[0].steps == 0:
        return readings[0]

    def out_of_place(h: _Hearing) -> int:
        _, _, lost, extra, _ = _count(_wanted(expect, h.steps), h.heard, h.until, tolerance)
        return len(lost) + len(extra)

    return min(readings, key=out_of_place)


def _wanted(expect: Expectation, steps: int) -> dict[Key, list[float]]:
    """Where each message is due, in steps from Start, over `steps` complete steps and the one after them."""
    wanted: dict[Key, list[float]] = defaultdict(list)
    for place, key, _ in sorted(expect.places(steps + 1)):
        wanted[key].append(place)
    return wanted


def _count(wanted: dict[Key, list[float]], heard: dict[Key, list[float]], until: float, tolerance: float
           ) -> tuple[int, int, list[tuple[Key, float]], list[tuple[Key, float]], float]:
    """Expected and received notes before `until`, the lost and the extra ones there (message, place), and the
    farthest pair."""
    expected = received = 0
    lost, extra, worst = [], [], 0.0
    for key in set(wanted) | set(heard):
        w, c = wanted.get(key, []), heard.get(key, [])
        unpaired_w, unpaired_c, far = _match(w, c, tolerance)
        worst = max(worst, far)
        expected += sum(p < until for p in w)
        received += sum(p < until for p in c)
        lost += [(key, w[i]) for i in unpaired_w if w[i] < until]
        extra += [(key, c[j]) for j in unpaired_c if c[j] < until]
    return expected, received, lost, extra, worst


def _tolerance(expect: Expectation, tolerance_ms: float) -> float:
    """The tolerance in steps: `tolerance_ms`, and under half a step at any tempo (a note a step off never counts)."""
    return min(tolerance_ms * 1e6 / (expect.tick_ns * CLOCKS_PER_STEP), 0.45)


def audit_take(messages: list[list[int]], times_ns: list[int], expect: Expectation,
               tolerance_ms: float = TOLERANCE_MS) -> Audit:
    """One listener's first take against the pattern (see the module's docstring)."""
    return audit_listeners([(messages, times_ns)], expect, tolerance_ms)


def audit_listeners(takes: list[tuple[list[list[int]], list[int]]], expect: Expectation,
                    tolerance_ms: float = TOLERANCE_MS, xruns_ns: Sequence[int] = ()) -> Audit:
    """The same take heard by listeners of different makes, each (messages, arrival times) on its own clock.

    A listener's JACK client can miss a cycle under load and lose what arrived in it (seen: a note-on in about
    150 on a loaded machine, heard by no one else to compare with). So the notes the listeners heard are joined
    first (a note two listeners heard near the same place is one note) and the pattern is matched once against
    them, up to the end of the shortest whole take (`WHOLE`; at most `UNCHECKED_TAIL` short of the longest): a
    note is lost only if no listener heard it at its place. A note the app sent to a wrong place reaches every
    listener, so an extra note counts only if every listener whose take reached its place heard it there (one
    listener's misplaced note is its own clock's).

    `xruns_ns`: when the JACK server's lines about missed cycles came, on the first listener's clock. A note no
    listener heard, due from `XRUN_BEFORE_MS` before such a line to `XRUN_AFTER_MS` after it, went in a cycle
    the server dropped: it counts in `lost_in_xruns`, not in `lost`."""
    tolerance = _tolerance(expect, tolerance_ms)
    hearings = [_best_hearing(m, t, expect, tolerance) for m, t in takes]
    present = [h for h in hearings if h.steps > 0]
    if not present:
        return Audit(0, 0, 0, 0, 0, 0.0, *(((0,) * len(takes),) * 2 if len(takes) > 1 else ()))
    steps = max(h.steps for h in present)
    wanted = _wanted(expect, steps)
    joined: dict[Key, list[float]] = defaultdict(list)
    for h in present:
        for key, places in h.heard.items():
            _, unpaired, _ = _match(joined[key], places, tolerance)
            joined[key] = sorted(joined[key] + [places[j] for j in unpaired])

    def everyone_heard(key: Key, place: float) -> bool:
        """Whether every listener whose take reached `place` heard this message there."""
        return all(any(abs(q - place) <= tolerance for q in h.heard.get(key, ())) for h in present if h.until > place)

    # judged up to where every listener that heard nearly the whole take reached, and never less than up to a
    # step before the longest take's end: past the end of the shorter of two whole takes (a step, when one
    # listener's last tick came late), the one other listener's clock is unchecked (a listener whose process
    # thread ran late read notes 40-70 ms late under plain scheduling)
    longest = max(h.until for h in present)
    until = max(min(h.until for h in present if h.steps >= WHOLE * steps), longest - UNCHECKED_TAIL)
    expected, received, lost, extras, worst = _count(wanted, joined, until, tolerance)
    extras = [(key, place) for key, place in extras if everyone_heard(key, place)]
    step_ms = expect.tick_ns * CLOCKS_PER_STEP / 1e6
    xruns = tuple(hearings[0].place(t) for t in xruns_ns) if hearings[0].steps else ()
    in_xrun = [(key, place) for key, place in lost
               if any(x - XRUN_BEFORE_MS / step_ms <= place <= x + XRUN_AFTER_MS / step_ms for x in xruns)]
    lost = [note for note in lost if note not in in_xrun]
    several = len(takes) > 1
    return Audit(steps, expected, received, len(lost), len(extras), round(worst * step_ms, 2),
                 tuple(len(_count(wanted, h.heard, h.until, tolerance)[2]) if h.steps else 0 for h in hearings)
                 if several else (),
                 tuple(h.steps for h in hearings) if several else (),
                 _told(lost, extras, joined, step_ms) + tuple(
                     f"lost in an xrun {list(key)} due at step {place:.2f}" for key, place in in_xrun),
                 round(until, 2), len(in_xrun), tuple(round(x, 2) for x in xruns))


def _told(lost: list[tuple[Key, float]], extras: list[tuple[Key, float]], heard: dict[Key, list[float]],
          step_ms: float) -> tuple[str, ...]:
    """The lost notes (with the nearest place the same message was heard) and the extra ones, in words."""
    told = []
    for key, place in sorted(lost):
        near = min(heard.get(key, []), key=lambda q: abs(q - place), default=None)
        told.append(f"lost {list(key)} due at step {place:.2f}" + (
            "" if near is None else f", nearest heard {(near - place) * step_ms:+.1f} ms from it"))
    told += [f"extra {list(key)} at step {place:.2f}" for key, place in extras]
    return tuple(told)


def notes_after_stop(messages: list[list[int]]) -> int:
    """Note-ons that arrived while the app was stopped (after a Stop, or before the first Start)."""
    playing, count = False, 0
    for msg in messages:
        if msg[0] in (START, STOP):
            playing = msg[0] == START
        elif is_note_on(msg) and not playing:
            count += 1
    return count
