"""Do generated grooves look like real ones? Hits per bar and per-class hit rates of samples, against the data.

    python bench/sample_density.py [--model assets/model] [--data data/gmd] [--samples 200] [--json]

Rows: the test split's 16-bar windows; samples with codes from N(0, I); samples with codes from the model's
fitted latent prior, at temperatures 0, 0.5, 0.8 and 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from drummachine.model.engine import Engine  # noqa: E402
from drummachine.model.folder import DEFAULT_MODEL  # noqa: E402
from drummachine.groove.vocabulary import CLASS_NAMES, tokens_to_rows  # noqa: E402
from trainer.groove_report import sample_grooves  # noqa: E402


def stats(hits: np.ndarray) -> dict:
    """hits: (N, bars, 16, 9) booleans."""
    per_step = hits.reshape(-1, 9).mean(0)
    return {"hits_per_bar": round(float(hits.sum(axis=(2, 3)).mean()), 2),
            "class_rate": {n: round(float(r), 3) for n, r in zip(CLASS_NAMES, per_step)}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("--data", type=Path, default=Path("data/gmd"))
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    engine = Engine(args.model)
    rows = {}
    with np.load(args.data / f"windows_{engine.bars}bar.npz") as d:
        real = tokens_to_rows(d["test_tokens"]).reshape(len(d["test_tokens"]), engine.bars, 16, 9)
    rows["test data"] = stats(real)
    standard = np.random.default_rng(0).standard_normal((args.samples, engine.latent)).astype(np.float32)
    rows["N(0, I) codes, T=0.8"] = stats(np.stack([engine.decode(z, None, 0.8, i).hits for i, z in enumerate(standard)]))
    for t in (0.0, 0.5, 0.8, 1.0):
        rows[f"fitted prior, T={t:g}"] = stats(sample_grooves(engine, t, range(args.samples)))
    print(f"{'':<24} {'hits/bar':>9}  " + " ".join(f"{n[:6]:>6}" for n in CLASS_NAMES))
    for name, r in rows.items():
        print(f"{name:<24} {r['hits_per_bar']:>9.2f}  " + " ".join(f"{v:>6.3f}" for v in r["class_rate"].values()))
    if args.json:
        print(json.dumps(rows))


if __name__ == "__main__":
    main()
