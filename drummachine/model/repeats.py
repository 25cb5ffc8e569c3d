"""Bars that repeat an earlier bar exactly, as drummers' do.

Drummers play a bar again note for note now and then: in the training windows 4.1% of bars equal the bar before and
9.8% equal some earlier bar of the window (at lag 2 about two thirds as often as at lag 1), so a 16-bar groove holds
14.5 distinct bars. A Gaussian over bar codes gives every bar a code of its own, so sampled grooves almost never
repeat a bar (15.5 distinct in 16). The prior therefore carries, beside its Gaussian, the chance that a bar copies
the bar `lag` bars earlier (fitted by export/prior.py: the training drummers' rate of each lag, `lag_rates`, less
the rate at which the Gaussian's samples already repeat by chance), and a sampled bar that copies takes that bar's
code. The cooler the sampling, the more bars repeat by chance (at T = 0 about as often as drummers'), so the
chances are fitted at a few temperatures and read between them (`rates_at`).

A copy also decodes with its source bar's random draws, so it plays the very same bar at any temperature. The copy
plan (each bar's source, `copy_sources`) goes with the groove (Take.repeats), so that knobs turned and fills switched
later keep the copies: knobs move the source and its copies alike, and a fill in a source bar leaves its copies be.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np


def nearest_equal_lags(bars: np.ndarray) -> np.ndarray:
    """For grooves (N, bars, ...) : (N, bars) the lag of each bar's nearest earlier equal bar, 0 where none is."""
    n, count = bars.shape[:2]
    flat = bars.reshape(n, count, -1)
    out = np.zeros((n, count), np.int64)
    for b in range(1, count):
        for lag in range(1, b + 1):
            equal = (flat[:, b] == flat[:, b - lag]).all(axis=1) & (out[:, b] == 0)
            out[equal, b] = lag
    return out


def lag_rates(bars: np.ndarray) -> np.ndarray:
    """(bars,) the share of bars, among those with a bar `lag` before them, whose nearest equal earlier bar is
    `lag` bars before (index 0 is 0)."""
    lags = nearest_equal_lags(bars)
    count = lags.shape[1]
    rates = np.zeros(count)
    for lag in range(1, count):
        rates[lag] = float((lags[:, lag:] == lag).mean())
    return rates


def check_rates(rates: np.ndarray, temperatures: np.ndarray, bars: int) -> str:
    """'' for copy chances (one row of `bars` per temperature, temperatures rising) a groove of `bars` bars can
    use, else what is wrong with them (for one sentence)."""
    if rates.ndim != 2 or rates.shape[1] != bars or temperatures.shape != (len(rates),) or not len(rates):
        return (f"holds repeat chances of shape {rates.shape} at {temperatures.shape} temperatures; the model has "
                f"{bars} bars")
    if not np.all(np.isfinite(temperatures)) or np.any(np.diff(temperatures) <= 0):
        return "holds repeat chances at temperatures that do not rise"
    if not np.all(np.isfinite(rates)) or rates.min() < 0 or np.any(rates[:, 0] != 0) or rates.sum(axis=1).max() > 1:
        return "holds repeat chances that are not chances (each from 0 to 1, none at lag 0, at most 1 in all)"
    return ""


def rates_at(rates: np.ndarray, temperatures: np.ndarray, temperature: float) -> np.ndarray:
    """(bars,) the copy chances at `temperature`: read linearly between the fitted temperatures, the nearest
    end's beyond them."""
    return np.array([np.interp(temperature, temperatures, rates[:, lag]) for lag in range(rates.shape[1])])


def copy_sources(seed: int, rates: np.ndarray) -> np.ndarray:
    """(bars,) for the groove drawn with `seed`: the bar whose code each bar takes (itself when it copies none).

    Bar b copies the bar `lag` before with chance rates[lag], for the lags it has; a copy of a copy plays the
    first bar of the chain."""
    count = len(rates)
    rng = np.random.default_rng([seed, 4])  # stream 4: the prior's eps is stream 0, uniforms 1 and 3, variations 2
    draws = rng.random(count)
    sources = np.arange(count)
    for b in range(1, count):
        edges = np.cumsum(rates[1:b + 1])
        lag = int(np.searchsorted(edges, draws[b], side="right")) + 1
        if lag <= b:
            sources[b] = sources[b - lag]
    return sources


def with_copies(z: np.ndarray, sources: np.ndarray, bar_latent: int) -> np.ndarray:
    """The code whose bar b is bar sources[b]'s (sources as copy_sources gives them: each names the first bar of
    its chain, which names itself)."""
    bars = np.asarray(z, np.float32).reshape(-1, bar_latent).copy()
    bars[:len(sources)] = bars[np.asarray(sources)]
    return bars.reshape(-1)


def check_sources(sources: Sequence[int], bars: int) -> str:
    """'' for a copy plan a groove of `bars` bars can hold, else what is wrong with it (for one sentence)."""
    if len(sources) > bars:
        return f"names sources for {len(sources)} bars, the groove has {bars}"
    for b, s in enumerate(sources):
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool) or not 0 <= s <= b or sources[s] != s:
            return "names a source bar that is not an earlier bar playing itself"
    return ""


def shared_sources(plans: Sequence[Sequence[int]], bars: int) -> tuple[int, ...]:
    """The copy plan of a groove mixed from grooves with these plans (the pad's corners): a bar plays an earlier
    bar again where every plan says so, naming the same bar; () when no bar does. A plan shorter than `bars` (or
    none) has every later bar play itself."""
    def source(plan: Sequence[int], b: int) -> int:
        return int(plan[b]) if b < len(plan) else b

    out = tuple(source(plans[0], b) if plans and all(source(p, b) == source(plans[0], b) for p in plans) else b
                for b in range(bars))
    return out if any(s != b for b, s in enumerate(out)) else ()
