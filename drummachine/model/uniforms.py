"""The random numbers the bar decoder samples a groove's steps with: one per step, drawn again for each bar, or
shared between bars.

The decoder samples a step by inverse CDF: the token is the first whose cumulative probability reaches u. Bars
drawn with independent u differ wherever the model is unsure, so a groove sampled at a temperature that keeps
its rare instruments (toms, crash, open hat) changes every bar more than a drummer does; greedy decoding keeps
the bars steady but drops the rare instruments. Coupling fixes both: with `coherence` c, step i of every bar
reads u = Phi(sqrt(c) * g_i + sqrt(1 - c) * g_(b,i)), a groove-wide draw g_i shared by all bars plus the bar's
own g_(b,i). Each u is still uniform, so every step is drawn from exactly the model's distribution; but bars
whose distributions agree now pick the same hits, and the bars differ where the model's code says they differ
(c = 1: only there; c = 0: the independent draws of before, bit for bit).
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from drummachine.groove.vocabulary import STEPS_PER_BAR

SMALLEST = 1e-7  # u = 0 would pick the first token whatever its probability
# numpy has no erf and the app does not depend on SciPy; 16 values a bar make a Python loop cheap (~20 us)
_ERF = np.vectorize(math.erf, otypes=[np.float64])


def _normal_cdf(x: np.ndarray) -> np.ndarray:
    """Phi(x): turns a standard normal draw into a uniform one, so that two draws can be correlated first."""
    return 0.5 * (1.0 + _ERF(x / math.sqrt(2.0)))


def bar_uniforms(seed: int, bars: Sequence[int], coherence: float = 0.0) -> np.ndarray:
    """(len(bars), 16) float32 uniforms in (0, 1] for bars `bars` of the groove drawn with `seed`.

    Bar b's row depends only on (seed, b, coherence), so bars asked for one at a time equal bars asked for
    together."""
    if not 0.0 <= coherence <= 1.0:
        raise ValueError(f"bar coherence is between 0 and 1, not {coherence}")
    if coherence == 0.0:
        rows = [np.random.default_rng([seed, 1, b]).random(STEPS_PER_BAR, dtype=np.float32) for b in bars]
    else:
        # stream 3 (also the morph plan's tie shuffle, groove/morph.py: the two never meet in one decision)
        shared = np.random.default_rng([seed, 3]).standard_normal(STEPS_PER_BAR)
        own = [np.random.default_rng([seed, 1, b]).standard_normal(STEPS_PER_BAR) for b in bars]
        rows = [_normal_cdf(math.sqrt(coherence) * shared + math.sqrt(1.0 - coherence) * g) for g in own]
    out = np.stack(rows) if rows else np.zeros((0, STEPS_PER_BAR))
    return np.clip(out, SMALLEST, 1.0).astype(np.float32)
