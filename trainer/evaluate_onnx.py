"""The same scores as `evaluate.score`, for an exported model folder run with onnxruntime (no torch model)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np
from tqdm import tqdm

from drummachine.model import format as fmt
from drummachine.model.code_fit import FitSettings, fit_groove
from drummachine.model.engine import run_bar_decoder
from drummachine.model.folder import open_model
from drummachine.groove.vocabulary import NUM_TOKENS, STEPS_PER_BAR
from trainer.evaluate import Scores, scores_from_rebuild


def is_model_folder(path: Path) -> bool:
    return Path(path).is_dir() and (Path(path) / fmt.ENCODER).is_file()


def rebuild_onnx(folder: Path, tokens: np.ndarray, batch: int = 128, fit: Optional[FitSettings] = FitSettings(),
                 progress: bool = False) -> dict:
    """Per window: teacher-forced correct steps, the greedy free-running rebuild, mu and sigma, and the codes
    decoded: mu fitted to the window as the app's engine fits it (`fit`, when the folder has the fit graph; None or
    0 steps decode mu itself)."""
    model = open_model(folder)
    fit_session = model.sessions.get(fmt.BAR_FIT) if fit is not None and fit.steps > 0 else None
    chained = bool(model.config.get("bar_context", False))
    s = model.sessions
    bars = int(model.config["bars"])
    if tokens.shape[1] != bars * STEPS_PER_BAR:
        raise ValueError(f"{folder} decodes {bars} bars; these windows are {tokens.shape[1] // STEPS_PER_BAR}")
    tf_correct, rebuilt, mus, sigmas, codes = [], [], [], [], []
    chunks = np.array_split(tokens.astype(np.int64), max(1, len(tokens) // batch))
    for chunk in tqdm(chunks, desc="rebuilding", unit="batch", disable=not progress, leave=False):
        n = len(chunk)
        mu, sigma = s[fmt.ENCODER].run(None, {"tokens": chunk})
        mus.append(mu)
        sigmas.append(sigma)
        z = mu if fit_session is None else np.stack([fit_groove(fit_session, t, m, sd, fit)
                                                     for t, m, sd in zip(chunk, mu, sigma)])
        codes.append(z)
        emb, h0, c0 = s[fmt.CONDUCTOR].run(None, {"z": z})
        target = chunk.reshape(n * bars, STEPS_PER_BAR)
        # teacher-forced: the step graph fed the true previous token (and the true bar before)
        flat = lambda a: a.reshape(n * bars, *a.shape[2:])  # noqa: E731
        e, h, c = flat(emb), np.ascontiguousarray(flat(h0).transpose(1, 0, 2)), np.ascontiguousarray(flat(c0).transpose(1, 0, 2))
        context = np.concatenate([np.full((n, 1, STEPS_PER_BAR), NUM_TOKENS), chunk.reshape(n, bars, -1)[:, :-1]], 1)
        context = context.reshape(n * bars, STEPS_PER_BAR)
        prev = np.full(n * bars, NUM_TOKENS, dtype=np.int64)
        correct = np.zeros(n * bars, dtype=np.int64)
        for i in range(STEPS_PER_BAR):
            feeds = {"prev": prev, "embedding": e, "h": h, "c": c}
            if chained:
                feeds["context"] = context[:, i]
            logits, h, c = s[fmt.BAR_STEP].run(None, feeds)
            correct += logits.argmax(-1) == target[:, i]
            prev = target[:, i]
        tf_correct.append(correct.reshape(n, bars).sum(1))
        # free-running: greedy, as the engine decodes
        decoded, _ = run_bar_decoder(s[fmt.BAR_DECODER], emb, h0, c0, np.full((n, bars, 16), 0.5, np.float32),
                                     np.zeros((n, bars, 16, NUM_TOKENS), np.float32), 0.0, chained)
        rebuilt.append(decoded.reshape(n, -1))
    return {"teacher_forced_correct": np.concatenate(tf_correct), "rebuilt": np.concatenate(rebuilt),
            "mu": np.concatenate(mus), "sigma": np.concatenate(sigmas), "codes": np.concatenate(codes),
            "fit_steps": fit.steps if fit_session is not None else 0, "latent": int(model.config["latent"]),
            "bars": bars, "training": model.training}


def score_onnx(folder: Path, tokens: np.ndarray, name: str, batch: int = 128,
               fit: Optional[FitSettings] = FitSettings()) -> tuple[Scores, dict]:
    r = rebuild_onnx(folder, tokens, batch, fit)
    return scores_from_rebuild(r, tokens, name), {
        "model_folder": str(folder), **{k: r["training"].get(k) for k in ("steps", "seconds", "hardware", "parameters")}}
