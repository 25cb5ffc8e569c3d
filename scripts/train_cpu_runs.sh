#!/usr/bin/env bash
# The six runs of docs/RESULTS.md on a CPU, one thread each, resumable: run it again and every run
# continues from its checkpoint (a finished run returns at once).
#   scripts/train_cpu_runs.sh [RUN...]     RUN in: hier16 flat16 lstm16 hier2 flat2 lstm2 (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${DATA:-data/gmd}"
[ -f "$DATA/windows_16bar.npz" ] || .venv/bin/python -m trainer dataset --midi ../shared/data/groove-midi --out "$DATA"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
common=(--data "$DATA" --preset cpu --batch 64 --beta-rate 0.9995 --sampling inverse_sigmoid --sampling-rate 500
        --eval-every 250 --checkpoint-every 100 --resume --no-progress)
declare -A steps=([hier16]=4500 [flat16]=1500 [lstm16]=3000 [hier2]=4000 [flat2]=4000 [lstm2]=3000)
runs=("$@"); [ ${#runs[@]} -gt 0 ] || runs=(hier2 flat2 lstm2 lstm16 flat16 hier16)
for run in "${runs[@]}"; do
  model="${run%%[0-9]*}"; bars="${run#$model}"
  mkdir -p "runs/$run"
  echo "== $run: $model, $bars bars, ${steps[$run]} steps"
  .venv/bin/python -m trainer train --model "$model" --bars "$bars" --out "runs/$run" --steps "${steps[$run]}" \
    "${common[@]}" >> "runs/$run/train.out" 2>&1
done
