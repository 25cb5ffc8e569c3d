"""Knobs: turn a groove along a musical attribute (density, syncopation, one part of the kit) by moving its
latent code along that attribute's direction (made by export/knobs.py from the training grooves).

A knob at k (-2..2) moves the code by k/2 of its vector: at +2 a groove is pushed as far as the training
grooves high in the attribute lie from those low in it. Several knobs add up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Optional

import numpy as np

from drummachine import limits
from drummachine.model import format as fmt



class Knobs:
    def __init__(self, names: list[str], vectors: np.ndarray, low: np.ndarray, high: np.ndarray):
        self.names = names
        self.vectors = {n: vectors[i].astype(np.float32) for i, n in enumerate(names)}
        self.span = {n: (float(low[i]), float(high[i])) for i, n in enumerate(names)}  # quarter means in the data

    @classmethod
    def open(cls, folder: Path, latent: int) -> Optional["Knobs"]:
        """The folder's knobs, or None when it has none. A damaged file raises ValueError naming it."""
        path = Path(folder) / fmt.KNOBS
        if not path.is_file():
            return None
        arrays = fmt.read_arrays(path, ("names", "vectors", "low", "high"), "knobs file")
        names, vectors = [str(n) for n in arrays["names"]], arrays["vectors"]
        low, high = arrays["low"], arrays["high"]
        if vectors.shape != (len(names), latent):
            raise ValueError(f"{path} holds knobs for a code of another size than the model's {latent}")
        return cls(names, vectors, low, high)

    def check(self, name: str, value: float) -> float:
        if name not in self.vectors:
            raise ValueError(f"no knob {name!r}: the knobs are {', '.join(self.names)}")
        value = float(value)
        if not limits.KNOB.low <= value <= limits.KNOB.high:  # the one range, as the session file is checked
            raise ValueError(f"knob {name} must lie in {limits.KNOB.low:g}..{limits.KNOB.high:g}, got {value:g}")
        return value

    def offset(self, settings: Mapping[str, float]) -> np.ndarray:
        """How far the knobs at `settings` (name -> position) move a code."""
        total = np.zeros(len(next(iter(self.vectors.values()))), np.float32)
        for name, value in settings.items():
            if value:
                total += 0.5 * self.check(name, value) * self.vectors[name]
        return total
