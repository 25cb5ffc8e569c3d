"""Training throughput (sequences per second) of the hierarchical 16-bar VAE, per preset and device.

    python bench/train_throughput.py [--presets cpu paper] [--batch 64] [--steps 5] [--compile] [--json]

Each row times forward + backward + Adam on random tokens, after one warm-up step. Scheduled sampling
(a step-by-step decode) and teacher forcing (one fused LSTM call per bar) are timed separately.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from trainer.models import build_model, count_parameters, model_config  # noqa: E402
from trainer.train import TrainConfig, batch_loss  # noqa: E402


def measure(preset: str, device: str, batch: int, steps: int, sample_prob: float, compiled: bool, bars: int, model: str) -> dict:
    torch.manual_seed(0)
    cfg = model_config(model, bars, preset)
    net = build_model(cfg).to(device)
    run = torch.compile(net) if compiled else net
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    tokens = torch.randint(0, 512, (batch, cfg.steps), device=device)
    tcfg = TrainConfig(free_bits=256)
    times = []
    for i in range(steps + 1):
        if device == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=device == "cuda"):
            loss, _ = batch_loss(run, tokens, tcfg, 0, None, sample_prob=sample_prob)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if device == "cuda":
            torch.cuda.synchronize()
        if i:
            times.append(time.perf_counter() - t0)
    sec = sorted(times)[len(times) // 2]
    return {"model": f"{model}{bars}", "preset": preset, "device": device, "compiled": compiled, "batch": batch,
            "sample_prob": sample_prob, "parameters": count_parameters(net), "s_per_step": round(sec, 4),
            "seq_per_s": round(batch / sec, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--presets", nargs="+", default=["cpu", "paper"])
    ap.add_argument("--devices", nargs="+", default=["cpu"] + (["cuda"] if torch.cuda.is_available() else []))
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--bars", type=int, default=16)
    ap.add_argument("--model", default="hier")
    ap.add_argument("--compile", action="store_true", help="also time torch.compile")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = []
    for device in args.devices:
        for preset in args.presets:
            for p in (0.0, 0.5):
                for compiled in ([False, True] if args.compile else [False]):
                    rows.append(measure(preset, device, args.batch, args.steps, p, compiled, args.bars, args.model))
                    r = rows[-1]
                    print(f"{r['model']:>7} {r['preset']:>6} {r['device']:>5} compiled={str(r['compiled']):5} "
                          f"batch {r['batch']:>4} sampling p={r['sample_prob']:.1f} params {r['parameters']:>11,} "
                          f"{r['s_per_step']:>8.3f} s/step {r['seq_per_s']:>8.1f} seq/s", flush=True)
    if args.json:
        print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "rows": rows}))


if __name__ == "__main__":
    main()
