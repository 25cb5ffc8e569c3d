#!/usr/bin/env bash
# Every figure in docs/RESULTS.md, measured again: test-split evaluation of the six runs, the three benchmarks,
# and the loss curves. Writes docs/results/. Run after scripts/train_cpu_runs.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/results
mkdir -p "$out"
py=.venv/bin/python
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
$py -m trainer evaluate --model runs/lstm2 runs/flat2 runs/hier2 --data data/gmd --split test --json "$out/eval_2bar.json" | tee "$out/eval_2bar.md"
$py -m trainer evaluate --model runs/lstm16 runs/flat16 runs/hier16 --data data/gmd --split test --json "$out/eval_16bar.json" | tee "$out/eval_16bar.md"
$py -m trainer evaluate --model assets/model assets/model --fit-steps 0 20 --data data/gmd --split test --json "$out/eval_bundled.json" | tee "$out/eval_bundled.md"
# the groove reports (intervals by file, loop baselines, per drummer; the encoder's codes, then fitted as the app
# fits them) and the musical bench of samples and morphs
for split in test valid; do
  $py -m trainer evaluate --model assets/model assets/model --fit-steps 0 20 --data data/gmd --split "$split" --json "$out/groove_eval_bundled_$split.json" --report "$out/groove_eval_bundled_$split.md"
done
$py bench/groove_quality.py --model assets/model --samples 200 --morphs 40 --json "$out/groove_quality_bundled.json" | tee "$out/groove_quality_bundled.txt"
# how many of those sample figures real grooves match (training grooves, the other held-out split): a reference
$py bench/sample_reference.py --draws 10 --json "$out/trials/sample_reference.json" | tee "$out/trials/sample_reference.txt"
for run in runs/*/; do name=$(basename "$run"); [ -f "$run/curves.png" ] && cp "$run/curves.png" "$out/curves_$name.png"; done
$py bench/engine_latency.py --checkpoint runs/hier16 --runs 300 --json | tee "$out/engine_latency.txt"
$py bench/midi_timing.py --notes 2000 --json | tee "$out/midi_timing.txt"
$py bench/train_throughput.py --presets cpu paper --batch 32 --steps 2 --json | tee "$out/train_throughput.txt"
