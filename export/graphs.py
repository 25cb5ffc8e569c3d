"""The torch modules we hand to the ONNX exporter: each is one graph the app runs with onnxruntime.

The bar decoder comes two ways, so the faster can be measured and picked: a single LSTM step with explicit
state, and a whole bar (16 steps unrolled) that samples inside the graph from uniforms the app draws, with
an additive logit bias (how locked instruments mask the 512-way softmax).
"""

from __future__ import annotations

import warnings

import torch
from torch import nn

from drummachine.groove.vocabulary import NUM_TOKENS, STEPS_PER_BAR
from trainer.models import START, VAE, BarLikelihood, HierarchicalDecoder, evaluating


class EncoderGraph(nn.Module):
    """tokens (N, T) int64 -> mu (N, L), sigma (N, L)."""

    def __init__(self, model: VAE) -> None:
        super().__init__()
        self.encoder = model.encoder

    def forward(self, tokens: torch.Tensor):
        return self.encoder(tokens)


class ConductorGraph(nn.Module):
    """z (N, L) -> bar embeddings (N, U, C) and each bar decoder's initial state h0, c0 (N, U, layers, H)."""

    def __init__(self, model: VAE) -> None:
        super().__init__()
        dec = model.decoder
        assert isinstance(dec, HierarchicalDecoder)
        self.conductor, self.init = dec.conductor, dec.bar.init
        self.bars = model.cfg.bars

    def forward(self, z: torch.Tensor):
        emb = self.conductor(z, self.bars)
        n, u, c = emb.shape
        h, c0 = self.init(emb.reshape(n * u, c))  # (layers, N*U, H)
        return emb, h.permute(1, 0, 2).reshape(n, u, h.shape[0], -1), c0.permute(1, 0, 2).reshape(n, u, h.shape[0], -1)


class BarStepGraph(nn.Module):
    """One step of the bar decoder: prev (N,) int64, emb (N, C), h, c (layers, N, H) [, context (N,) int64: the
    same step of the bar before, for a model that reads it] -> logits (N, 512), h, c."""

    def __init__(self, model: VAE) -> None:
        super().__init__()
        self.core = model.decoder.bar.core

    def forward(self, prev, emb, h, c, *context):
        logits, (h, c) = self.core.step(prev, emb, (h, c), context[0] if context else None)
        return logits, h, c


class BarDecodeGraph(nn.Module):
    """A whole bar: emb (N, C), h0, c0 (N, layers, H), uniforms (N, 16) in (0, 1), bias (N, 16, 512),
    inv_temperature (N, 1), greedy (N, 1) in {0, 1} [, context (N, 16) int64: the bar before, START for none,
    for a model that reads it] -> tokens (N, 16) int64, logits (N, 16, 512).

    Sampling by inverse CDF: the token is the first whose cumulative probability reaches u.
    """

    def __init__(self, model: VAE) -> None:
        super().__init__()
        self.core = model.decoder.bar.core

    def forward(self, emb, h0, c0, uniforms, bias, inv_temperature, greedy, *context):
        state = (h0.permute(1, 0, 2).contiguous(), c0.permute(1, 0, 2).contiguous())
        prev = torch.full((emb.shape[0],), START, dtype=torch.long)
        tokens, all_logits = [], []
        for i in range(STEPS_PER_BAR):
            logits, state = self.core.step(prev, emb, state, context[0][:, i] if context else None)
            biased = logits + bias[:, i]
            probs = torch.softmax(biased * inv_temperature, dim=-1)
            cdf = torch.cumsum(probs, dim=-1)
            target = uniforms[:, i : i + 1] * cdf[:, -1:]
            sampled = (cdf < target).sum(-1).clamp(max=NUM_TOKENS - 1)
            best = biased.argmax(-1)
            prev = torch.where(greedy[:, 0] > 0.5, best, sampled)
            tokens.append(prev)
            all_logits.append(logits)
        return torch.stack(tokens, 1), torch.stack(all_logits, 1)


def bar_fit_graph(model: VAE, rows: int) -> tuple[torch.fx.GraphModule, tuple]:
    """The graph of `BarLikelihood` and its gradient with respect to the code, for `rows` bars at a time, as plain
    tensor operations the ONNX exporter knows (the app has no autograd), and example inputs for it.

    Traced with fixed shapes: one call fits the bars of one groove (drummachine/model/code_fit.py)."""
    from torch._decomp import core_aten_decompositions
    from torch.fx.experimental.proxy_tensor import make_fx

    likelihood = BarLikelihood(model)
    table = dict(core_aten_decompositions())
    table[torch.ops.aten._unsafe_view.default] = lambda x, size: x.reshape(size)
    args = (torch.randn(rows, model.cfg.bar_latent), torch.randint(0, NUM_TOKENS, (rows, STEPS_PER_BAR)))
    # the gradient is the code's alone (weights that ask for theirs make the traced LSTM write into views), and
    # oneDNN's fused LSTM has no ONNX form: without it the LSTM traces as matrix products
    params = list(likelihood.parameters())
    asked = [p.requires_grad for p in params]
    try:
        for p in params:
            p.requires_grad_(False)
        with evaluating(likelihood), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="TF32 acceleration")  # the flags' notice about Intel GPUs
            with torch.backends.mkldnn.flags(enabled=False):
                traced = lambda code, tokens: likelihood.with_gradient(code, tokens)  # noqa: E731 (two inputs)
                graph = make_fx(traced, tracing_mode="real", decomposition_table=table)(*args)
    finally:
        for p, a in zip(params, asked):
            p.requires_grad_(a)
    return graph, args
