"""Rebuilds decoded by beam search instead of greedily, paired on the same validation windows (a trial).

Greedy decoding takes each step's likeliest token, fed back as the next step's input, so one wrong early step
steers the rest of the bar. A beam keeps the K likeliest partial bars (by summed log-probability) and plays the
likeliest whole bar. Each bar of a code-per-bar model decodes on its own from its code, so a beam is per bar.

    .venv/bin/python docs/results/trials/beam_decoding_trial.py [RUN=runs/pbmflss16] [WINDOWS=0: all] [BEAMS=2 4]
run from the repository root, with the dataset in data/gmd. Validation only."""
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
from drummachine.groove.vocabulary import CLASS_NAMES, STEPS_PER_BAR  # noqa: E402
from trainer.checkpoint import load_model  # noqa: E402
from trainer.models import START  # noqa: E402
from trainer.dataset import load_windows  # noqa: E402
from trainer.evaluate import greedy_bars  # noqa: E402
from trainer.groove_report import grooves_of  # noqa: E402
from trainer.grooves import f1_from_counts, hit_counts  # noqa: E402
from trainer.intervals import difference_estimate, file_bootstrap  # noqa: E402


def f1(counts: np.ndarray) -> float:
    """F1 from summed (tp, fp, fn)."""
    tp, fp, fn = counts
    return 2 * tp / max(2 * tp + fp + fn, 1)


@torch.no_grad()
def beam_bars(model, z: torch.Tensor, bars: int, k: int) -> torch.Tensor:
    """The likeliest bar (summed log-probability) among a beam of k, for every bar of every code: (N, bars*16)."""
    dec = model.decoder
    n = z.shape[0]
    cond = dec.conductor(z, bars).reshape(n * bars, -1)
    rows = n * bars
    cond_k = cond.repeat_interleave(k, 0)
    h, c = dec.bar.init(cond_k)
    score = torch.full((rows, k), -1e9)
    score[:, 0] = 0.0  # one live beam at the start: the others are copies of it
    prev = torch.full((rows * k,), START, dtype=torch.long)
    seqs = torch.zeros((rows, k, 0), dtype=torch.long)
    for _ in range(STEPS_PER_BAR):
        logits, (h, c) = dec.bar.core.step(prev, cond_k, (h, c))
        logp = torch.log_softmax(logits, -1).reshape(rows, k, -1)
        total = (score[:, :, None] + logp).reshape(rows, -1)
        score, flat = total.topk(k, dim=-1)
        beam, token = flat // logp.shape[-1], flat % logp.shape[-1]
        pick = (torch.arange(rows)[:, None] * k + beam).reshape(-1)
        h, c = h[:, pick], c[:, pick]
        seqs = torch.cat([seqs.reshape(rows * k, -1)[pick].reshape(rows, k, -1), token[:, :, None]], -1)
        prev = token.reshape(-1)
    return seqs[:, 0].reshape(n, bars * STEPS_PER_BAR)


run = ROOT / (sys.argv[1] if len(sys.argv) > 1 else "runs/pbmflss16")
limit = int(sys.argv[2]) if len(sys.argv) > 2 else 0
beams = [int(b) for b in sys.argv[3:]] or [2, 4]
torch.set_num_threads(2)
model, _ = load_model(run / "checkpoint.pt")
valid = load_windows(ROOT / "data/gmd", 16, "valid")
tokens, files = valid.tokens.astype(np.int64), valid.file_index
if limit:
    keep = np.random.default_rng(0).permutation(len(tokens))[:limit]
    tokens, files = tokens[keep], files[keep]
print(f"{run.name}: {len(tokens)} validation windows from {len(np.unique(files))} files")
decoded = {}
for k in [1] + beams:
    out = []
    for chunk in np.array_split(np.arange(len(tokens)), max(1, len(tokens) // 64)):
        t = torch.from_numpy(tokens[chunk])
        mu, _ = model.encoder(t)
        out.append((greedy_bars(model, mu, 16)[0] if k == 1 else beam_bars(model, mu, 16, k)).numpy())
    decoded[k] = np.concatenate(out)
    correct = (decoded[k] == tokens).sum(1)
    counts = hit_counts(grooves_of(tokens), grooves_of(decoded[k]))
    value, low, high = file_bootstrap(counts, files, f1_from_counts)
    f1_text = " / ".join(f"{value[CLASS_NAMES.index(c)]:.3f}" for c in ("kick", "snare", "closed hat"))
    line = f"beam {k}: free-running {correct.sum() / tokens.size:.4f}, F1 kick / snare / closed hat {f1_text}"
    if k > 1:
        base = (decoded[1] == tokens).sum(1)
        d = difference_estimate(correct, base, np.full(len(tokens), tokens.shape[1]), files)
        kick = CLASS_NAMES.index("kick")
        both = np.concatenate([counts[:, kick], hit_counts(grooves_of(tokens), grooves_of(decoded[1]))[:, kick]], -1)
        dk = file_bootstrap(both, files, lambda s: f1(s[:3]) - f1(s[3:]))
        line += f"; paired with greedy: free-running {d}, kick F1 {dk[0]:+.3f} [{dk[1]:+.3f}, {dk[2]:+.3f}]"
    print(line, flush=True)
