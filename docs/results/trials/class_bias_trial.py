"""A per-class logit bias fitted so that T=1 samples match the validation class rates (a trial, not kept):
    .venv/bin/python docs/results/trials/class_bias_trial.py [SAMPLES=150] [ROUNDS=5] [MODEL=models/pbmss16]
run from the repository root, with the dataset in data/gmd."""
import sys, numpy as np
from pathlib import Path
ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
import drummachine.model.engine as E
from drummachine.groove.vocabulary import NUM_TOKENS, NUM_CLASSES
from trainer.dataset import load_windows
from trainer.groove_report import grooves_of, sample_figure_rows
bits = ((np.arange(NUM_TOKENS)[:, None] >> np.arange(NUM_CLASSES)) & 1).astype(np.float32)
cb = np.zeros(NUM_CLASSES, np.float32)
orig = E.run_bar_decoder
def patched(session, emb, h0, c0, uniforms, bias, *a, **k):
    return orig(session, emb, h0, c0, uniforms, bias + bits @ cb, *a, **k)
E.run_bar_decoder = patched
eng = E.Engine(ROOT / (sys.argv[3] if len(sys.argv) > 3 else 'models/pbmss16'))
valid = load_windows(ROOT / 'data/gmd', 16, 'valid')
real = grooves_of(valid.tokens.astype(np.int64)); files = valid.file_index
rr = real.mean(axis=(0, 1, 2))
T = eng.default_temperature; N = int(sys.argv[1]) if len(sys.argv) > 1 else 150
print('T', T, 'real rates', np.round(rr, 4))
for it in range(int(sys.argv[2]) if len(sys.argv) > 2 else 5):
    hits = np.stack([eng.sample(None, T, s).pattern.hits for s in range(N)])
    sr = hits.mean(axis=(0, 1, 2))
    rows = sample_figure_rows(real, files, hits)
    n = sum(r['matches'] for r in rows.values())
    print(it, 'match', n, '/', len(rows), 'ratio', np.round(sr / rr, 2), 'bias', np.round(cb, 2),
          [k for k, r in rows.items() if not r['matches']], flush=True)
    cb -= 1.0 * np.log(np.clip(sr, 1e-5, None) / rr)
