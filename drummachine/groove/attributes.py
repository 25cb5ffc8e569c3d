"""Musical attributes of a groove that a knob can turn: how dense, how syncopated, how busy each part is.

Each is a number per groove (mean over its bars), computed from hits alone, so the same definition ranks the
training grooves when the knobs are made (export/knobs.py) and measures what a turned knob did
(bench/knobs.py). Pure numpy.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from drummachine.groove.vocabulary import STEPS_PER_BEAT

# class groups as a musician names the parts of a kit
PARTS = {"kick": (0,), "snare": (1,), "hats": (2, 3), "toms": (4, 5, 6), "cymbals": (7, 8)}


def density(hits: np.ndarray) -> np.ndarray:
    """Hits per bar, all instruments. hits: (N, bars, 16, 9) -> (N,)."""
    return hits.sum(axis=(2, 3)).mean(axis=1)


def syncopation(hits: np.ndarray) -> np.ndarray:
    """The share of onsets off the beat (not on a quarter note), any instrument; 0 for a silent groove."""
    onsets = hits.any(axis=3)  # (N, bars, 16)
    off = onsets[:, :, np.arange(onsets.shape[2]) % STEPS_PER_BEAT != 0].sum(axis=(1, 2))
    total = onsets.sum(axis=(1, 2))
    return np.where(total > 0, off / np.maximum(total, 1), 0.0)


def _part(classes: tuple[int, ...]) -> Callable[[np.ndarray], np.ndarray]:
    def activity(hits: np.ndarray) -> np.ndarray:
        return hits[..., list(classes)].sum(axis=(2, 3)).mean(axis=1)

    activity.__doc__ = f"Hits per bar of classes {classes}."
    return activity


ATTRIBUTES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "density": density, "syncopation": syncopation, **{name: _part(c) for name, c in PARTS.items()}}


def measure(hits: np.ndarray) -> dict[str, np.ndarray]:
    """Every attribute of grooves (N, bars, 16, 9) (or one groove (bars, 16, 9)): name -> (N,)."""
    hits = np.asarray(hits, dtype=bool)
    if hits.ndim == 3:
        hits = hits[None]
    return {name: f(hits) for name, f in ATTRIBUTES.items()}
