#!/usr/bin/env bash
# A complete app model folder from a training run: the VAE's graphs and latent prior (with the test-split scores
# embedded), the feel model beside it, the knobs and, for a model with a code per bar, the tuned prior and fills.
#   scripts/make_model.sh RUN OUT        e.g. scripts/make_model.sh runs/pb16 models/pb16
# PRIOR: export.prior's flags for a prior chosen beforehand instead of the tune (e.g. PRIOR="--groove-scale 1
# --bar-scale 0.2 --section-scale 0.5 --coherence 0.9", a setting compared on validation over many draws), and
# PRIOR_WHY: how it was chosen, for the card.
# Then the measures of docs/RESULTS.md: trainer evaluate --report on both held-out splits, bench/groove_quality.py,
# bench/knobs.py and bench/fills.py (scripts/measure_model.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
run="$1"; out="$2"
py=.venv/bin/python
DATA="${DATA:-data/gmd}"; MIDI="${MIDI:-../shared/data/groove-midi}"
mkdir -p "$(dirname "$out")"
rm -f "$out.codes.npz"  # the training codes are this model's: a cache from an earlier export would be another's
scores=$(mktemp --suffix .json)
# the card's held-out accuracy is the encoder's code as it is (z = mu); the fit's figures come from measure_model.sh
$py -m trainer evaluate --model "$run" --fit-steps 0 --data "$DATA" --split test --json "$scores" >/dev/null
$py -m export --checkpoint "$run" --out "$out" --data "$DATA" --evaluation "$scores"
rm -f "$scores"
$py -m export.feel_export --checkpoint checkpoints/feel --out "$out" --evaluation docs/results/feel_eval_mse_test.json
$py -m export.knobs --model "$out" --data "$DATA"
if $py -c "import json,sys; sys.exit(0 if json.load(open('$out/model.json'))['model_config'].get('bar_latent') else 1)"; then
  # a code per bar: the prior's groove, bar and section spreads tuned on the validation grooves at the app's
  # temperature, 400 samples a setting, the leaders over 4 draws (at 100, many settings tied and noise chose),
  # then the chances that a bar repeats an earlier one (the training drummers' rates)
  if [ -n "${PRIOR:-}" ]; then
    $py -m export.prior --model "$out" --data "$DATA" $PRIOR --why "${PRIOR_WHY:-}" --samples 400 \
      --codes-cache "$out.codes.npz"
  else
    $py -m export.prior --model "$out" --data "$DATA" --tune --samples 400 --codes-cache "$out.codes.npz"
  fi
  $py -m export.fills --model "$out" --data "$DATA" --midi "$MIDI"
fi
