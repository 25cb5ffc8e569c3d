"""Reading values back from a saved session file, repairing what can be repaired and noting each repair.

A session file is the musician's work: a value out of range is clamped, a value of the wrong kind falls
back to its default (or the item holding it is dropped), and every such repair is written down, so the
loader can keep the file as it was and tell the musician what changed.
"""

from __future__ import annotations

import base64
import binascii
import math
from typing import Optional

import numpy as np

from drummachine.limits import SEED, SESSION_BARS, Number, Range
from drummachine.groove.pattern import MAX_OFFSET, Pattern
from drummachine.groove.vocabulary import NUM_CLASSES, STEPS_PER_BAR


class Repairs:
    """Checks fields of a saved session against the limits table; `problems` lists what had to change."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def note(self, problem: str) -> None:
        self.problems.append(problem)

    def number(self, name: str, value: object, limits: Range, default: Number) -> Number:
        """`value` clamped into `limits`; `default` when it is not a finite number at all."""
        try:
            fixed = limits.clamp(value)
        except ValueError:
            self.note(f"{name} {_short(value)} is not a number, set to {default:g}")
            return default
        if fixed != value:  # text never equals a number, so '120' is noted too
            self.note(f"{name} {_short(value)} is not {limits.describe()}, set to {fixed:g}")
        return fixed

    def text(self, name: str, value: object, default: str) -> str:
        if isinstance(value, str):
            return value
        self.note(f"{name} {_short(value)} is not text, set to {default!r}")
        return default

    def switch(self, name: str, value: object, default: bool) -> bool:
        """An on/off setting: true or false, nothing else."""
        if isinstance(value, bool):
            return value
        self.note(f"{name} {_short(value)} is not true or false, set to {str(default).lower()}")
        return default

    def classes(self, name: str, value: object) -> list[int]:
        """Instrument indices 0..8, sorted and once each; anything else in the list is dropped."""
        items = value if isinstance(value, list) else []
        kept = sorted({c for c in items if type(c) is int and 0 <= c < NUM_CLASSES})
        if not isinstance(value, list) or len(kept) != len(items):
            self.note(f"{name} {_short(value)} holds more than instruments 0-{NUM_CLASSES - 1}, kept {kept}")
        return kept

    def seed(self, name: str, value: object) -> Optional[int]:
        if value is None or (type(value) is int and SEED.low <= value <= SEED.high):
            return value
        self.note(f"{name} {_short(value)} is not a seed {SEED.describe()}, dropped")
        return None

    def code(self, name: str, value: object) -> Optional[tuple[float, ...]]:
        """A latent code: a non-empty list of finite numbers, or None."""
        if value is None:
            return None
        if isinstance(value, list) and value and all(
                isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in value):
            return tuple(float(x) for x in value)
        self.note(f"{name} is not a list of numbers, dropped")
        return None

    def pattern(self, name: str, value: object) -> Optional[Pattern]:
        """A pattern of 1..16 whole bars whose velocities are 0..127, or None (noted) when it is not one."""
        try:
            if not isinstance(value, dict):
                raise ValueError("it is not a pattern")
            bars = value.get("bars")
            if type(bars) is not int or not SESSION_BARS.low <= bars <= SESSION_BARS.high:
                raise ValueError(f"its bars {_short(bars)} are not {SESSION_BARS.describe()}")
            if not isinstance(value.get("velocities"), str):
                raise ValueError("it has no velocities")
            raw = np.frombuffer(base64.b64decode(value["velocities"], validate=True), dtype=np.uint8)
            if raw.size != bars * STEPS_PER_BAR * NUM_CLASSES:
                raise ValueError(f"it holds {raw.size} velocities, not {bars * STEPS_PER_BAR * NUM_CLASSES}")
            velocities = raw.reshape(bars, STEPS_PER_BAR, NUM_CLASSES)
        except (ValueError, binascii.Error) as exc:
            self.note(f"{name} was dropped: {exc}")
            return None
        return Pattern(velocities, self._offsets(name, value.get("offsets"), velocities.shape))

    def _offsets(self, name: str, value: object, shape: tuple) -> Optional[np.ndarray]:
        """A pattern's timing (float16 per cell, in steps); damaged timing is dropped and the hits kept."""
        if value is None:
            return None
        try:
            if not isinstance(value, str):
                raise ValueError("they are not encoded offsets")
            raw = np.frombuffer(base64.b64decode(value, validate=True), dtype=np.float16).astype(np.float32)
            if raw.size != int(np.prod(shape)):
                raise ValueError(f"there are {raw.size} of them, not {int(np.prod(shape))}")
            if not (np.isfinite(raw).all() and np.abs(raw).max(initial=0) <= MAX_OFFSET):
                raise ValueError(f"they are not fractions of a step in -{MAX_OFFSET}..{MAX_OFFSET}")
            return raw.reshape(shape)
        except (ValueError, binascii.Error) as exc:
            self.note(f"{name}'s timing was dropped ({exc}); its hits sit on the grid")
            return None


def kind(value: object) -> str:
    """What a JSON value is, in words: 'null', 'a list', 'text', 'a number', 'true/false', 'an object'."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    return {list: "a list", str: "text", dict: "an object", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 24 else text[:21] + "..."
