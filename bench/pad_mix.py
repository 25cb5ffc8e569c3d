"""Which corner mix keeps the pad's codes where the model's codes live? The length, in the prior's whitened
frame, of the code in the middle of the pad for sets of four corners drawn from the prior.

    python bench/pad_mix.py [--model assets/model] [--sets 20]

Codes from the prior have a whitened length near sqrt(latent); a mix far shorter or longer than its corners
asks the decoder for codes it never saw in training. Printed: mean [min-max] for the corners themselves, the
bilinear mix, a slerp of the raw codes, and the pad's slerp in the whitened frame (drummachine/groove/pad.py).
"""

from __future__ import annotations

import argparse

import numpy as np

from drummachine.groove.pad import PriorFrame, mix
from drummachine.model.engine import Engine
from drummachine.model.latent import slerp


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="model folder (default: the bundled one)")
    ap.add_argument("--sets", type=int, default=20, help="sets of four corners")
    args = ap.parse_args()
    engine = Engine(args.model)
    frame = PriorFrame(np.asarray(engine.model.prior_mean, np.float64), np.asarray(engine.model.prior_chol, np.float64))

    def length(z: np.ndarray) -> float:
        return float(np.linalg.norm(frame.whiten(np.asarray(z)[None])[0]))

    rows: dict[str, list[float]] = {"corners": [], "bilinear": [], "raw slerp": [], "whitened slerp (the pad)": []}
    for k in range(args.sets):
        zs = np.stack([engine.random_latent(1000 + 4 * k + i) for i in range(4)])
        rows["corners"] += [length(z) for z in zs]
        rows["bilinear"].append(length(mix(zs, 0.5, 0.5, "bilinear")))
        rows["raw slerp"].append(length(slerp(slerp(zs[0], zs[1], 0.5), slerp(zs[2], zs[3], 0.5), 0.5)))
        rows["whitened slerp (the pad)"].append(length(mix(zs, 0.5, 0.5, "slerp", frame)))
    print(f"latent {engine.latent}: whitened length at the pad's middle, {args.sets} sets of prior corners")
    for name, values in rows.items():
        print(f"  {name:<26} {np.mean(values):5.1f} [{min(values):.1f}-{max(values):.1f}]")


if __name__ == "__main__":
    main()
