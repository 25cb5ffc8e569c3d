"""95% intervals by resampling source files, and per-drummer breakdowns.

Windows of one performance overlap and share its groove, so they are not independent draws: an interval
from resampling windows would be far too narrow. Resampling whole files (with replacement) keeps each
performance's windows together, as a new recording session would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

RESAMPLES = 1000


@dataclass(frozen=True)
class Estimate:
    """A figure over held-out windows with its file-resampled 95% interval."""

    value: float
    low: float
    high: float

    def to_dict(self) -> dict:
        return {"value": self.value, "low": self.low, "high": self.high}

    def __str__(self) -> str:
        return f"{self.value:.3f} [{self.low:.3f}, {self.high:.3f}]"


def file_bootstrap(per_window: np.ndarray, files: np.ndarray, statistic: Callable[[np.ndarray], np.ndarray],
                   resamples: int = RESAMPLES, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """statistic(sum of per_window over windows), with the 2.5 and 97.5 percentiles over file resamples.

    per_window: (N, ...) additive quantities (counts, sums); files: (N,) the source file of each window."""
    per_window = np.asarray(per_window, float)
    ids, inverse = np.unique(np.asarray(files), return_inverse=True)
    per_file = np.zeros((len(ids),) + per_window.shape[1:])
    np.add.at(per_file, inverse, per_window)
    value = np.asarray(statistic(per_file.sum(axis=0)), float)
    if len(ids) < 2:
        return value, value, value
    rng = np.random.default_rng(seed)
    stats = np.stack([statistic(per_file[rng.integers(len(ids), size=len(ids))].sum(axis=0))
                      for _ in range(resamples)])
    low, high = np.percentile(stats, [2.5, 97.5], axis=0)
    return value, low, high


def ratio_estimate(numerator: np.ndarray, denominator: np.ndarray, files: np.ndarray,
                   resamples: int = RESAMPLES, seed: int = 0) -> Estimate:
    """sum(numerator) / sum(denominator) over windows, with a 95% interval from resampling files.

    numerator, denominator, files: (N,) per window (e.g. correct steps, steps, the window's source file)."""
    both = np.stack([np.asarray(numerator, float), np.asarray(denominator, float)], axis=-1)
    value, low, high = file_bootstrap(both, files, lambda s: s[0] / max(s[1], 1e-12), resamples, seed)
    return Estimate(float(value), float(low), float(high))


def mean_estimate(values: np.ndarray, files: np.ndarray, **kw) -> Estimate:
    """The mean of a per-window figure (NaN windows left out), with its file-resampled interval."""
    values = np.asarray(values, float)
    ok = ~np.isnan(values)
    return ratio_estimate(values[ok], np.ones(int(ok.sum())), np.asarray(files)[ok], **kw)


def difference_estimate(a: np.ndarray, b: np.ndarray, denominator: np.ndarray, files: np.ndarray,
                        resamples: int = RESAMPLES, seed: int = 0) -> Estimate:
    """sum(a - b) / sum(denominator) with a paired file-resampled interval: is a better than b on the same
    windows? An interval that excludes 0 is a result; one that spans it is not."""
    return ratio_estimate(np.asarray(a, float) - np.asarray(b, float), denominator, files, resamples, seed)


def drummer_of(relpath: str) -> str:
    """GMD keeps each drummer's files in a folder of their own (drummer1/...); other data: the top folder."""
    parts = relpath.replace("\\", "/").split("/")
    return parts[0] if len(parts) > 1 else "(top)"
