"""Export a trained hierarchical VAE checkpoint to the ONNX graphs the app runs, then check parity."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Optional

import numpy as np
import onnx
import torch

from drummachine.model import format as fmt
from export.model_card import model_card
from export.graphs import bar_fit_graph, BarDecodeGraph, BarStepGraph, ConductorGraph, EncoderGraph
from trainer.checkpoint import load_model, resolve_checkpoint
from trainer.models import VAE

OPSET = 17


def _export(module: torch.nn.Module, args: tuple, path: Path, inputs: list[str], outputs: list[str], dynamic: dict) -> None:
    with warnings.catch_warnings():
        # the tracer warns about LSTM shape checks and batch sizes; parity with torch is checked after export
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module, args, str(path), input_names=inputs, output_names=outputs, dynamic_axes=dynamic,
            opset_version=OPSET, dynamo=False, do_constant_folding=True,
        )


def export_graphs(model: VAE, folder: Path) -> None:
    """Write the four graphs with a dynamic batch axis (and a dynamic length for the encoder)."""
    cfg = model.cfg
    n, layers, hidden = 2, cfg.decoder_layers, cfg.decoder_size
    tokens = torch.randint(0, 512, (n, cfg.steps))
    _export(EncoderGraph(model), (tokens,), folder / fmt.ENCODER, ["tokens"], ["mu", "sigma"],
            {"tokens": {0: "batch", 1: "steps"}, "mu": {0: "batch"}, "sigma": {0: "batch"}})
    z = torch.randn(n, cfg.latent)
    _export(ConductorGraph(model), (z,), folder / fmt.CONDUCTOR, ["z"], ["embeddings", "h0", "c0"],
            {"z": {0: "batch"}, "embeddings": {0: "batch"}, "h0": {0: "batch"}, "c0": {0: "batch"}})
    emb = torch.randn(n, cfg.conductor_size)
    h = torch.randn(layers, n, hidden)
    # a model that reads the bar before takes it as one more input ("context") of both bar graphs
    context = cfg.bar_context
    step_args = (torch.full((n,), 512), emb, h, h.clone()) + ((torch.randint(0, 513, (n,)),) if context else ())
    step_names = ["prev", "embedding", "h", "c"] + (["context"] if context else [])
    _export(BarStepGraph(model), step_args, folder / fmt.BAR_STEP, step_names, ["logits", "h_out", "c_out"],
            {k: {0: "batch"} for k in ("prev", "embedding", "logits") + (("context",) if context else ())}
            | {k: {1: "batch"} for k in ("h", "c", "h_out", "c_out")})
    h0 = torch.randn(n, layers, hidden)
    args = (emb, h0, h0.clone(), torch.rand(n, 16), torch.zeros(n, 16, 512), torch.ones(n, 1), torch.zeros(n, 1))
    names = ["embedding", "h0", "c0", "uniforms", "bias", "inv_temperature", "greedy"]
    if context:
        args += (torch.randint(0, 513, (n, 16)),)
        names.append("context")
    _export(BarDecodeGraph(model), args, folder / fmt.BAR_DECODER, names, ["tokens", "logits"],
            {k: {0: "batch"} for k in names + ["tokens", "logits"]})
    if cfg.bar_latent:
        export_bar_fit(model, folder)


def export_bar_fit(model: VAE, folder: Path) -> None:
    """Write the graph that fits a groove's code to the groove (fmt.BAR_FIT), for the model's bars at a time."""
    graph, args = bar_fit_graph(model, model.cfg.bars)
    with torch.no_grad():  # the traced graph already holds the gradient: the exporter runs it as it stands
        _export(graph, args, folder / fmt.BAR_FIT, ["code", "tokens"], ["nll", "grad"], {})


def embed_metadata(folder: Path, metadata: dict[str, str]) -> None:
    for name in fmt.graph_files_in(folder):
        embed_metadata_into(folder / name, metadata)


def embed_metadata_into(path: Path, metadata: dict[str, str]) -> None:
    proto = onnx.load(str(path))
    del proto.metadata_props[:]
    for key, value in metadata.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    proto.producer_name = "drummachine export"
    onnx.save(proto, str(path))


def add_bar_fit(checkpoint: Path, folder: Path, evaluations: Optional[dict] = None) -> dict:
    """Write the fit graph (fmt.BAR_FIT) into a model folder exported from the same checkpoint before the graph
    existed: the folder's metadata embedded, parity with torch checked, model.json's files and parity brought up
    to date, the card written again. `evaluations`: split -> the `trainer evaluate --json` list of this folder
    scored with its codes first as the encoder gives them and then fitted (`--fit-steps 0 N`), for the card. The
    folder is left as it was when anything is refused."""
    from export.parity import bar_fit_difference, encoder_difference

    path = resolve_checkpoint(checkpoint)
    folder = Path(folder)
    model, _ = load_model(path)
    if not model.cfg.bar_latent:
        raise ValueError(f"{path}: only a model with a code per bar has a fit graph")
    encoder = onnx.load(str(folder / fmt.ENCODER))
    metadata = {entry.key: entry.value for entry in encoder.metadata_props}
    if json.loads(metadata.get(fmt.KEY_CONFIG, "{}")) != model.cfg.to_dict():
        raise ValueError(f"{folder} was not exported from {path}: their model configs differ")
    with torch.no_grad():
        moved = encoder_difference(model, folder)
    if not moved < 1e-4:  # the same config, other weights (another step or seed of the run)
        raise ValueError(f"{folder} was not exported from {path}: its encoder gives other codes "
                         f"(by up to {moved:.2g})")
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        export_bar_fit(model, staging)
        embed_metadata_into(staging / fmt.BAR_FIT, metadata)
        rng = np.random.default_rng(0)
        rel = bar_fit_difference(model, staging, {"random": rng.integers(0, 512, (1, model.cfg.steps))}, rng)
        if not rel < 1e-4:
            raise ValueError(f"ONNX parity check of {fmt.BAR_FIT} failed: max relative difference {rel:.2e}")
        info_path = folder / fmt.INFO
        info = json.loads(info_path.read_text())
        info.setdefault("parity", {})["bar_fit_max_rel"] = rel
        info.setdefault("files", {})[fmt.BAR_FIT] = (staging / fmt.BAR_FIT).stat().st_size
        if evaluations:
            info["code_fit"] = fit_evaluation(evaluations)
        (staging / fmt.INFO).write_text(json.dumps(info, indent=1))
        (staging / fmt.CARD).write_text(model_card(info))
        for name in (fmt.BAR_FIT, fmt.INFO, fmt.CARD):
            os.replace(staging / name, folder / name)
        return info
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def fit_evaluation(evaluations: dict) -> dict:
    """What the card shows of a fit's evaluation: for each split, the fitted rebuilds' accuracy and hit F1 and their
    change from the encoder's codes on the same windows, from `trainer evaluate --json` of one folder scored
    twice (`--model F F --fit-steps 0 N`: the fitted row second, paired against the first)."""
    out: dict = {"evaluation": {}}
    for split, rows in evaluations.items():
        if len(rows) != 2 or not rows[1].get("fit_steps") or rows[0].get("fit_steps") or not (
                rows[1].get("report") and rows[1].get("paired_against_first")):
            raise ValueError(f"the {split} evaluation must score one folder twice, first as the encoder codes it "
                             "and then fitted (`trainer evaluate --model F F --fit-steps 0 N --data ... --json`)")
        report = rows[1]["report"]
        f1 = report["hit_f1"]["free-running"]
        out["steps"] = rows[1]["fit_steps"]
        out["evaluation"][split] = {
            "windows": report["windows"], "files": report["files"],
            "accuracy": {**{k: report["accuracy"][k] for k in ("teacher-forced", "free-running")},
                         **{f"F1 {c}": f1[c] for c in ("kick", "snare", "closed hat")}},
            "paired": rows[1]["paired_against_first"]}
    return out


def fit_latent_prior(model: VAE, train_tokens: Optional[np.ndarray], limit: int = 20_000, ridge: float = 1e-3,
                     groove_scale: float = 1.0, bar_scale: float = 1.0) -> dict:
    """Mean and Cholesky factor of a Gaussian fitted to the codes (mu) of the training windows; N(0, I) without data."""
    latent = model.cfg.latent
    if train_tokens is None or len(train_tokens) < 2:
        return {"mean": np.zeros(latent, np.float32), "chol": np.eye(latent, dtype=np.float32), "windows": 0}
    rng = np.random.default_rng(0)
    tokens = train_tokens[rng.permutation(len(train_tokens))[:limit]].astype(np.int64)
    with torch.no_grad():
        mus = torch.cat([model.encoder(torch.from_numpy(c))[0] for c in np.array_split(tokens, max(1, len(tokens) // 256))])
    mean, chol = gaussian_of_codes(mus.numpy(), model.cfg.bars if model.cfg.bar_latent else 0, groove_scale,
                                   bar_scale, ridge)
    return {"mean": mean, "chol": chol, "windows": len(tokens)}


def gaussian_of_codes(codes: np.ndarray, bars: int = 0, groove_scale: float = 1.0, bar_scale: float = 1.0,
                      ridge: float = 1e-3, section_scale: Optional[float] = None) -> tuple[np.ndarray, np.ndarray]:
    """Mean and Cholesky factor (float32) of the Gaussian the app draws codes from, fitted to training codes
    (N, latent): plainly, or, for a code of `bars` bar codes side by side, as a groove plus its bars'
    variations (`groove_and_bar_gaussian`, its spreads scaled)."""
    codes = np.asarray(codes, np.float64)
    if bars:
        mean, cov = groove_and_bar_gaussian(codes.reshape(len(codes), bars, -1), groove_scale, bar_scale,
                                            section_scale)
    else:
        mean, cov = codes.mean(0), np.cov(codes.T)
    chol = np.linalg.cholesky(cov + ridge * np.eye(len(cov)))
    return mean.astype(np.float32), chol.astype(np.float32)


def halves(bars: int) -> np.ndarray:
    """The section shape over a window's bars: the first half against the second, unit length (bars,). An even
    number of bars, at least 4: with an odd number the shape would move the groove too, and with 2 every bar's
    deviation would lie along it, leaving no bar-to-bar variation of its own."""
    if bars % 2 or bars < 4:
        raise ValueError(f"a section change needs an even number of bars, at least 4, not {bars}")
    shape = np.where(np.arange(bars) < bars // 2, 1.0, -1.0)
    return shape / np.linalg.norm(shape)


def groove_and_bar_gaussian(codes: np.ndarray, groove_scale: float = 1.0, bar_scale: float = 1.0,
                            section_scale: Optional[float] = None) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of windows of bar codes (N, bars, L) as a groove plus its bars' variations.

    A window's bar codes are its groove (their mean over the window) plus each bar's deviation from it. The groove
    gets the covariance of the training windows' grooves; the deviations are a stationary sequence (the covariance
    of two bars' deviations depends only on how far apart they are, pooled over every pair that far apart in every
    window: a groove is the same wherever its window starts, and pooling estimates each lag from many pairs).
    `groove_scale` and `bar_scale` shrink the two parts: a Gaussian cannot hold "this bar again, exactly" as real
    grooves do, so with the fitted spread every sampled bar differs from the last more than a drummer's do; a
    smaller `bar_scale` (tuned on the validation grooves' bar-to-bar distances, see export/prior.py) brings the
    variation back to the data's. Negative eigenvalues left by the pooling are clipped to 0.

    With `section_scale`, the deviations' section part (their component along `halves`: how the second half of
    the window differs from the first, as when a drummer moves to the next section) is taken out of the bars'
    variations and gets its own covariance and scale. Shrinking every bar's variation shrank the sections with it,
    and sampled grooves then varied no more eight bars apart than one bar apart, where drummers' vary more."""
    n, bars, size = codes.shape
    mean = codes.reshape(-1, size).mean(0)
    groove = codes.mean(axis=1, keepdims=True)
    dev = codes - groove
    if section_scale is not None:
        shape = halves(bars)
        amount = np.einsum("b,nbl->nl", shape, dev)  # each window's section change (N, L)
        dev = dev - shape[None, :, None] * amount[:, None, :]
    lag = [np.einsum("nbi,nbj->ij", dev[:, : bars - k], dev[:, k:]) / (n * (bars - k)) for k in range(bars)]
    cov = np.kron(np.ones((bars, bars)), np.cov((groove[:, 0] - mean).T) * groove_scale**2)
    for i in range(bars):
        for j in range(i, bars):
            block = lag[j - i] * bar_scale**2
            cov[i * size:(i + 1) * size, j * size:(j + 1) * size] += block
            if j != i:
                cov[j * size:(j + 1) * size, i * size:(i + 1) * size] += block.T
    if section_scale is not None:
        cov += np.kron(np.outer(shape, shape), amount.T @ amount / n * section_scale**2)
    cov = (cov + cov.T) / 2
    values, vectors = np.linalg.eigh(cov)
    cov = (vectors * np.clip(values, 0.0, None)) @ vectors.T
    return np.tile(mean, bars), cov


CARD_NOTES = "card_notes.json"  # beside a checkpoint: what its card says that no figure in the checkpoint holds


def card_notes(folder: Path) -> dict:
    """The hand-written parts of a model's card kept beside its checkpoint (`training_note`: a sentence on how
    the run came to be; `previous_model`: sentences on the model it replaces), so that exporting again keeps
    them; {} when there is no such file. A damaged file is refused in one sentence naming it."""
    path = Path(folder) / CARD_NOTES
    if not path.is_file():
        return {}
    try:
        notes = json.loads(path.read_text())
        ok = (isinstance(notes, dict) and set(notes) <= {"training_note", "previous_model"}
              and isinstance(notes.get("training_note", ""), str)
              and isinstance(notes.get("previous_model", []), list)
              and all(isinstance(x, str) for x in notes.get("previous_model", [])))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        ok = False
    if not ok:
        raise ValueError(f"{path} is not a card notes file: expected JSON with a 'training_note' string and a "
                         "'previous_model' list of strings")
    return notes


def export_checkpoint(checkpoint: Path, out: Path, evaluation: Optional[dict] = None, real_tokens=None,
                      progress=print, train_tokens=None) -> dict:
    """Export, embed metadata, check parity against torch; the folder appears only when all of it passed."""
    from export.parity import check_parity

    path = resolve_checkpoint(checkpoint)
    notes = card_notes(path.parent)  # first: a damaged notes file fails before the minutes of export
    model, ckpt = load_model(path)
    if not isinstance(model, VAE) or model.cfg.model != "hier":
        raise ValueError(f"{path}: only the hierarchical VAE is exported for the app (this is {model.cfg.model!r})")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        progress("exporting graphs")
        export_graphs(model, staging)
        training = {
            "checkpoint": path.name, "steps": ckpt.get("step"), "seconds": ckpt.get("seconds"),
            "hardware": ckpt.get("hardware"), "parameters": ckpt.get("parameters"),
            "train_config": ckpt.get("train_config"), "data": ckpt.get("data"),
            "continued_from": ckpt.get("continued_from"),
        }
        metadata = {
            fmt.KEY_FORMAT: str(fmt.FORMAT_VERSION),
            fmt.KEY_VOCABULARY: fmt.vocabulary_json(),
            fmt.KEY_CONFIG: json.dumps(model.cfg.to_dict()),
            fmt.KEY_TRAINING: json.dumps(training),
            fmt.KEY_EVALUATION: json.dumps(evaluation or {}),
        }
        embed_metadata(staging, metadata)
        progress("fitting the latent prior to the training codes")
        prior = fit_latent_prior(model, train_tokens)
        np.savez(staging / fmt.LATENT_PRIOR, mean=prior["mean"], chol=prior["chol"])
        progress("checking parity with torch")
        parity = check_parity(model, staging, real_tokens)
        if not parity["passed"]:
            raise ValueError(f"ONNX parity check failed: {json.dumps(parity)}")
        info = {"format_version": fmt.FORMAT_VERSION, "model_config": model.cfg.to_dict(), "training": training,
                "evaluation": evaluation or {}, "parity": parity,
                "latent_prior": (f"Gaussian fitted to the codes of {prior['windows']} training windows"
                                 + (" (a groove plus its bars' variations, as a stationary sequence of bar codes)"
                                    if model.cfg.bar_latent else "")
                                 if prior["windows"] else "standard normal (no training data given)"),
                "files": {n: (staging / n).stat().st_size for n in fmt.graph_files_in(staging) + (fmt.LATENT_PRIOR,)},
                **notes}
        (staging / fmt.INFO).write_text(json.dumps(info, indent=1))
        (staging / fmt.CARD).write_text(model_card(info))
        for old in (out / n for n in fmt.GRAPH_FILES + fmt.OPTIONAL_GRAPH_FILES + (fmt.INFO, fmt.CARD, fmt.LATENT_PRIOR)):
            old.unlink(missing_ok=True)
        out.mkdir(exist_ok=True)
        for item in staging.iterdir():
            os.replace(item, out / item.name)
        return info
    finally:
        shutil.rmtree(staging, ignore_errors=True)
