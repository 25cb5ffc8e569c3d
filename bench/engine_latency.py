"""Engine latency on this CPU: onnxruntime (the app) against the same model in torch eager.

    python bench/engine_latency.py [--model assets/model] [--checkpoint runs/hier16] [--runs 200] [--json]

Cases: one bar (decode of one bar from its conductor embedding, as the player asks for bar n+1), one 16-bar
sample, an 8-step morph of 2 bars each (two encodes and eight decodes), the encode of 16 bars, and, for a
model folder with a feel model, its velocity and timing for one bar (live) and for 16 bars (a clip).
Both sides run on the same number of threads and sample the same way (inverse CDF, temperature 0.8).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from drummachine.model.engine import Engine  # noqa: E402
from drummachine.model.folder import DEFAULT_MODEL  # noqa: E402


def timings(fn, runs: int) -> dict:
    fn()  # warm-up
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    a = np.array(out)
    return {"median_ms": round(float(np.median(a)), 3), "p99_ms": round(float(np.percentile(a, 99)), 3)}


def onnx_cases(engine: Engine) -> dict:
    z = engine.random_latent(1)
    emb, h0, c0 = engine._bar_inputs(z)
    a = engine.sample(2, 0.8, seed=1).pattern
    b = engine.sample(2, 0.8, seed=2).pattern
    p16 = engine.sample(16, 0.8, seed=3).pattern
    step = engine.model.sessions["bar_step.onnx"]

    def one_bar_by_steps():  # the alternative export: 16 calls of the step graph, sampling in numpy
        h = np.ascontiguousarray(h0[:1, 0].transpose(1, 0, 2))  # (layers, 1, H): bar 1 of code 1
        c = np.ascontiguousarray(c0[:1, 0].transpose(1, 0, 2))
        prev, rng = np.array([512]), np.random.default_rng(1)
        for _ in range(16):
            logits, h, c = step.run(None, {"prev": prev, "embedding": emb[:1, 0], "h": h, "c": c})
            p = np.exp((logits[0] - logits[0].max()) / 0.8)
            cdf = np.cumsum(p)
            prev = np.array([min(int(np.searchsorted(cdf, rng.random() * cdf[-1])), 511)])

    return {
        "one bar": lambda: engine._decode((emb[:1], h0[:1], c0[:1]), [0], 0.8, 1, None),
        "one bar, step graph x16": one_bar_by_steps,
        "16-bar sample": lambda: engine.sample(16, 0.8, seed=5),
        # the encoder's codes, as the eager comparison encodes (the app fits them first: see the encode rows)
        "8-step morph, 2 bars each": lambda: engine.interpolate(engine.encode(a, fit=False), engine.encode(b, fit=False),
                                                                8, bars=2, temperature=0.8, seed=1),
        "encode 16 bars, the encoder's code": lambda: engine.encode(p16, fit=False),
        **({f"encode 16 bars, code fitted ({engine.fit_settings.steps} steps)": lambda: engine.encode(p16)}
           if engine.fits_codes else {}),
        **feel_cases(engine, p16),
    }, (a, b, p16)


def feel_cases(engine: Engine, p16) -> dict:
    """The feel model, as the player asks for it (one bar, given the bar before) and as a clip does (16 bars)."""
    feel = engine.model.feel
    if feel is None:
        return {}
    bar, before = p16.bar_slice(1, 2), p16.bar_slice(0, 1)
    return {"feel, one bar": lambda: feel.apply(bar, previous=before),
            "feel, 16 bars": lambda: feel.apply(p16)}


def torch_cases(checkpoint: Path, patterns, bars_total: int) -> dict:
    import torch

    from drummachine.model.latent import slerp
    from trainer.checkpoint import load_model, resolve_checkpoint
    from trainer.models import START

    model, _ = load_model(resolve_checkpoint(checkpoint))
    dec = model.decoder
    a, b, p16 = patterns

    @torch.no_grad()
    def decode(z: torch.Tensor, bars: int, seed: int = 0) -> torch.Tensor:
        emb = dec.conductor(z, bars).reshape(bars, -1)
        state = dec.bar.init(emb)
        prev = torch.full((bars,), START, dtype=torch.long)
        g = torch.Generator().manual_seed(seed)
        out = []
        for _ in range(16):
            logits, state = dec.bar.core.step(prev, emb, state)
            cdf = torch.cumsum(torch.softmax(logits / 0.8, -1), -1)
            prev = (cdf < torch.rand(bars, 1, generator=g) * cdf[:, -1:]).sum(-1).clamp(max=511)
            out.append(prev)
        return torch.stack(out, 1)

    @torch.no_grad()
    def encode(p) -> torch.Tensor:
        idx = np.arange(bars_total) % p.bars
        tokens = torch.from_numpy(type(p)(p.velocities[idx]).tokens().astype(np.int64))[None]
        return model.encoder(tokens)[0]

    z = torch.randn(1, model.cfg.latent)
    emb1 = dec.conductor(z, 1).reshape(1, -1).detach()

    @torch.no_grad()
    def one_bar():
        state = dec.bar.init(emb1)
        prev = torch.full((1,), START, dtype=torch.long)
        for _ in range(16):
            logits, state = dec.bar.core.step(prev, emb1, state)
            cdf = torch.cumsum(torch.softmax(logits / 0.8, -1), -1)
            prev = (cdf < torch.rand(1, 1) * cdf[:, -1:]).sum(-1).clamp(max=511)

    def morph():
        za, zb = encode(a)[0].numpy(), encode(b)[0].numpy()
        for t in np.linspace(0, 1, 8):
            decode(torch.from_numpy(slerp(za, zb, t))[None], 2)

    return {
        "one bar": one_bar,
        "16-bar sample": lambda: decode(torch.randn(1, model.cfg.latent), 16),
        "8-step morph, 2 bars each": morph,
        "encode 16 bars, the encoder's code": lambda: encode(p16),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    ap.add_argument("--checkpoint", type=Path, help="the model's torch checkpoint, for the eager comparison")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    engine = Engine(args.model, threads=args.threads)
    cases, patterns = onnx_cases(engine)
    eager = {}
    if args.checkpoint:
        import torch

        torch.set_num_threads(args.threads)
        eager = torch_cases(args.checkpoint, patterns, engine.bars)
    rows = []
    print(f"model {args.model}, {engine.provider}, {args.threads} thread(s), {args.runs} runs each")
    print(f"{'case':<44} {'ort median':>11} {'ort p99':>9} {'torch median':>13} {'torch p99':>10} {'speed-up':>9}")
    for name, fn in cases.items():
        runs = args.runs if "one bar" in name else max(20, args.runs // 4)
        row = {"case": name, "onnxruntime": timings(fn, runs)}
        if name in eager:
            row["torch_eager"] = timings(eager[name], runs)
            row["speedup"] = round(row["torch_eager"]["median_ms"] / row["onnxruntime"]["median_ms"], 2)
        rows.append(row)
        t = row.get("torch_eager")
        torch_cells = (f"{t['median_ms']:>11.2f}ms {t['p99_ms']:>8.2f}ms {row['speedup']:>8.1f}x" if t
                       else f"{'-':>13} {'-':>10} {'-':>9}")  # no --checkpoint, or no torch twin of this case
        print(f"{name:<44} {row['onnxruntime']['median_ms']:>9.2f}ms {row['onnxruntime']['p99_ms']:>7.2f}ms "
              + torch_cells)
    if args.json:
        print(json.dumps({"model": str(args.model), "provider": engine.provider, "threads": args.threads, "rows": rows}))


if __name__ == "__main__":
    main()
