#!/usr/bin/env bash
# The measures of docs/RESULTS.md for one app model folder, written to docs/results/ under NAME:
# held-out groove reports (test and valid; the encoder's codes and fitted ones), samples and morphs per temperature, knobs, fills.
#   scripts/measure_model.sh FOLDER NAME        e.g. scripts/measure_model.sh models/pbs16 pbs16
# T (default 1): the temperature knobs and fills are measured at (the default the prior was tuned at).
set -euo pipefail
cd "$(dirname "$0")/.."
model="$1"; name="$2"
py=.venv/bin/python; out=docs/results; DATA="${DATA:-data/gmd}"
mkdir -p "$out"
# the rebuilds as the app makes them (codes fitted to each window: FIT steps, default 20), paired with the
# encoder's codes on the same windows
FIT="${FIT:-20}"
for split in test valid; do
  $py -m trainer evaluate --model "$model" "$model" --fit-steps 0 "$FIT" --data "$DATA" --split "$split" \
    --json "$out/groove_eval_${name}_$split.json" --report "$out/groove_eval_${name}_$split.md" > /dev/null
done
$py bench/groove_quality.py --model "$model" --data "$DATA" --samples 200 --temperatures 0 0.5 0.8 1 \
  --morphs 40 --json "$out/groove_quality_$name.json" > "$out/groove_quality_$name.txt"
T="${T:-1}"
$py bench/knobs.py --model "$model" --temperature "$T" > "$out/knobs_$name.txt"
if [ -f "$model/fills.npz" ]; then
  for every in 4 8; do $py bench/fills.py --model "$model" --every "$every" --temperature "$T" > "$out/fills_${name}_every$every.txt"; done
fi
echo "wrote $out/*_$name*"
