"""Export a trained feel model beside the VAE in a model folder: feel.onnx and its prior, parity-checked.

`python -m export.feel_export --checkpoint runs/feel --out assets/model [--evaluation report.json]`
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Optional

import numpy as np
import onnx
import torch

from drummachine.model import format as fmt
from export.model_card import refresh_card
from trainer.feel_model import FeelVAE
from trainer.feel_train import load_feel

OPSET = 17
TOLERANCE = 1e-4


class FeelGraph(torch.nn.Module):
    """The decoder alone: hits (N, 32, 9) and codes (N, L) -> velocity (0..1) and offset (steps)."""

    def __init__(self, model: FeelVAE):
        super().__init__()
        self.model = model

    def forward(self, hits: torch.Tensor, z: torch.Tensor, *tempo: torch.Tensor):
        return self.model.decode(hits, z, tempo[0] if tempo else None)


def check_feel_parity(model: FeelVAE, path: Path, seed: int = 0) -> dict:
    """ONNX against torch on random hits and codes (batch 1 and 7): the largest difference of either output."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(seed)
    worst = 0.0
    for n in (1, 7):
        hits = (rng.random((n, model.cfg.steps, 9)) < 0.2).astype(np.float32)
        z = rng.standard_normal((n, model.cfg.latent)).astype(np.float32)
        tempo = rng.uniform(-1.5, 2, n).astype(np.float32)
        feeds = {"hits": hits, "z": z} | ({"tempo": tempo} if model.cfg.tempo else {})
        with torch.no_grad():
            ref = [t.numpy() for t in model.decode(torch.from_numpy(hits), torch.from_numpy(z),
                                                   torch.from_numpy(tempo) if model.cfg.tempo else None)]
        got = session.run(["velocity", "offset"], feeds)
        worst = max(worst, *(float(np.abs(a - b).max()) for a, b in zip(ref, got)))
    return {"max_abs": worst, "tolerance": TOLERANCE, "passed": worst <= TOLERANCE}


def export_feel(checkpoint: Path, out: Path, evaluation: Optional[dict] = None) -> dict:
    """Write feel.onnx and feel_prior.npz into `out` (replacing older ones only when parity passed)."""
    path = Path(checkpoint)
    path = path / "checkpoint.pt" if path.is_dir() else path
    model, state = load_feel(path)
    if "prior_mean" not in state:
        raise ValueError(f"{path} has no fitted prior yet: let `python -m trainer feel-train` finish")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".feel.", dir=out))
    try:
        graph = staging / fmt.FEEL
        hits = torch.zeros(2, model.cfg.steps, 9)
        z = torch.zeros(2, model.cfg.latent)
        args, names = (hits, z), ["hits", "z"]
        if model.cfg.tempo:  # the tempo feature, (bpm - 120) / 40, one per window
            args, names = args + (torch.zeros(2),), names + ["tempo"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the tracer's GRU warnings; parity is checked below
            torch.onnx.export(FeelGraph(model), args, str(graph), input_names=names,
                              output_names=["velocity", "offset"], opset_version=OPSET, dynamo=False,
                              dynamic_axes={k: {0: "batch"} for k in names + ["velocity", "offset"]})
        proto = onnx.load(str(graph))
        training = {"checkpoint": path.name, "steps": state["step"], "seconds": state["seconds"],
                    "parameters": state["parameters"], "train_config": state["train_config"]}
        for key, value in {fmt.KEY_FORMAT: str(fmt.FORMAT_VERSION), fmt.KEY_VOCABULARY: fmt.vocabulary_json(),
                           fmt.KEY_FEEL_CONFIG: json.dumps(model.cfg.to_dict()), fmt.KEY_TRAINING: json.dumps(training),
                           fmt.KEY_EVALUATION: json.dumps(evaluation or {})}.items():
            entry = proto.metadata_props.add()
            entry.key, entry.value = key, value
        onnx.save(proto, str(graph))
        np.savez(staging / fmt.FEEL_PRIOR, mean=state["prior_mean"], chol=state["prior_chol"])
        parity = check_feel_parity(model, graph)
        if not parity["passed"]:
            raise ValueError(f"feel ONNX parity check failed: {json.dumps(parity)}")
        for name in (fmt.FEEL, fmt.FEEL_PRIOR):
            os.replace(staging / name, out / name)
        info = {"config": model.cfg.to_dict(), "training": training, "evaluation": evaluation or {}, "parity": parity,
                "files": {n: (out / n).stat().st_size for n in (fmt.FEEL, fmt.FEEL_PRIOR)}}
        model_json = out / fmt.INFO
        if model_json.is_file():  # the folder's card data gains the feel model's
            data = json.loads(model_json.read_text())
            data["feel"] = info
            model_json.write_text(json.dumps(data, indent=1))
            refresh_card(out)
        return info
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m export.feel_export", description=__doc__)
    ap.add_argument("--checkpoint", type=Path, required=True, help="the feel run's checkpoint.pt or its folder")
    ap.add_argument("--out", type=Path, required=True, help="the model folder (e.g. assets/model)")
    ap.add_argument("--evaluation", type=Path, help="the report of `python -m trainer feel-evaluate --json`")
    args = ap.parse_args(argv)
    try:
        evaluation = json.loads(args.evaluation.read_text()) if args.evaluation else None
        info = export_feel(args.checkpoint, args.out, evaluation)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"parity: max |onnx - torch| {info['parity']['max_abs']:.2e}; wrote {fmt.FEEL}, {fmt.FEEL_PRIOR} to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
