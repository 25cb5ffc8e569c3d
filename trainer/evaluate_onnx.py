"""The same scores as `evaluate.score`, for an exported model folder run with onnxruntime (no torch model)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from drummachine import model_format as fmt
from drummachine.model_files import open_model
from drummachine.vocabulary import NUM_TOKENS, STEPS_PER_BAR
from trainer.evaluate import Scores, scores_from_rebuild


def is_model_folder(path: Path) -> bool:
    return Path(path).is_dir() and (Path(path) / fmt.ENCODER).is_file()


def rebuild_onnx(folder: Path, tokens: np.ndarray, batch: int = 128) -> dict:
    """Per window: teacher-forced correct steps, the greedy free-running rebuild (z = mu), mu and sigma."""
    model = open_model(folder)
    s = model.sessions
    bars = int(model.config["bars"])
    if tokens.shape[1] != bars * STEPS_PER_BAR:
        raise ValueError(f"{folder} decodes {bars} bars; these windows are {tokens.shape[1] // STEPS_PER_BAR}")
    tf_correct, rebuilt, mus, sigmas = [], [], [], []
    for chunk in np.array_split(tokens.astype(np.int64), max(1, len(tokens) // batch)):
        n = len(chunk)
        mu, sigma = s[fmt.ENCODER].run(None, {"tokens": chunk})
        mus.append(mu)
        sigmas.append(sigma)
        emb, h0, c0 = s[fmt.CONDUCTOR].run(None, {"z": mu})
        emb, h0, c0 = (a.reshape(n * bars, *a.shape[2:]) for a in (emb, h0, c0))
        target = chunk.reshape(n * bars, STEPS_PER_BAR)
        # teacher-forced: the step graph fed the true previous token
        h, c = np.ascontiguousarray(h0.transpose(1, 0, 2)), np.ascontiguousarray(c0.transpose(1, 0, 2))
        prev = np.full(n * bars, NUM_TOKENS, dtype=np.int64)
        correct = np.zeros(n * bars, dtype=np.int64)
        for i in range(STEPS_PER_BAR):
            logits, h, c = s[fmt.BAR_STEP].run(None, {"prev": prev, "embedding": emb, "h": h, "c": c})
            correct += logits.argmax(-1) == target[:, i]
            prev = target[:, i]
        tf_correct.append(correct.reshape(n, bars).sum(1))
        # free-running: the whole-bar graph, greedy
        m = n * bars
        out, _ = s[fmt.BAR_DECODER].run(None, {
            "embedding": emb, "h0": h0, "c0": c0, "uniforms": np.full((m, 16), 0.5, np.float32),
            "bias": np.zeros((m, 16, NUM_TOKENS), np.float32), "inv_temperature": np.ones((m, 1), np.float32),
            "greedy": np.ones((m, 1), np.float32)})
        rebuilt.append(out.reshape(n, -1))
    return {"teacher_forced_correct": np.concatenate(tf_correct), "rebuilt": np.concatenate(rebuilt),
            "mu": np.concatenate(mus), "sigma": np.concatenate(sigmas), "latent": int(model.config["latent"]),
            "bars": bars, "training": model.training}


def score_onnx(folder: Path, tokens: np.ndarray, name: str, batch: int = 128) -> tuple[Scores, dict]:
    r = rebuild_onnx(folder, tokens, batch)
    return scores_from_rebuild(r, tokens, name), {
        "model_folder": str(folder), **{k: r["training"].get(k) for k in ("steps", "seconds", "hardware", "parameters")}}
