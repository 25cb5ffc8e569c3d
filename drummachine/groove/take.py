"""`Take`: a pattern and where it came from. The one record for a generated groove, an edit in the undo
history, and a morph end in slot A or B, so a groove moves between them without being converted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from drummachine.groove.pattern import Pattern


@dataclass(frozen=True)
class Take:
    """`pattern`, the latent code it was decoded from (None for an edit or a file until it is encoded), the
    seed and temperature that made it (None when no sampler did), and how it was made (`label`: "sample",
    "variation", "edit", "file", "morph", ...)."""

    pattern: Pattern
    z: Optional[tuple[float, ...]] = None
    seed: Optional[int] = None
    temperature: Optional[float] = None
    label: str = ""
    knobs: tuple[tuple[str, float], ...] = ()  # the knob positions its code was moved by (name, position)
    fill_every: int = 0  # its code holds a fill in the last bar of every this many (0: none; model/fills.py)
    repeats: tuple[int, ...] = ()  # a sampled take's bars that play an earlier bar again: each bar's source bar
    # (its own index when none; empty when no bar repeats; model/repeats.py), kept so knobs and fills keep them

    def __post_init__(self) -> None:
        if self.z is not None and not isinstance(self.z, tuple):
            object.__setattr__(self, "z", code_tuple(self.z))
        if isinstance(self.knobs, dict):
            object.__setattr__(self, "knobs", knob_tuple(self.knobs))
        if not isinstance(self.repeats, tuple):
            object.__setattr__(self, "repeats", tuple(int(s) for s in (() if self.repeats is None else self.repeats)))

    @property
    def code(self) -> Optional[np.ndarray]:
        """The latent code as the engine takes it (float32), or None."""
        return None if self.z is None else np.asarray(self.z, dtype=np.float32)


def code_tuple(z: Sequence[float] | np.ndarray) -> tuple[float, ...]:
    """A code as plain floats: hashable, comparable and written to JSON as it is."""
    return tuple(float(x) for x in np.asarray(z, dtype=np.float64).reshape(-1))


def knob_tuple(knobs: dict[str, float]) -> tuple[tuple[str, float], ...]:
    """Knob positions as a hashable record, the ones at 0 left out."""
    return tuple(sorted((str(k), float(v)) for k, v in knobs.items() if v))
