"""Reconstruction report on held-out windows: accuracy and hit F1 with file-resampled 95% intervals, per
drummer, beside the loop baselines, and the rebuilds' bar-to-bar structure beside the real grooves'.

A model claim needs a baseline and an interval: this module puts every model figure next to what looping
one bar of the same window scores, with an interval from resampling the held-out files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Optional

import numpy as np

from drummachine.groove.vocabulary import CLASS_NAMES, STEPS_PER_BAR, tokens_to_rows
from trainer.grooves import distance_to_others, diversity_resampled, f1_from_counts, hit_counts
from trainer.grooves import FIGURES as GROOVE_FIGURES
from trainer.intervals import Estimate, difference_estimate, drummer_of, file_bootstrap, mean_estimate, ratio_estimate

# Figures of the rebuilds set beside the real windows' (structure, density, backbeat)
REBUILD_FIGURES = ("hits per bar", "backbeat share", "lag 1 distance", "lag 4 distance", "lag 8 distance",
                   "repeat share", "distinct bars")
F1_CLASSES = (0, 1, 2)  # kick, snare, closed hat: a musician hears a missing one first


def loop_first_bar(tokens: np.ndarray) -> np.ndarray:
    """Each window's first bar repeated over its length."""
    bars = tokens.reshape(len(tokens), -1, STEPS_PER_BAR)
    return np.repeat(bars[:, :1], bars.shape[1], axis=1).reshape(tokens.shape)


def loop_most_common_bar(tokens: np.ndarray) -> np.ndarray:
    """Each window's most frequent bar (the earliest among ties) repeated over its length."""
    bars = tokens.reshape(len(tokens), -1, STEPS_PER_BAR)
    out = np.empty_like(bars)
    for i, window in enumerate(bars):
        keys = [b.tobytes() for b in window]
        counts = {k: keys.count(k) for k in keys}
        best = max(range(len(keys)), key=lambda j: (counts[keys[j]], -j))
        out[i] = window[best]
    return out.reshape(tokens.shape)


BASELINES = {"loop first bar": loop_first_bar, "loop most common bar": loop_most_common_bar}


def grooves_of(tokens: np.ndarray) -> np.ndarray:
    """Tokens (N, bars*16) -> hits (N, bars, 16, 9)."""
    return tokens_to_rows(tokens).reshape(len(tokens), -1, STEPS_PER_BAR, len(CLASS_NAMES))


def sample_grooves(engine, temperature: float, seeds: Iterable[int]) -> np.ndarray:
    """Hits (N, bars, 16, 9) of the engine's samples from its prior at `temperature`, one per seed: the one way the
    tune, the repeat fit and the benches draw sample sets, so that a seed means the same groove in each."""
    return np.stack([engine.sample(None, temperature, int(seed)).pattern.hits for seed in seeds])


@dataclass
class Report:
    """Every figure of one model on one held-out set; `to_dict` for JSON, `table` for people."""

    name: str
    windows: int
    files: int
    accuracy: dict[str, Estimate] = field(default_factory=dict)
    margin: dict[str, Estimate] = field(default_factory=dict)  # model minus 'loop most common bar'
    per_drummer: dict[str, dict[str, float]] = field(default_factory=dict)
    hit_f1: dict[str, dict[str, Estimate]] = field(default_factory=dict)
    structure: dict[str, dict[str, Estimate]] = field(default_factory=dict)  # figure -> {real, rebuilt}
    latent: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        def d(x):
            return x.to_dict() if isinstance(x, Estimate) else {k: d(v) for k, v in x.items()} if isinstance(x, dict) else x
        return {"name": self.name, "windows": self.windows, "files": self.files, "accuracy": d(self.accuracy),
                "margin_over_most_common_bar": d(self.margin), "per_drummer": self.per_drummer,
                "hit_f1": d(self.hit_f1), "structure": d(self.structure), "latent": self.latent}

    def table(self) -> str:
        lines = [f"## {self.name}: {self.windows} windows from {self.files} held-out files (95% intervals by file)",
                 "", "| predictor | per-step accuracy | " + " | ".join(f"F1 {CLASS_NAMES[c]}" for c in F1_CLASSES) + " |",
                 "|---|---|" + "---|" * len(F1_CLASSES)]
        for key, est in self.accuracy.items():
            f1 = self.hit_f1.get(key, {})
            lines.append(f"| {key} | {est} | " + " | ".join(str(f1.get(CLASS_NAMES[c], "-")) for c in F1_CLASSES) + " |")
        lines += ["", "| margin over loop most common bar | accuracy difference |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in self.margin.items()]
        lines += ["", "| figure | real held-out | rebuilt (free-running) |", "|---|---|---|"]
        lines += [f"| {k} | {v['real']} | {v['rebuilt']} |" for k, v in self.structure.items()]
        if self.per_drummer:
            keys = list(next(iter(self.per_drummer.values())).keys())
            lines += ["", "| drummer | " + " | ".join(keys) + " |", "|---|" + "---|" * len(keys)]
            lines += [f"| {d} | " + " | ".join(f"{v[k]:.3f}" if isinstance(v[k], float) else str(v[k]) for k in keys) + " |"
                      for d, v in sorted(self.per_drummer.items())]
        if self.latent:
            lines += ["", "latent: " + ", ".join(f"{k} {v:.3g}" for k, v in self.latent.items())]
        return "\n".join(lines)


def f1_estimates(counts: np.ndarray, files: np.ndarray) -> dict[str, Estimate]:
    """Hit F1 per class, each with its file-resampled interval. counts: (N, 9, 3) from `hit_counts`."""
    value, low, high = file_bootstrap(counts, files, f1_from_counts)
    return {CLASS_NAMES[c]: Estimate(float(value[c]), float(low[c]), float(high[c])) for c in range(len(CLASS_NAMES))}


def latent_figures(mu: np.ndarray, sigma: np.ndarray) -> dict[str, float]:
    """How much the code carries: KL per window, and how many principal directions of the codes vary more
    than the posterior noise does (coordinates counted one by one overstate this)."""
    kl = 0.5 * (mu**2 + sigma**2 - 1 - 2 * np.log(np.maximum(sigma, 1e-8))).sum(-1)
    centred = mu - mu.mean(0)
    spread = np.linalg.svd(centred, compute_uv=False) ** 2 / max(len(mu) - 1, 1)
    noise = float((sigma**2).mean())
    return {"kl_nats": float(kl.mean()), "directions_above_noise": int((spread > noise).sum()),
            "posterior_variance": noise}


def build_report(name: str, tokens: np.ndarray, file_index: np.ndarray, files: list[str], rebuild: dict) -> Report:
    """The report of a `rebuild` record (trainer.evaluate.rebuild or evaluate_onnx.rebuild_onnx) on `tokens`."""
    steps = np.full(len(tokens), tokens.shape[1])
    predictions = {"free-running": rebuild["rebuilt"], **{k: f(tokens) for k, f in BASELINES.items()}}
    correct = {"teacher-forced": rebuild["teacher_forced_correct"],
               **{k: (p == tokens).sum(1) for k, p in predictions.items()}}
    report = Report(name, len(tokens), len(np.unique(file_index)))
    report.accuracy = {k: ratio_estimate(c, steps, file_index) for k, c in correct.items()}
    common = correct["loop most common bar"]
    report.margin = {k: difference_estimate(correct[k], common, steps, file_index)
                     for k in ("teacher-forced", "free-running")}
    real = grooves_of(tokens)
    report.hit_f1 = {k: f1_estimates(hit_counts(real, grooves_of(p)), file_index) for k, p in predictions.items()}
    rebuilt = grooves_of(rebuild["rebuilt"])
    report.structure = {f: {"real": mean_estimate(GROOVE_FIGURES[f](real), file_index),
                            "rebuilt": mean_estimate(GROOVE_FIGURES[f](rebuilt), file_index)} for f in REBUILD_FIGURES}
    drummers = np.array([drummer_of(files[i]) for i in file_index])
    for who in np.unique(drummers):
        sel = drummers == who
        report.per_drummer[str(who)] = {"windows": int(sel.sum()),
                                        **{k: float(c[sel].sum() / steps[sel].sum()) for k, c in correct.items()}}
    if rebuild.get("mu") is not None:
        report.latent = latent_figures(rebuild["mu"], rebuild["sigma"])
    return report


CLASS_RATE_TOLERANCE = 0.25  # a sample class rate 'matches' within 25% of the real one


def sample_figure_rows(real: np.ndarray, real_files: np.ndarray, samples: np.ndarray,
                       real_diversity: Optional[Estimate] = None, sample_files: Optional[np.ndarray] = None) -> dict:
    """figure -> real estimate (files resampled), sample estimate (samples resampled), and whether the sample
    figure matches the real one: inside its interval, or for a class rate within 25% of it. What
    bench/groove_quality.py reports and export/prior.py tunes the prior on. Beside the per-groove figures,
    diversity: how far apart two independent grooves of a set are (`diversity_estimate`; real grooves of one
    file are not independent), so that samples narrower or wider than the drummers' count as off. The real
    grooves' diversity takes seconds: a caller comparing many sample sets with one real set passes it in
    (`real_diversity`). `sample_files`: the files of a set of real grooves read as if they were samples (a
    reference for what a sampler of those drummers would score, bench/sample_reference.py); samples are each
    their own."""
    rows = {}
    sample_ids = np.arange(len(samples)) if sample_files is None else np.asarray(sample_files)
    for name, f in GROOVE_FIGURES.items():
        r, s = mean_estimate(f(real), real_files), mean_estimate(f(samples), sample_ids)
        if name.startswith("rate "):
            ok = abs(s.value - r.value) <= CLASS_RATE_TOLERANCE * r.value
        else:
            ok = r.low <= s.value <= r.high
        rows[name] = {"real": r, "samples": s, "matches": bool(ok)}
    r = real_diversity if real_diversity is not None else diversity_estimate(real, real_files)
    s = diversity_estimate(samples, sample_ids)
    rows["diversity"] = {"real": r, "samples": s, "matches": bool(r.low <= s.value <= r.high)}
    return rows


def diversity_estimate(hits: np.ndarray, files: np.ndarray) -> Estimate:
    """How far apart two independent grooves of a set are (`distance_to_others`), with the interval of sets whose
    files are resampled and whose pairs are drawn again (`diversity_resampled`). NaN when no two files differ."""
    value = float(np.nanmean(distance_to_others(hits, files))) if len(np.unique(files)) > 1 else float("nan")
    spread = diversity_resampled(hits, files)
    if np.isnan(value) or np.isnan(spread).all():
        return Estimate(value, value, value)
    low, high = np.nanpercentile(spread, [2.5, 97.5])
    return Estimate(value, float(low), float(high))


def paired_differences(tokens: np.ndarray, file_index: np.ndarray, a: dict, b: dict) -> dict[str, Estimate]:
    """Model a minus model b on the same held-out windows (two `rebuild` records): teacher-forced and free-running
    accuracy and hit F1 of kick, snare and closed hat, each with a paired file-resampled interval. Two seeds or
    two settings differ when the interval excludes 0; when it spans 0, the difference is not a result."""
    steps = np.full(len(tokens), tokens.shape[1])
    out = {"teacher-forced": difference_estimate(a["teacher_forced_correct"], b["teacher_forced_correct"], steps,
                                                 file_index),
           "free-running": difference_estimate((a["rebuilt"] == tokens).sum(1), (b["rebuilt"] == tokens).sum(1),
                                               steps, file_index)}
    real = grooves_of(tokens)
    both = np.concatenate([hit_counts(real, grooves_of(a["rebuilt"])), hit_counts(real, grooves_of(b["rebuilt"]))],
                          axis=-1)  # (N, 9, 6): a's tp/fp/fn beside b's, resampled together
    value, low, high = file_bootstrap(both, file_index,
                                      lambda s: f1_from_counts(s[..., :3]) - f1_from_counts(s[..., 3:]))
    for c in F1_CLASSES:
        out[f"F1 {CLASS_NAMES[c]}"] = Estimate(float(value[c]), float(low[c]), float(high[c]))
    return out
