"""Free-running rebuilds: argmax token vs per-class marginal threshold, on validation (a trial, not kept):
    .venv/bin/python docs/results/trials/marginal_decoding_trial.py CHECKPOINT [THRESHOLD...]
run from the repository root, with the dataset in data/gmd. The decode loop is trainer/evaluate.py's `_greedy` with
another choice of token at each step."""
import sys, numpy as np, torch
from pathlib import Path
ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
torch.set_num_threads(1)
from trainer.checkpoint import load_model
from trainer.dataset import load_windows
from trainer.models import START
from trainer.grooves import hit_counts, f1_from_counts
from trainer.groove_report import loop_most_common_bar
from drummachine.groove.vocabulary import NUM_TOKENS, NUM_CLASSES, STEPS_PER_BAR, tokens_to_rows
model, _ = load_model(sys.argv[1]); model.eval()
valid = load_windows(ROOT / 'data/gmd', 16, 'valid')
tok = valid.tokens.astype(np.int64)
bits = ((torch.arange(NUM_TOKENS)[:, None] >> torch.arange(NUM_CLASSES)) & 1).float()
pow2 = (1 << torch.arange(NUM_CLASSES))
thr = [float(x) for x in sys.argv[2:]] or [0.5]
def decode(core, cond, state, rows, mode):
    prev = torch.full((rows,), START, dtype=torch.long); out = []
    for i in range(STEPS_PER_BAR):
        lg, state = core.step(prev, cond, state, None)
        if mode is None:
            prev = lg.argmax(-1)
        else:
            marg = torch.softmax(lg, -1) @ bits
            prev = ((marg > mode).long() * pow2).sum(-1)
        out.append(prev)
    return torch.stack(out, 1)
res = {m: [] for m in [None] + thr}
with torch.no_grad():
    for chunk in torch.from_numpy(tok).split(256):
        mu, _ = model.encoder(chunk)
        dec = model.decoder; n = chunk.shape[0]
        emb = dec.conductor(mu, 16).reshape(n * 16, -1)
        for m in res:
            res[m].append(decode(dec.bar.core, emb, dec.bar.init(emb), n * 16, m).reshape(n, -1).numpy())
def hits(t): return tokens_to_rows(t.reshape(-1)).reshape(t.shape[0], 16, 16, NUM_CLASSES).astype(bool)
truth = hits(tok)
for m, r in res.items():
    r = np.concatenate(r)
    f1 = f1_from_counts(hit_counts(truth, hits(r)))
    print('argmax' if m is None else f'marg>{m}', 'acc %.4f' % (r == tok).mean(), 'F1', np.round(np.asarray(f1).reshape(-1)[:9], 3), flush=True)
r = np.concatenate(res[None]); c = hit_counts(truth, hits(r)).sum(0)
lp = loop_most_common_bar(tok); cl = hit_counts(truth, hits(lp)).sum(0)
for name, cc in (('model', c), ('loop', cl)):
    tp, fp, fn = cc[:, 0], cc[:, 1], cc[:, 2]
    print(name, 'precision', np.round(tp / np.maximum(tp + fp, 1), 3)[:3], 'recall', np.round(tp / np.maximum(tp + fn, 1), 3)[:3])
# kick errors: in bars where the model's hats are right vs wrong
rb, tb = hits(r), truth
kick_err = (rb[..., 0] != tb[..., 0]).sum(-1)  # per bar
rest_ok = (rb[..., 1:] == tb[..., 1:]).all(-1).all(-1)
print('kick wrong cells per bar: bars whose other classes all right %.2f (share %.2f), others %.2f' % (kick_err[rest_ok].mean(), rest_ok.mean(), kick_err[~rest_ok].mean()))
pos = (rb[..., 0] != tb[..., 0]).mean((0, 1)); print('kick error by step', np.round(pos, 3))
