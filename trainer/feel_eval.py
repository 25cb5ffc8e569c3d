"""How well velocities and timing are predicted, on held-out performances, beside two baselines.

Every predictor is given the true hits of bar 2 of each held-out 2-bar window (and bar 1, the bar before,
as the app gives it live) and says a velocity and an offset for each hit of bar 2:
- rules: today's accent table (drummachine/groove/velocity.py), every hit on the grid;
- means: the training data's mean velocity and offset for each (class, step in the bar);
- model: the feel model with the prior's mean code (its single most likely feel), and with codes drawn
  for seeds (for the distributions: a seed's feel should look like a drummer's).
Errors are in the musician's units: MIDI velocity, and milliseconds at the file's own tempo. Intervals
come from resampling files (trainer/intervals.py). Pure numpy; the model enters as a callable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from drummachine.groove.velocity import accent_velocities
from drummachine.groove.vocabulary import CLASS_NAMES, NUM_CLASSES, STEPS_PER_BAR
from trainer.intervals import Estimate, difference_estimate, ratio_estimate

# velocity (MIDI) and offset (steps) predictions, given (N, 32, 9) hits and each window's tempo (N,)
Predictor = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
VELOCITY_BINS = np.arange(0, 136, 8)  # MIDI units
OFFSET_BINS = np.linspace(-0.5, 0.5, 21)  # steps


@dataclass
class HeldOut:
    """Held-out 2-bar windows: hits, velocities (MIDI), offsets (steps), each window's file and tempo."""

    hits: np.ndarray  # (N, 32, 9) bool
    velocity: np.ndarray  # (N, 32, 9) float, MIDI units
    offset: np.ndarray  # (N, 32, 9) float, steps
    files: np.ndarray  # (N,) file index
    bpm: np.ndarray  # (N,)
    swung: np.ndarray  # (N,) bool: GMD's style says shuffle or swing

    @property
    def target(self) -> np.ndarray:
        """The cells scored: the hits of bar 2."""
        t = np.zeros_like(self.hits)
        t[:, STEPS_PER_BAR:] = self.hits[:, STEPS_PER_BAR:]
        return t

    @property
    def step_ms(self) -> np.ndarray:
        """(N,) the length of a 16th at each window's tempo."""
        return 60000.0 / self.bpm / 4


def is_swung(style: str) -> bool:
    return "shuffle" in style or "swing" in style


def held_out(windows) -> HeldOut:
    """A `trainer.dataset.WindowSet` (2 bars, format 2) as what the evaluation reads."""
    if windows.offsets is None or windows.file_bpm is None:
        raise ValueError("this dataset has no offsets or tempi (format 1): rebuild it with `python -m trainer dataset`")
    styles = windows.file_style or [""] * len(windows.files)
    return HeldOut(windows.velocities > 0, windows.velocities.astype(float), windows.offsets.astype(float),
                   windows.file_index, windows.bpm.astype(float),
                   np.array([is_swung(styles[f]) for f in windows.file_index], bool))


# --- the baselines -------------------------------------------------------------------------------------------
def rules_predictor(hits: np.ndarray, bpm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Today's accent table, on the grid."""
    bars = hits.reshape(-1, STEPS_PER_BAR, NUM_CLASSES)
    return accent_velocities(bars).reshape(hits.shape).astype(float), np.zeros(hits.shape)


def step_means(hits: np.ndarray, velocity: np.ndarray, offset: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The mean velocity and offset of the training hits per (step in the bar, class): (16, 9) each."""
    h = hits.reshape(-1, STEPS_PER_BAR, NUM_CLASSES)
    n = np.maximum(h.sum(axis=0), 1)
    v = (velocity.reshape(h.shape) * h).sum(axis=0) / n
    o = (offset.reshape(h.shape) * h).sum(axis=0) / n
    return v, o


def means_predictor(means: tuple[np.ndarray, np.ndarray]) -> Predictor:
    v, o = means

    def predict(hits: np.ndarray, bpm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        reps = hits.shape[1] // STEPS_PER_BAR
        return (np.broadcast_to(np.tile(v, (reps, 1)), hits.shape).astype(float),
                np.broadcast_to(np.tile(o, (reps, 1)), hits.shape).astype(float))

    return predict


# --- the figures -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FeelScore:
    """One predictor's errors, overall and per class, with file-resampled 95% intervals."""

    velocity_mae: Estimate  # MIDI units
    timing_mae_ms: Estimate
    per_class: dict  # class name -> (velocity MAE, timing MAE ms) as Estimates

    def to_dict(self) -> dict:
        return {"velocity_mae": self.velocity_mae.to_dict(), "timing_mae_ms": self.timing_mae_ms.to_dict(),
                "per_class": {k: {"velocity_mae": v.to_dict(), "timing_mae_ms": t.to_dict()}
                              for k, (v, t) in self.per_class.items()}}


def score(data: HeldOut, velocity: np.ndarray, offset: np.ndarray, resamples: int = 1000) -> FeelScore:
    """MAE of predicted velocity (MIDI) and timing (ms at the file's tempo) on the hits of bar 2."""
    t = data.target
    ev = np.abs(velocity - data.velocity) * t
    et = np.abs(offset - data.offset) * data.step_ms[:, None, None] * t

    def est(err: np.ndarray, mask: np.ndarray) -> Estimate:
        return ratio_estimate(err.sum(axis=(1, 2)), mask.sum(axis=(1, 2)), data.files, resamples)

    per_class = {}
    for c, name in enumerate(CLASS_NAMES):
        m = np.zeros_like(t)
        m[..., c] = t[..., c]
        if m.any():
            per_class[name] = (est(ev * m, m), est(et * m, m))
    return FeelScore(est(ev, t), est(et, t), per_class)


def overlap(a: np.ndarray, b: np.ndarray, bins: np.ndarray) -> float:
    """The area two histograms share (1: the same distribution, 0: disjoint), as Yang & Lerch compare features."""
    if len(a) == 0 or len(b) == 0:
        return float("nan")
    ha, _ = np.histogram(np.clip(a, bins[0], bins[-1]), bins)
    hb, _ = np.histogram(np.clip(b, bins[0], bins[-1]), bins)
    return float(np.minimum(ha / ha.sum(), hb / hb.sum()).sum())


def distribution_overlap(data: HeldOut, velocity: np.ndarray, offset: np.ndarray) -> dict:
    """Per class: how much the predicted velocities and offsets overlap the real ones on the scored hits."""
    t = data.target
    out = {}
    for c, name in enumerate(CLASS_NAMES):
        m = t[..., c]
        if m.any():
            out[name] = {"velocity": overlap(velocity[..., c][m], data.velocity[..., c][m], VELOCITY_BINS),
                         "offset": overlap(offset[..., c][m], data.offset[..., c][m], OFFSET_BINS)}
    out["all"] = {"velocity": overlap(velocity[t], data.velocity[t], VELOCITY_BINS),
                  "offset": overlap(offset[t], data.offset[t], OFFSET_BINS)}
    return out


def swing_offset(data: HeldOut, offset: np.ndarray, resamples: int = 1000) -> Optional[Estimate]:
    """On the swung files: the mean offset (steps) of hits on off-beat 16ths (the 'e' and 'a', odd steps).
    Swing pushes them late; a straight grid says 0."""
    t = data.target & data.swung[:, None, None]
    t[:, ::2] = False  # even steps are on the 8th-note grid
    if not t.any():
        return None
    swung = data.swung  # resample the swung files only: the others carry no off-16th of a swung groove
    return ratio_estimate((offset * t).sum(axis=(1, 2))[swung], t.sum(axis=(1, 2))[swung], data.files[swung], resamples)


def window_errors(data: HeldOut, velocity: np.ndarray, offset: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per window: the summed velocity error (MIDI) and timing error (ms) over its scored hits."""
    t = data.target
    ev = (np.abs(velocity - data.velocity) * t).sum(axis=(1, 2))
    et = (np.abs(offset - data.offset) * t).sum(axis=(1, 2)) * data.step_ms
    return ev, et


def evaluate_predictors(data: HeldOut, predictors: dict[str, Predictor], sampled: Optional[dict[str, Predictor]] = None,
                        resamples: int = 1000, baseline: Optional[str] = None) -> dict:
    """Scores, overlaps and swing for each predictor (and the real data's swing), as one report; with
    `baseline` (one of `predictors`), each other predictor's paired difference from it, with its interval
    (an interval that excludes 0 is a result)."""
    report = {"windows": int(len(data.hits)), "files": int(len(np.unique(data.files))),
              "hits_scored": int(data.target.sum()), "predictors": {}}
    real_swing = swing_offset(data, data.offset, resamples)
    report["swing"] = {"real": real_swing.to_dict() if real_swing else None,
                       "swung_windows": int(data.swung.sum()), "swung_files": int(len(np.unique(data.files[data.swung])))}
    errors = {}
    for name, predict in {**predictors, **(sampled or {})}.items():
        velocity, offset = predict(data.hits, data.bpm)
        entry = {"overlap": distribution_overlap(data, velocity, offset)}
        if name in predictors:
            entry["score"] = score(data, velocity, offset, resamples).to_dict()
            errors[name] = window_errors(data, velocity, offset)
        swing = swing_offset(data, offset, resamples)
        entry["swing"] = swing.to_dict() if swing else None
        report["predictors"][name] = entry
    if baseline is not None:
        hits = data.target.sum(axis=(1, 2))
        base_v, base_t = errors[baseline]
        report["baseline"] = baseline
        for name, (ev, et) in errors.items():
            if name != baseline:
                report["predictors"][name]["minus_baseline"] = {
                    "velocity_mae": difference_estimate(ev, base_v, hits, data.files, resamples).to_dict(),
                    "timing_mae_ms": difference_estimate(et, base_t, hits, data.files, resamples).to_dict()}
    return report


def fmt(d: dict, places: int = 2) -> str:
    """An estimate as 'value [low, high]'."""
    return f"{d['value']:.{places}f} [{d['low']:.{places}f}, {d['high']:.{places}f}]"


def report_table(report: dict) -> str:
    """The report as markdown tables: errors with intervals, overlaps, swing."""
    lines = [f"{report['windows']} held-out 2-bar windows from {report['files']} files, {report['hits_scored']} hits "
             "scored (bar 2 of each window, given bar 1 and its own hits); swing on "
             f"{report['swing']['swung_windows']} windows of {report['swing'].get('swung_files', '?')} swung or shuffle "
             "files", "",
             "| predictor | velocity MAE (MIDI) | timing MAE (ms) | velocity overlap | offset overlap | "
             "off-16th offset on swung files (steps) |", "|---|---|---|---|---|---|"]
    for name, e in report["predictors"].items():
        s = e.get("score")
        sw = fmt(e["swing"], 3) if e["swing"] else "-"
        lines.append(f"| {name} | {fmt(s['velocity_mae']) if s else '-'} | {fmt(s['timing_mae_ms']) if s else '-'} | "
                     f"{e['overlap']['all']['velocity']:.3f} | {e['overlap']['all']['offset']:.3f} | {sw} |")
    real = report["swing"]["real"]
    real_text = f"{real['value']:.3f} [{real['low']:.3f}, {real['high']:.3f}]" if real else "-"
    lines.append(f"| real held-out grooves | 0 | 0 | 1 | 1 | {real_text} |")
    if report.get("baseline"):
        lines += ["", f"Paired differences from {report['baseline']} (negative: fewer errors; file-resampled 95%):", "",
                  "| predictor | velocity MAE difference (MIDI) | timing MAE difference (ms) |", "|---|---|---|"]
        for name, e in report["predictors"].items():
            d = e.get("minus_baseline")
            if d:
                lines.append(f"| {name} | {fmt(d['velocity_mae'])} | {fmt(d['timing_mae_ms'])} |")
    scored = [n for n, e in report["predictors"].items() if e.get("score")]
    lines += ["", "Per class, velocity MAE (MIDI) / timing MAE (ms):", "",
              "| class | " + " | ".join(scored) + " |", "|---|" + "---|" * len(scored)]
    for cls in CLASS_NAMES:
        cells = []
        for n in scored:
            pc = report["predictors"][n]["score"]["per_class"].get(cls)
            cells.append(f"{pc['velocity_mae']['value']:.1f} / {pc['timing_mae_ms']['value']:.1f}" if pc else "-")
        lines.append(f"| {cls} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
