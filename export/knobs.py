"""Knobs: a direction in the model's code space for each musical attribute, from the training grooves.

For an attribute (density, syncopation, kick, snare, hats, toms, cymbals: drummachine/groove/attributes.py),
the knob's vector moves a code as far as the training grooves' top quarter in it lies from the bottom
quarter: either the difference of their mean codes (MusicVAE's attribute vectors), or (the default) the
attribute's own effect in a regression of the codes on all attributes, the others held still (see
`knob_vectors`). A knob at k moves a code by k/2 of its vector, so k = -2..2 spans that difference each way.

    python -m export.knobs --model assets/model --data data/gmd
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from drummachine.groove.attributes import ATTRIBUTES, measure
from drummachine.groove.vocabulary import NUM_CLASSES, STEPS_PER_BAR
from drummachine.model import format as fmt

QUARTER = 0.25
# A partial vector moves only its own attribute, so its full turn moves that attribute less than a quarters'
# vector does; twice the regression's effect spans about as much of it (bench/knobs.py) with less of the rest.
PARTIAL_SCALE = 2.0


def training_codes(engine, tokens: np.ndarray, batch: int = 256, progress=print) -> np.ndarray:
    """The encoder's code (mu) of every training window (N, steps) -> (N, latent)."""
    encoder = engine.model.sessions[fmt.ENCODER]
    out = []
    for i in range(0, len(tokens), batch):
        mu, _ = encoder.run(None, {"tokens": tokens[i:i + batch].astype(np.int64)})
        out.append(mu)
        if (i // batch) % 10 == 0:
            progress(f"encoded {min(i + batch, len(tokens))}/{len(tokens)} windows")
    return np.concatenate(out)


def cached_training_codes(engine, tokens: Callable[[], np.ndarray], cache: Optional[Path] = None) -> np.ndarray:
    """The training codes, read from `cache` when it holds them, else encoded (from `tokens()`, read only then)
    and kept there."""
    if cache and cache.is_file():
        return np.load(cache)["codes"]
    codes = training_codes(engine, tokens(), progress=lambda m: print(m, flush=True))
    if cache:
        np.savez(cache, codes=codes)
    return codes


def knob_vectors(codes: np.ndarray, hits: np.ndarray, method: str = "partial") -> dict:
    """name -> (vector, low quarter's mean attribute, high quarter's mean attribute).

    "quarters": the mean code of the top quarter minus that of the bottom quarter (MusicVAE's attribute
    vectors). Attributes go together in drumming (a denser groove is more syncopated and has more hats), so
    such a vector moves the others too. "partial" (the default): the codes regressed on all attributes at
    once; an attribute's column is its effect with the others held still, scaled to the same quarter-to-
    quarter change."""
    values = measure(hits)
    usable = {}
    for name in ATTRIBUTES:
        v = values[name]
        low, high = np.quantile(v, [QUARTER, 1 - QUARTER])
        lo, hi = v <= low, v >= high
        if lo.sum() >= 10 and hi.sum() >= 10 and low != high:  # else the data cannot tell its direction
            usable[name] = (v, lo, hi)
    if method == "quarters":
        return {n: (codes[hi].mean(axis=0) - codes[lo].mean(axis=0), float(v[lo].mean()), float(v[hi].mean()))
                for n, (v, lo, hi) in usable.items()}
    if method != "partial":
        raise ValueError(f"method is 'partial' or 'quarters', not {method!r}")
    names = list(usable)
    a = np.stack([usable[n][0] for n in names], axis=1).astype(np.float64)
    a = np.concatenate([a - a.mean(axis=0), np.ones((len(a), 1))], axis=1)
    coef, *_ = np.linalg.lstsq(a, codes.astype(np.float64), rcond=None)  # (attributes + 1, latent)
    out = {}
    for i, n in enumerate(names):
        v, lo, hi = usable[n]
        gap = float(v[hi].mean() - v[lo].mean())
        out[n] = ((PARTIAL_SCALE * coef[i] * gap).astype(np.float32), float(v[lo].mean()), float(v[hi].mean()))
    return out


def write_knobs(folder: Path, knobs: dict) -> Path:
    names = list(knobs)
    path = Path(folder) / fmt.KNOBS
    np.savez(path, names=np.array(names), vectors=np.stack([knobs[n][0] for n in names]).astype(np.float32),
             low=np.array([knobs[n][1] for n in names]), high=np.array([knobs[n][2] for n in names]))
    return path


def main(argv: list[str] | None = None) -> int:
    from drummachine.model.engine import Engine
    from trainer.dataset import load_windows

    ap = argparse.ArgumentParser(prog="python -m export.knobs", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, required=True, help="the model folder to add knobs.npz to")
    ap.add_argument("--data", type=Path, required=True, help="the dataset the model was trained on")
    ap.add_argument("--method", choices=["partial", "quarters"], default="partial")
    ap.add_argument("--codes-cache", type=Path, help="keep the training codes here (and read them from here)")
    args = ap.parse_args(argv)
    try:
        engine = Engine(args.model)
        windows = load_windows(args.data, engine.bars, "train")
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    codes = cached_training_codes(engine, lambda: windows.tokens, args.codes_cache)
    hits = (windows.velocities > 0).reshape(len(windows), engine.bars, STEPS_PER_BAR, NUM_CLASSES)
    knobs = knob_vectors(codes, hits, args.method)
    path = write_knobs(args.model, knobs)
    model_json = args.model / fmt.INFO
    if model_json.is_file():  # the card says the folder has knobs
        import json

        from export.model_card import refresh_card

        data = json.loads(model_json.read_text())
        data["knobs"] = {"names": list(knobs), "windows": int(len(codes)), "method": args.method}
        model_json.write_text(json.dumps(data, indent=1))
        refresh_card(args.model)
    for name, (vector, low, high) in knobs.items():
        print(f"{name:<12} low quarter {low:6.2f}, high quarter {high:6.2f}, |vector| {np.linalg.norm(vector):.2f}")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
