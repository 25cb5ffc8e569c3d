"""Velocities for generated hits: the models only say where hits are, a groove needs accents."""

from __future__ import annotations

import numpy as np

from drummachine.groove.vocabulary import STEPS_PER_BAR

# by position in the bar: beats loudest, then 8ths, then 16ths
_ACCENT = np.array([112 if s % 4 == 0 else 96 if s % 2 == 0 else 82 for s in range(STEPS_PER_BAR)], dtype=np.int16)
# by class: kick, snare, closed hat, open hat, toms, crash, ride
_CLASS_OFFSET = np.array([6, 6, -14, -4, 0, 0, 0, 4, -8], dtype=np.int16)


def accent_velocities(hits: np.ndarray) -> np.ndarray:
    """uint8 velocities (bars, 16, 9) for boolean hits: a plain, musical accent pattern."""
    v = np.clip(_ACCENT[None, :, None] + _CLASS_OFFSET[None, None, :], 1, 127)
    return np.where(hits, v, 0).astype(np.uint8)
