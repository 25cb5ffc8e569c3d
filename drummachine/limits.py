"""The one table of value ranges: the command line, the window and the session file all check against it.

Each quantity is a `Range` with its bounds, default and unit. `check` is how a flag or a field is refused
(one sentence naming it and the range), `clamp` is how the session file repairs a value that is merely
out of range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real
from typing import Optional, Union

Number = Union[int, float]


@dataclass(frozen=True)
class Range:
    """A quantity's allowed values: `low`..`high` (both included), whole numbers only when `integer`."""

    low: Number
    high: Number
    default: Optional[Number]
    unit: str = ""
    integer: bool = False

    def describe(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        return f"between {_plain(self.low)} and {_plain(self.high)}{unit}"

    def span(self) -> str:
        """'40-300': the range as --help shows it."""
        return f"{_plain(self.low)}-{_plain(self.high)}"

    def number(self, value: object) -> Number:
        """`value` as this range's kind of number (text is parsed), or ValueError for anything else."""
        if isinstance(value, bool):
            raise ValueError("a number is needed")
        if isinstance(value, str):
            text = value.strip()
            try:
                value = int(text) if self.integer else float(text)
            except ValueError:
                raise ValueError("a whole number is needed" if self.integer else "a number is needed") from None
        if not isinstance(value, Real) or not math.isfinite(value):
            raise ValueError("a finite number is needed")
        if self.integer:
            if value != int(value):
                raise ValueError("a whole number is needed")
            return int(value)
        return float(value)

    def check(self, name: str, value: object) -> Number:
        """`value` if it is a number in range, else ValueError: '--bpm must be between 40 and 300 (got 0)'."""
        try:
            number = self.number(value)
        except ValueError as exc:
            raise ValueError(f"{name} must be {self.describe()} ({exc}, got {value!r})") from None
        if not self.low <= number <= self.high:
            raise ValueError(f"{name} must be {self.describe()} (got {value})")
        return number

    def clamp(self, value: object) -> Number:
        """The nearest value in range; ValueError when `value` is not a finite number at all."""
        return min(max(self.number(value), self.low), self.high)


def _plain(x: Number) -> str:
    return str(x) if isinstance(x, int) else f"{x:g}"


# Tempo: what the player and the window take; the MIDI reader accepts 20-400, so every clip we write reads back.
BPM = Range(40.0, 300.0, 120.0, "BPM")
BARS = Range(1, 16, 16, "bars", integer=True)  # one loop or one clip's groove; the bundled model decodes 16
SESSION_BARS = Range(1, 16, 2, "bars", integer=True)
# 0 is greedy: the likeliest hits for the code drawn (a new code each Generate); 1 draws each step from the
# model's own distribution. The default is the temperature at which the bundled model's samples matched the
# validation grooves best (export/prior.py, docs/RESULTS.md): at 1, with its bars sharing their draws (bar
# coherence, model/uniforms.py), its grooves keep the toms, crashes and open hats greedy decoding drops, and
# their bars still vary as the code says rather than at random.
TEMPERATURE = Range(0.0, 2.0, 1.0)
MORPH_TEMPERATURE = Range(0.0, 2.0, 0.0)
SEED = Range(0, 2**31 - 1, 0, integer=True)  # what engine.new_seed draws and the window's seed box holds
SWING = Range(50.0, 75.0, 50.0, "percent")  # 50 straight, 66 triplet feel
GATE = Range(0.05, 1.0, 0.5, "of a 16th")  # the clip writer takes (0, 1]; shorter than 1/20 is a click
CHANNEL = Range(1, 16, 10, integer=True)  # MIDI channels as musicians count them
# 20,000 morph steps peaked at 6.1 GB; 64 steps of 16 bars (a 1,024-bar clip) peak at 199 MB RSS, 8 steps at 107 MB.
MORPH_STEPS = Range(2, 64, 8, "steps", integer=True)
MORPH_BARS = Range(2, 64, 8, "bars", integer=True)  # bars a live morph takes
MORPH_STEP_BARS = Range(1, 16, 2, "bars", integer=True)  # bars of each step of a morph clip
PAD_PATH_BARS = Range(1, 64, 8, "bars", integer=True)  # bars a path recorded on the pad is played over
MORPH_POSITION = Range(0.0, 1.0, 0.0)  # 0 is slot A, 1 is slot B
VARIATION_AMOUNT = Range(0.05, 3.0, 0.5)  # the window's amount box
DURATION = Range(0.1, 7 * 24 * 3600.0, None, "seconds")  # play --duration; none means until Ctrl-C
CANDIDATES = Range(1, 16, 4, "grooves", integer=True)  # how many grooves one "Generate candidates" makes
KNOB = Range(-2.0, 2.0, 0.0)  # a knob's position: +-2 moves a groove one low-to-high quarter of the data
FEEL = Range(0.0, 1.5, 1.0)  # 0: as written (the grid), 1: the drummers' feel, 1.5: exaggerated
VOLUME = Range(0, 100, 80, "percent", integer=True)  # the built-in kit's master volume
THREADS = Range(1, 64, 1, integer=True)  # onnxruntime intra-op threads
NOTE = Range(0, 127, 36, integer=True)  # a MIDI note number
VELOCITY = Range(1, 127, 100, integer=True)  # a hit's MIDI velocity (0 is no hit); a click makes a hit at 100
