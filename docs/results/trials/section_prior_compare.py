"""Three priors for pbmflss16 side by side on the validation grooves with more samples than the tune's 100:
the bundled (bars x0.2, the section change among the bars' variations), the tuned section prior (bars x0.15,
sections x0.5) and the section part alone added to the bundled (bars x0.2, sections x0.5).
    .venv/bin/python docs/results/trials/section_prior_compare.py [SAMPLES=400]
run from the repository root, with the dataset in data/gmd and models/pbmflss16.codes.npz (export.prior
--codes-cache). Validation only: the test split is not read."""
import dataclasses
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
from drummachine.model.engine import Engine  # noqa: E402
from export.onnx_export import gaussian_of_codes  # noqa: E402
from export.prior import sample_figures, score  # noqa: E402
from trainer.dataset import load_windows  # noqa: E402
from trainer.groove_report import grooves_of  # noqa: E402

samples = int(sys.argv[1]) if len(sys.argv) > 1 else 400
engine = Engine(ROOT / "models/pbmflss16")
codes = np.load(ROOT / "models/pbmflss16.codes.npz")["codes"]
valid = load_windows(ROOT / "data/gmd", engine.bars, "valid")
real, files = grooves_of(valid.tokens.astype(np.int64)), valid.file_index
names = ["lag 1 distance", "lag 2 distance", "lag 4 distance", "lag 8 distance", "repeat share", "distinct bars"]
for bars, sections in ((0.2, None), (0.15, 0.5), (0.2, 0.5)):
    mean, chol = gaussian_of_codes(codes, engine.bars, 1.0, bars, section_scale=sections)
    engine.model = dataclasses.replace(engine.model, prior_mean=mean, prior_chol=chol, bar_coherence=0.9)
    figures = sample_figures(engine, real, files, samples, 1.0)
    s = score(figures)
    missed = [n for n, (_, _, ok) in figures.items() if not ok and n != "diversity"]
    print(f"bars x{bars:g}, sections {sections}: {s[0]}/{len(figures) - 1} match (gap sum {-s[1]:.3f}); "
          + ", ".join(f"{n.split(' distance')[0]} {figures[n][1]:.3f}" for n in names)
          + f"; missed: {', '.join(missed)}", flush=True)
print("validation grooves: " + ", ".join(f"{n.split(' distance')[0]} {figures[n][0].value:.3f} "
                                          f"[{figures[n][0].low:.3f}, {figures[n][0].high:.3f}]" for n in names))
