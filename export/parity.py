"""onnxruntime against torch, on random and real inputs: every output within 1e-4, greedy decodes identical."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np
import onnxruntime as ort
import torch

from drummachine.model import format as fmt
from drummachine.model.engine import run_bar_decoder
from trainer.evaluate import greedy_bars
from trainer.models import VAE, BarLikelihood, evaluating

TOLERANCE = 1e-4


def _session(path: Path) -> ort.InferenceSession:
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _diff(a, b) -> float:
    return float(np.max(np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64))))


def onnx_greedy_bars(conductor, bar_decoder, z: np.ndarray, chained: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Greedy tokens (N, bars*16) and logits of codes z through the graphs, decoded as the engine does."""
    emb, h0, c0 = conductor.run(None, {"z": z})
    n, u, _ = emb.shape
    tokens, logits = run_bar_decoder(bar_decoder, emb, h0, c0, np.full((n, u, 16), 0.5, np.float32),
                                     np.zeros((n, u, 16, 512), np.float32), 0.0, chained, logits=True)
    return tokens.reshape(n, -1), logits.reshape(n, u * 16, -1)


@torch.no_grad()
def check_parity(model: VAE, folder: Path, real_tokens: Optional[np.ndarray] = None, seed: int = 0) -> dict:
    model.eval()
    cfg = model.cfg
    rng = np.random.default_rng(seed)
    enc, cond, step, bar = (_session(folder / f) for f in (fmt.ENCODER, fmt.CONDUCTOR, fmt.BAR_STEP, fmt.BAR_DECODER))
    report: dict = {"tolerance": TOLERANCE}

    inputs = {"random": rng.integers(0, 512, (4, cfg.steps))}
    if real_tokens is not None and len(real_tokens):
        inputs["real"] = np.asarray(real_tokens[:8], dtype=np.int64)
    worst = 0.0
    zs = [rng.standard_normal((3, cfg.latent)).astype(np.float32)]
    for name, tokens in inputs.items():
        mu_t, sigma_t = model.encoder(torch.from_numpy(tokens))
        mu_o, sigma_o = enc.run(None, {"tokens": tokens})
        report[f"encoder_{name}_max_abs"] = d = max(_diff(mu_t, mu_o), _diff(sigma_t, sigma_o))
        worst = max(worst, d)
        zs.append(mu_o)

    z = torch.from_numpy(zs[0])
    emb_t = model.decoder.conductor(z, cfg.bars)
    h_t, c_t = model.decoder.bar.init(emb_t.reshape(-1, emb_t.shape[-1]))
    emb_o, h_o, c_o = cond.run(None, {"z": zs[0]})
    layers = cfg.decoder_layers
    report["conductor_max_abs"] = d = max(
        _diff(emb_t, emb_o),
        _diff(h_t.permute(1, 0, 2).reshape(h_o.shape), h_o),
        _diff(c_t.permute(1, 0, 2).reshape(c_o.shape), c_o),
    )
    worst = max(worst, d)

    n = 5
    prev = rng.integers(0, 513, n)
    e = rng.standard_normal((n, cfg.conductor_size)).astype(np.float32)
    h = rng.standard_normal((layers, n, cfg.decoder_size)).astype(np.float32) * 0.5
    c = rng.standard_normal((layers, n, cfg.decoder_size)).astype(np.float32) * 0.5
    feeds = {"prev": prev, "embedding": e, "h": h, "c": c}
    context = None
    if cfg.bar_context:
        feeds["context"] = rng.integers(0, 513, n)
        context = torch.from_numpy(feeds["context"])
    lt, (ht, ct) = model.decoder.bar.core.step(torch.from_numpy(prev), torch.from_numpy(e),
                                               (torch.from_numpy(h), torch.from_numpy(c)), context)
    lo, ho, co = step.run(None, feeds)
    report["bar_step_max_abs"] = d = max(_diff(lt, lo), _diff(ht, ho), _diff(ct, co))
    worst = max(worst, d)

    identical = True
    decode_diff = 0.0
    for zz in zs:
        tok_t, log_t = (x.numpy() for x in greedy_bars(model, torch.from_numpy(zz), cfg.bars))
        tok_o, log_o = onnx_greedy_bars(cond, bar, zz, cfg.bar_context)
        identical &= bool(np.array_equal(tok_t, tok_o))
        decode_diff = max(decode_diff, _diff(log_t, log_o))
    report["bar_decoder_logits_max_abs"] = decode_diff
    report["greedy_decodes_identical"] = identical
    report["decoded_bars"] = cfg.bars
    report["max_abs"] = max(worst, decode_diff)
    fit_ok = True
    if (folder / fmt.BAR_FIT).is_file():
        report["bar_fit_max_rel"] = rel = bar_fit_difference(model, folder, inputs, rng)
        fit_ok = rel < TOLERANCE
    report["passed"] = bool(identical and report["max_abs"] < TOLERANCE and fit_ok)
    return report


def bar_fit_difference(model: VAE, folder: Path, inputs: dict, rng: np.random.Generator) -> float:
    """The fit graph's NLL and gradient against torch's autograd, relative to their size (an NLL of a bar is tens
    of nats, its gradient up to about a hundred: float32 rounding alone is 1e-5 of that)."""
    cfg = model.cfg
    fit = _session(folder / fmt.BAR_FIT)
    worst = 0.0
    with evaluating(BarLikelihood(model)) as likelihood:
        for tokens in inputs.values():
            bars = np.asarray(tokens[0], np.int64).reshape(cfg.bars, 16)
            code = rng.standard_normal((cfg.bars, cfg.bar_latent)).astype(np.float32)
            nll_t, grad_t = likelihood.with_gradient(torch.from_numpy(code), torch.from_numpy(bars))
            nll_o, grad_o = fit.run(None, {"code": code, "tokens": bars})
            for a, b in ((nll_t.numpy(), nll_o), (grad_t.numpy(), grad_o)):
                worst = max(worst, float(np.max(np.abs(a - b) / (1.0 + np.abs(a)))))
    return worst


def encoder_difference(model: VAE, folder: Path, seed: int = 0) -> float:
    """The folder's encoder against the model's on random tokens (max |mu difference|): whether the folder was
    exported from these weights."""
    tokens = np.random.default_rng(seed).integers(0, 512, (2, model.cfg.steps))
    with evaluating(model.encoder) as encoder:
        mu_t, _ = encoder(torch.from_numpy(tokens))
    mu_o, _ = _session(folder / fmt.ENCODER).run(None, {"tokens": tokens})
    return _diff(mu_t, mu_o)
