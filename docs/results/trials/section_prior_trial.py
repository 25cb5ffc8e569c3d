"""A prior whose bars' variations keep their slow part (a trial): sections that change across a 16-bar window.

Samples' bar-to-bar distance is flat over lags 1-8 (about 10 cells), where real grooves' rises at lag 8 (13.3):
drummers change sections. The bundled prior shrinks every bar's variation by 0.2 (tuned so that neighbouring bars
differ as a drummer's do), which shrinks the slow, section-long part with the fast part. Here each training
window's bar deviations are split along the bars into a slow part (along a few slow shapes over the window,
`basis`) and the rest; the slow part keeps its own scale.

    .venv/bin/python docs/results/trials/section_prior_trial.py [MODEL=models/pbmflss16] [SAMPLES=100] [FROM=0]
run from the repository root, with the dataset in data/gmd and the model's training codes cached beside it
(models/NAME.codes.npz, written by export.prior --codes-cache). Validation grooves only."""
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
import dataclasses  # noqa: E402

from drummachine.model.engine import Engine  # noqa: E402
from export.onnx_export import groove_and_bar_gaussian  # noqa: E402
from export.prior import sample_figures, score  # noqa: E402
from trainer.dataset import load_windows  # noqa: E402
from trainer.groove_report import grooves_of  # noqa: E402

model = ROOT / (sys.argv[1] if len(sys.argv) > 1 else "models/pbmflss16")
samples = int(sys.argv[2]) if len(sys.argv) > 2 else 100
engine = Engine(model)
codes = np.load(str(model) + ".codes.npz")["codes"].astype(np.float64)
bars = engine.bars
codes = codes.reshape(len(codes), bars, -1)
valid = load_windows(ROOT / "data/gmd", bars, "valid")
real, files = grooves_of(valid.tokens.astype(np.int64)), valid.file_index
T = engine.default_temperature
coherence = float(engine.model.bar_coherence)
print(f"model {model.name}, T {T}, coherence {coherence}")


def basis(n: int, kind: str) -> np.ndarray:
    """Orthonormal slow shapes over n bars (n, k): `cos1`, `cos2` the lowest DCT-II cosines (a drift over the
    window), `halves` the first eight bars against the last eight (a section change), `cycle` one period of a
    cosine and a sine (a drift that comes back round when the 16 bars loop)."""
    b = np.arange(n)
    if kind.startswith("cos"):
        shapes = [np.cos(np.pi * (b + 0.5) * j / n) for j in range(1, int(kind[3:]) + 1)]
    elif kind == "halves":
        shapes = [np.where(b < n // 2, 1.0, -1.0)]
    elif kind == "cycle":
        shapes = [np.cos(2 * np.pi * b / n), np.sin(2 * np.pi * b / n)]
    else:
        raise ValueError(kind)
    return np.stack([v / np.linalg.norm(v) for v in shapes], 1)


groove = codes.mean(axis=1, keepdims=True)
dev = codes - groove
size = codes.shape[2]
energy = (dev ** 2).sum()
for kind in ("cos1", "cos2", "halves", "cycle"):
    B = basis(bars, kind)
    low = np.einsum("bk,ck,ncl->nbl", B, B, dev)
    print(f"share of the bars' variation along {kind}: {(low ** 2).sum() / energy:.3f} "
          f"(white noise: {B.shape[1] / (bars - 1):.3f})")


def prior(bar_scale: float, slow_scale: float, kind: str):
    B = basis(bars, kind)
    low = np.einsum("bk,ck,ncl->nbl", B, B, dev)
    mean, cov = groove_and_bar_gaussian(codes - low, 1.0, bar_scale)  # the groove and the fast part
    flat = low.reshape(len(low), -1)
    cov = cov + slow_scale ** 2 * (flat.T @ flat) / len(flat)
    chol = np.linalg.cholesky(cov + 1e-3 * np.eye(len(cov)))
    return mean.astype(np.float32), chol.astype(np.float32)


lag_names = [f"lag {k} distance" for k in (1, 2, 4, 8)]
SETTINGS = [(0.2, 0.0, "cos1"), (0.2, 0.2, "cos1"), (0.2, 0.5, "cos1"), (0.2, 1.0, "cos1"), (0.2, 1.0, "cos2"),
            (0.2, 1.5, "cos1"), (0.15, 1.0, "cos1"), (0.2, 2.0, "cos1"), (0.2, 0.5, "halves"), (0.2, 0.8, "halves"),
            (0.2, 1.0, "halves"), (0.2, 0.5, "cycle"), (0.2, 0.8, "cycle")]
for bar_scale, slow_scale, k in SETTINGS[int(sys.argv[3]) if len(sys.argv) > 3 else 0:]:
    mean, chol = prior(bar_scale, slow_scale, k)
    engine.model = dataclasses.replace(engine.model, prior_mean=mean, prior_chol=chol)
    figures = sample_figures(engine, real, files, samples, T)
    s = score(figures)
    lags = " ".join(f"{figures[n][1]:5.2f}" for n in lag_names)
    missed = [n for n, (_, _, ok) in figures.items() if not ok and n != "diversity"]
    print(f"bars x{bar_scale:g}, slow x{slow_scale:g} ({k}): {s[0]}/{len(figures) - 1} match, lag 1/2/4/8 "
          f"{lags}, repeats {figures['repeat share'][1]:.3f}, distinct {figures['distinct bars'][1]:.2f}; "
          f"missed: {', '.join(missed)}", flush=True)
print("validation grooves: lag 1/2/4/8 " + " ".join(f"{figures[n][0].value:5.2f}" for n in lag_names)
      + f" [{figures['lag 8 distance'][0].low:.2f}, {figures['lag 8 distance'][0].high:.2f}]")
