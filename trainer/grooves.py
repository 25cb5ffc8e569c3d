"""Musical figures of drum grooves, as a musician hears them: functions over hit arrays, no model, no torch.

A groove here is a boolean array (bars, 16, 9) and a set of grooves is (N, bars, 16, 9). Every figure is
computed per groove, so a report can put it beside the same figure for real held-out grooves, resample
files for an interval, or compare whole distributions (Yang & Lerch's intra-/inter-set method).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from drummachine.groove.vocabulary import CLASS_NAMES, NUM_CLASSES, STEPS_PER_BAR

BACKBEAT_STEPS = (4, 12)  # beats 2 and 4 of a 16-step bar
BEAT_STEPS = (0, 4, 8, 12)
LAGS = (1, 2, 4, 8)
# Longuet-Higgins & Lee metrical weights of the 16 steps of a 4/4 bar (0 the downbeat, -4 the weakest 16ths)
LHL_WEIGHTS = np.array([0, -4, -3, -4, -2, -4, -3, -4, -1, -4, -3, -4, -2, -4, -3, -4])


def as_grooves(hits: np.ndarray) -> np.ndarray:
    """A boolean (N, bars, 16, 9) view of one groove or several."""
    hits = np.asarray(hits) != 0
    if hits.ndim == 3:
        hits = hits[None]
    if hits.ndim != 4 or hits.shape[2:] != (STEPS_PER_BAR, NUM_CLASSES):
        raise ValueError(f"grooves are (N, bars, 16, 9), got shape {hits.shape}")
    return hits


# --- per-groove figures: each returns (N,) -------------------------------------------------------------

def hits_per_bar(hits: np.ndarray) -> np.ndarray:
    g = as_grooves(hits)
    return g.sum(axis=(1, 2, 3)) / g.shape[1]


def class_rate(hits: np.ndarray, cls: int) -> np.ndarray:
    """Share of steps on which class `cls` is hit."""
    g = as_grooves(hits)
    return g[..., cls].mean(axis=(1, 2))


def backbeat_share(hits: np.ndarray) -> np.ndarray:
    """Share of the backbeats (steps 4 and 12 of every bar) that carry a snare: the rock backbeat."""
    g = as_grooves(hits)
    return g[:, :, list(BACKBEAT_STEPS), 1].mean(axis=(1, 2))


def lag_distance(hits: np.ndarray, lag: int) -> np.ndarray:
    """Cells (of 144) that differ between bars `lag` apart, averaged over the pairs: bar-to-bar structure."""
    g = as_grooves(hits)
    if g.shape[1] <= lag:
        return np.full(len(g), np.nan)
    return (g[:, lag:] != g[:, :-lag]).sum(axis=(2, 3)).mean(axis=1)


def repeat_share(hits: np.ndarray) -> np.ndarray:
    """Share of bars (from the second) exactly equal to the bar before: 1.0 is a loop."""
    g = as_grooves(hits)
    if g.shape[1] < 2:
        return np.full(len(g), np.nan)
    return (g[:, 1:] == g[:, :-1]).all(axis=(2, 3)).mean(axis=1)


def distinct_bars(hits: np.ndarray) -> np.ndarray:
    """How many different bars a groove holds."""
    g = as_grooves(hits)
    flat = g.reshape(len(g), g.shape[1], -1)
    return np.array([len({row.tobytes() for row in groove}) for groove in flat], dtype=float)


def step_density(hits: np.ndarray) -> np.ndarray:
    """Share of steps with any hit."""
    return as_grooves(hits).any(axis=3).mean(axis=(1, 2))


def instruments_used(hits: np.ndarray) -> np.ndarray:
    """How many of the 9 classes play at all."""
    return as_grooves(hits).any(axis=(1, 2)).sum(axis=1).astype(float)


def weak_to_strong(hits: np.ndarray) -> np.ndarray:
    """Hits off the beats over hits on the beats (steps 0, 4, 8, 12), +1 in the denominator so empty is 0."""
    g = as_grooves(hits)
    strong = g[:, :, list(BEAT_STEPS)].sum(axis=(1, 2, 3))
    return (g.sum(axis=(1, 2, 3)) - strong) / (strong + 1.0)


def syncopation(hits: np.ndarray) -> np.ndarray:
    """Longuet-Higgins & Lee syncopation of the groove's onsets (any class), per bar.

    An onset followed by silence over a metrically stronger step, before the next onset, syncopates by the
    weight difference (the next bar's downbeat counts as the strongest step)."""
    g = as_grooves(hits)
    onsets = g.any(axis=3).reshape(len(g), -1)  # (N, steps)
    steps = onsets.shape[1]
    weights = np.tile(LHL_WEIGHTS, steps // STEPS_PER_BAR)
    out = np.zeros(len(g))
    for n in range(len(g)):
        where = np.flatnonzero(onsets[n])
        total = 0
        for a, b in zip(where, list(where[1:]) + [steps]):
            # the silent steps up to the next onset; after the last onset, the next bar's downbeat too
            silent = weights[a + 1 : b] if b < steps else np.append(weights[a + 1 :], 0)
            if len(silent):
                total += max(int(silent.max()) - int(weights[a]), 0)
        out[n] = total / g.shape[1]
    return out


def complexity(hits: np.ndarray) -> np.ndarray:
    """Density and syncopation together (GrooveEvaluator's 'complexity' idea): their Euclidean norm, each
    scaled by its largest possible value (1 for density, 4 * 8 = 32 per bar for syncopation)."""
    return np.hypot(step_density(hits), syncopation(hits) / 32.0)


def _class_groups() -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    return {f"rate {name}": (lambda h, c=c: class_rate(h, c)) for c, name in enumerate(CLASS_NAMES)}


# The figures a groove report shows, by name
FIGURES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "hits per bar": hits_per_bar,
    "backbeat share": backbeat_share,
    **{f"lag {lag} distance": (lambda h, lag=lag: lag_distance(h, lag)) for lag in LAGS},
    "repeat share": repeat_share,
    "distinct bars": distinct_bars,
    **_class_groups(),
}

# The drum feature set of Yang & Lerch's evaluation as GrooveEvaluator adapts it to drums
FEATURES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "step density": step_density,
    "instruments used": instruments_used,
    "weak to strong ratio": weak_to_strong,
    "syncopation": syncopation,
    "complexity": complexity,
    "hits per bar": hits_per_bar,
}


# --- set-level figures -----------------------------------------------------------------------------------

def _pack_bars(hits: np.ndarray) -> np.ndarray:
    """Bars (M, 16, 9) -> packed bits (M, 18) for fast Hamming distances."""
    return np.packbits(np.asarray(hits, dtype=bool).reshape(len(hits), -1), axis=1)


def hamming_to_nearest(query_bars: np.ndarray, reference_bars: np.ndarray, chunk: int = 256) -> np.ndarray:
    """For each query bar (M, 16, 9), the fewest cells in which it differs from any reference bar."""
    ref = np.unique(_pack_bars(reference_bars), axis=0)
    q = _pack_bars(query_bars)
    out = np.empty(len(q), dtype=np.int64)
    for i in range(0, len(q), chunk):
        x = np.bitwise_xor(q[i : i + chunk, None, :], ref[None])
        out[i : i + chunk] = np.bitwise_count(x).sum(axis=2).min(axis=1)
    return out


def distance_to_others(hits: np.ndarray, groups: np.ndarray, others: int = 50, seed: int = 0) -> np.ndarray:
    """(N,) each groove's mean cells per bar that differ from `others` random grooves of other groups. Grooves of
    one group (windows of one performance, which overlap) are never compared: two independent grooves are. NaN
    for a groove with no other group beside it."""
    g = as_grooves(hits)
    groups = np.asarray(groups)
    rng = np.random.default_rng(seed)
    out = np.full(len(g), np.nan)
    for i in range(len(g)):
        pool = np.flatnonzero(groups != groups[i])
        if len(pool):
            pick = rng.choice(pool, size=min(others, len(pool)), replace=False)
            out[i] = (g[pick] != g[i]).sum(axis=(1, 2, 3)).mean() / g.shape[1]
    return out


def diversity_resampled(hits: np.ndarray, groups: np.ndarray, resamples: int = 200, others: int = 10,
                        seed: int = 0) -> np.ndarray:
    """(resamples,) the diversity of sets drawn by resampling whole groups (files) with replacement, the pairs
    drawn afresh inside each (`others` a groove, never two grooves of one original group). Diversity is a mean
    over pairs: resampling each groove's own mean distance would leave the other groove of every pair fixed,
    and its interval came out about half as wide as this one (validation: 1.8 against 3.3 cells a bar)."""
    grooves = as_grooves(hits)
    bars, g = grooves.shape[1], grooves.reshape(len(grooves), -1)
    groups = np.asarray(groups)
    ids = np.unique(groups)
    members = [np.flatnonzero(groups == i) for i in ids]
    rng = np.random.default_rng([seed, 5])
    out = np.full(resamples, np.nan)
    for r in range(resamples):
        rows = np.concatenate([members[k] for k in rng.integers(len(ids), size=len(ids))])
        i = np.repeat(rows, others)
        j = rows[rng.integers(len(rows), size=len(i))]
        keep = groups[i] != groups[j]
        if keep.any():
            out[r] = (g[i[keep]] != g[j[keep]]).sum(axis=1).mean() / bars
    return out


def morph_smoothness(path: np.ndarray) -> dict:
    """How steadily a morph moves: path (K, bars, 16, 9) from A to B.

    largest_step_share: the largest share of the whole path's change that one step makes (1/(K-1) is even);
    path_over_direct: the cells changed along the path over the cells that differ between A and B."""
    g = as_grooves(path)
    steps = (g[1:] != g[:-1]).sum(axis=(1, 2, 3)).astype(float)
    direct = float((g[-1] != g[0]).sum())
    total = float(steps.sum())
    return {
        "largest_step_share": float(steps.max() / total) if total else 0.0,
        "path_over_direct": total / direct if direct else float("inf") if total else 1.0,
    }


# --- distributions: Yang & Lerch's intra-set / inter-set comparison -------------------------------------

def _kde(samples: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """A Gaussian kernel density (Scott's bandwidth) evaluated on a grid, normalised to integrate to 1."""
    samples = np.asarray(samples, dtype=float)
    std = samples.std()
    width = max(std * len(samples) ** (-1 / 5), 1e-3 * max(np.ptp(grid), 1e-9))
    dens = np.exp(-0.5 * ((grid[:, None] - samples[None]) / width) ** 2).sum(axis=1)
    dens /= np.trapezoid(dens, grid) or 1.0
    return dens


def _pairwise(a: np.ndarray, b: np.ndarray | None, limit: int, rng: np.random.Generator) -> np.ndarray:
    """|a_i - b_j| over pairs (within a when b is None, i != j), at most `limit` random pairs."""
    if b is None:
        i = rng.integers(len(a), size=limit)
        j = (i + rng.integers(1, len(a), size=limit)) % len(a)
        return np.abs(a[i] - a[j])
    return np.abs(a[rng.integers(len(a), size=limit)] - b[rng.integers(len(b), size=limit)])


def feature_agreement(real: np.ndarray, generated: np.ndarray, pairs: int = 20000, seed: int = 0) -> dict:
    """Yang & Lerch's comparison of one feature, as GrooveEvaluator applies it: KL divergence and overlap area
    between the generated set's intra-set distance distribution and the generated-to-real inter-set one.

    Overlap area 1 (KL 0): generated grooves differ from real ones as much as from each other, so they sit
    among the real ones; a collapsed set (all alike) or one off to the side scores low."""
    real, generated = np.asarray(real, float), np.asarray(generated, float)
    rng = np.random.default_rng(seed)
    intra = _pairwise(generated, None, pairs, rng)
    inter = _pairwise(generated, real, pairs, rng)
    top = max(intra.max(), inter.max(), 1e-6)
    grid = np.linspace(0, top * 1.1, 512)
    p, q = _kde(intra, grid), _kde(inter, grid)
    eps = 1e-10
    kl = float(np.trapezoid(p * np.log((p + eps) / (q + eps)), grid))
    overlap = float(np.trapezoid(np.minimum(p, q), grid))
    return {"kl": kl, "overlap": overlap}


# --- reconstruction ---------------------------------------------------------------------------------------

def hit_counts(true: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Per groove and class: true positives, false positives, false negatives: (N, 9, 3)."""
    t, p = as_grooves(true), as_grooves(predicted)
    tp = (t & p).sum(axis=(1, 2))
    fp = (~t & p).sum(axis=(1, 2))
    fn = (t & ~p).sum(axis=(1, 2))
    return np.stack([tp, fp, fn], axis=-1)


def f1_from_counts(counts: np.ndarray) -> np.ndarray:
    """F1 per class from summed (…, 9, 3) counts."""
    c = counts.reshape(-1, NUM_CLASSES, 3).sum(axis=0).astype(float)
    tp, fp, fn = c[:, 0], c[:, 1], c[:, 2]
    return np.where(tp > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1), 0.0)
