#!/usr/bin/env bash
# The six runs of docs/RESULTS.md on a CPU, one thread each, resumable: run it again and every run
# continues from its checkpoint (a finished run returns at once).
#   scripts/train_cpu_runs.sh [RUN...]     RUN in: hier16 flat16 lstm16 hier2 flat2 lstm2 ctx16 ctxb16 pb16 pbs16 pbss16 pbw16 pbd16 pbdss16 pbb16 pbf16 pbm16 pbmss16 pbmf16 pbmfss16 pbmk16 pbmkss16 pbmfl16 pbmflss16 pbmkl16 pbmklss16 pbmflsx16
#                                          pbmfla16 pbmflb16 pbmc16 pbmcl16 pbmclss16 pbmcss16 pbmflh16 pbmclh16 pbmflf16
#                                          pbmw16 pbmwl16 pbmwlss16 pbmwlh16,
#                                          or one of them with a seed: pbs16s1 pbss16s1 (seed 1; a run that continues
#                                          another continues that run's seed: pbss16s1 continues pbs16s1)
#                                          (default: the six)
# ctx16: the hierarchical 16-bar model whose bar decoder reads the bar before, with word dropout 0.3 (the KL and
# sampling schedules of `trainer train`); ctxb16: the same with word dropout 0.5 and half the bars trained
# without the bar before, on the schedules of hier16. pbw16: the bundled pbss16 trained 1,500 steps more with word
# dropout 0.3 (its validation loss rose after step 2,000: a regulariser). pbd16: pbs16 with dropout 0.3 between the
# stacked LSTM layers and before the decoder's output; pbdss16 continues it as pbss16 continues pbs16. pbb16 and
# pbf16: the bundled pbss16 trained 1,500 steps more with a KL weight of 0.05 (was 0.2), or 32 free bits per bar
# (was 16): a code that may carry more of each bar, for rebuilds that keep more of it. pbm16 and pbmss16: pbs16 and
# pbss16 with half the training windows' hat and ride layers shuffled among their own bars (trainer/augment.py);
# pbmf16 and pbmfss16: the same with every window's; pbmk16 and pbmkss16: every window's, its kick layer handed round
# too, on its own. pbmfl16 and pbmflss16: pbmf16 trained on to 4,500 steps (its validation loss still fell at 2,500),
# then 1,000 steps as pbmfss16; pbmkl16 and pbmklss16: pbmk16 trained on the same way. pbmflsx16: the bundled
# pbmflss16 trained on at fixed p = 0.5 to 7,000 steps. pbmfla16 and pbmflb16: the same with the learning rate
# annealed (1e-3 x 0.9997^step: 1.9e-4 at step 5,500 and 1.2e-4 at 7,000, against 5.8e-4 and 5.0e-4; 0.9995^step:
# 6.4e-5 to 3.0e-5). pbmc16, pbmcl16 and pbmclss16: the bundled recipe (pbmf16, pbmfl16, pbmflss16) with class
# factors (--class-factors: each token's embedding and logit also learn each drum class it plays on its own).
# pbmcss16: pbmc16 (its validation loss was already below pbmflss16's at step 2,500) continued at once with fixed
# p = 0.5 to 3,500 steps, as pbss16 continued pbs16. pbmflh16: the bundled pbmflss16 trained on 1,000 steps with
# more of its own outputs fed back (fixed p = 0.8 instead of 0.5), for rebuilds that run free. pbmclh16: the same
# 1,000 steps at p = 0.8 after pbmclss16 (the two levers together). pbmflf16: pbmflh16 trained on 1,000 steps
# with every step fed back (p = 1: the decoder reads only its own outputs, as the app's rebuilds do). pbmw16,
# pbmwl16, pbmwlss16 and pbmwlh16: the bundled model's whole chain (pbmf16, pbmfl16, pbmflss16, pbmflh16) with
# decoupled weight decay 0.1 (AdamW) from the first step: weights shrink by about half over 6,500 steps where no
# gradient holds them, a regulariser for held-out drummers.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${DATA:-data/gmd}"
[ -f "$DATA/windows_16bar.npz" ] || .venv/bin/python -m trainer dataset --midi ../shared/data/groove-midi --out "$DATA"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
common=(--data "$DATA" --preset cpu --batch 64 --sampling inverse_sigmoid --sampling-rate 500
        --eval-every 250 --checkpoint-every 100 --resume --no-progress)
declare -A steps=([hier16]=3500 [flat16]=800 [lstm16]=600 [hier2]=6000 [flat2]=6000 [lstm2]=3000 [ctx16]=12000 [ctxb16]=12000 [pb16]=6000 [pbs16]=2500 [pbss16]=3500 [pbw16]=5000 [pbd16]=2500 [pbdss16]=3500 [pbb16]=5000 [pbf16]=5000 [pbm16]=2500 [pbmss16]=3500 [pbmf16]=2500 [pbmfss16]=3500 [pbmk16]=2500 [pbmkss16]=3500 [pbmfl16]=4500 [pbmflss16]=5500 [pbmkl16]=4500 [pbmklss16]=5500 [pbmflsx16]=7000 [pbmfla16]=7000 [pbmflb16]=7000 [pbmc16]=2500 [pbmcl16]=4500 [pbmclss16]=5500 [pbmcss16]=3500 [pbmflh16]=6500 [pbmclh16]=6500 [pbmflf16]=7500 [pbmw16]=2500 [pbmwl16]=4500 [pbmwlss16]=5500 [pbmwlh16]=6500)
# KL weight: 2-bar runs anneal beta as MusicVAE's drum configs (rate 0.99999); the short 16-bar CPU runs anneal
# faster (0.9995) so that the KL term is felt within their few thousand steps.
declare -A beta_rate=([hier16]=0.9995 [flat16]=0.9995 [lstm16]=0.9995 [hier2]=0.99999 [flat2]=0.99999 [lstm2]=0.99999 [ctx16]=0.99999 [ctxb16]=0.9995 [pb16]=0.9995 [pbs16]=0.9995 [pbss16]=0.9995 [pbw16]=0.9995 [pbd16]=0.9995 [pbdss16]=0.9995 [pbb16]=0.9995 [pbf16]=0.9995 [pbm16]=0.9995 [pbmss16]=0.9995 [pbmf16]=0.9995 [pbmfss16]=0.9995 [pbmk16]=0.9995 [pbmkss16]=0.9995 [pbmfl16]=0.9995 [pbmflss16]=0.9995 [pbmkl16]=0.9995 [pbmklss16]=0.9995 [pbmflsx16]=0.9995 [pbmfla16]=0.9995 [pbmflb16]=0.9995 [pbmc16]=0.9995 [pbmcl16]=0.9995 [pbmclss16]=0.9995 [pbmcss16]=0.9995 [pbmflh16]=0.9995 [pbmclh16]=0.9995 [pbmflf16]=0.9995 [pbmw16]=0.9995 [pbmwl16]=0.9995 [pbmwlss16]=0.9995 [pbmwlh16]=0.9995)
declare -A extra=([ctx16]="--bar-context --word-dropout 0.3 --sampling-rate 1000"
                 [ctxb16]="--bar-context --word-dropout 0.5 --context-dropout 0.5"
                 [pb16]="--bar-latent 32 --free-bits 512 --batch 32 --eval-every 500"
                 [pbs16]="--bar-latent 16 --free-bits 256 --batch 32 --eval-every 500"
                 [pbss16]="--bar-latent 16 --free-bits 256 --batch 32 --eval-every 250 --sampling fixed --sampling-p 0.5
                           --continue-from runs/pbs16/checkpoint.pt"
                 [pbw16]="--bar-latent 16 --free-bits 256 --batch 32 --eval-every 250 --sampling fixed --sampling-p 0.5
                          --word-dropout 0.3 --continue-from checkpoints/pbss16/checkpoint.pt"
                 [pbd16]="--bar-latent 16 --free-bits 256 --batch 32 --eval-every 500 --dropout 0.3"
                 [pbdss16]="--bar-latent 16 --free-bits 256 --batch 32 --eval-every 250 --dropout 0.3 --sampling fixed
                            --sampling-p 0.5 --continue-from runs/pbd16/checkpoint.pt"
                 [pbb16]="--bar-latent 16 --free-bits 256 --batch 32 --eval-every 250 --sampling fixed --sampling-p 0.5
                          --max-beta 0.05 --continue-from checkpoints/pbss16/checkpoint.pt"
                 [pbf16]="--bar-latent 16 --free-bits 512 --batch 32 --eval-every 250 --sampling fixed --sampling-p 0.5
                          --continue-from checkpoints/pbss16/checkpoint.pt"
                 [pbm16]="--bar-latent 16 --free-bits 256 --batch 32 --eval-every 500 --part-mix 0.5"
                 [pbmss16]="--bar-latent 16 --free-bits 256 --batch 32 --eval-every 250 --part-mix 0.5 --sampling fixed
                            --sampling-p 0.5 --continue-from runs/pbm16/checkpoint.pt"
                 [pbmf16]="--bar-latent 16 --free-bits 256 --batch 32 --eval-every 500 --part-mix 1"
                 [pbmfss16]="--bar-latent 16 --free-bits 256 --batch 32 --eval-every 250 --part-mix 1 --sampling fixed
                             --sampling-p 0.5 --continue-from runs/pbmf16/checkpoint.pt"
                 [pbmk16]="--bar-latent 16 --free-bits 256 --batch 32 --eval-every 500 --part-mix 1 --part-layers hats,kick"
                 [pbmkss16]="--bar-latent 16 --free-bits 256 --batch 32 --eval-every 250 --part-mix 1 --part-layers hats,kick
                             --sampling fixed --sampling-p 0.5 --continue-from runs/pbmk16/checkpoint.pt"
                 [pbmfl16]="--bar-latent 16 --free-bits 256 --batch 32 --eval-every 500 --part-mix 1
                            --continue-from runs/pbmf16/checkpoint.pt"
                 [pbmflss16]="--bar-latent 16 --free-bits 256 --batch 32 --eval-every 250 --part-mix 1 --sampling fixed
                              --sampling-p 0.5 --continue-from runs/pbmfl16/checkpoint.pt"
                 [pbmkl16]="--bar-latent 16 --free-bits 256 --batch 32 --eval-every 500 --part-mix 1 --part-layers hats,kick
                            --continue-from runs/pbmk16/checkpoint.pt"
                 [pbmklss16]="--bar-latent 16 --free-bits 256 --batch 32 --eval-every 250 --part-mix 1 --part-layers hats,kick
                              --sampling fixed --sampling-p 0.5 --continue-from runs/pbmkl16/checkpoint.pt"
                 [pbmflsx16]="--bar-latent 16 --free-bits 256 --batch 32 --eval-every 250 --part-mix 1 --sampling fixed
                              --sampling-p 0.5 --continue-from runs/pbmflss16/checkpoint.pt"
                 [pbmfla16]="--bar-latent 16 --free-bits 256 --batch 32 --eval-every 250 --part-mix 1 --sampling fixed
                             --sampling-p 0.5 --lr-decay 0.9997 --continue-from runs/pbmflss16/checkpoint.pt"
                 [pbmflb16]="--bar-latent 16 --free-bits 256 --batch 32 --eval-every 250 --part-mix 1 --sampling fixed
                             --sampling-p 0.5 --lr-decay 0.9995 --continue-from runs/pbmflss16/checkpoint.pt"
                 [pbmc16]="--bar-latent 16 --free-bits 256 --batch 32 --eval-every 500 --part-mix 1 --class-factors"
                 [pbmcl16]="--bar-latent 16 --free-bits 256 --batch 32 --eval-every 500 --part-mix 1 --class-factors
                            --continue-from runs/pbmc16/checkpoint.pt"
                 [pbmclss16]="--bar-latent 16 --free-bits 256 --batch 32 --eval-every 250 --part-mix 1 --class-factors
                              --sampling fixed --sampling-p 0.5 --continue-from runs/pbmcl16/checkpoint.pt"
                 [pbmcss16]="--bar-latent 16 --free-bits 256 --batch 32 --eval-every 250 --part-mix 1 --class-factors
                             --sampling fixed --sampling-p 0.5 --continue-from runs/pbmc16/checkpoint.pt"
                 [pbmflh16]="--bar-latent 16 --free-bits 256 --batch 32 --eval-every 250 --part-mix 1 --sampling fixed
                             --sampling-p 0.8 --continue-from runs/pbmflss16/checkpoint.pt"
                 [pbmclh16]="--bar-latent 16 --free-bits 256 --batch 32 --eval-every 250 --part-mix 1 --class-factors
                             --sampling fixed --sampling-p 0.8 --continue-from runs/pbmclss16/checkpoint.pt"
                 [pbmflf16]="--bar-latent 16 --free-bits 256 --batch 32 --eval-every 250 --part-mix 1 --sampling fixed
                             --sampling-p 1 --continue-from runs/pbmflh16/checkpoint.pt"
                 [pbmw16]="--bar-latent 16 --free-bits 256 --batch 32 --eval-every 500 --part-mix 1 --weight-decay 0.1"
                 [pbmwl16]="--bar-latent 16 --free-bits 256 --batch 32 --eval-every 500 --part-mix 1 --weight-decay 0.1
                            --continue-from runs/pbmw16/checkpoint.pt"
                 [pbmwlss16]="--bar-latent 16 --free-bits 256 --batch 32 --eval-every 250 --part-mix 1 --weight-decay 0.1
                              --sampling fixed --sampling-p 0.5 --continue-from runs/pbmwl16/checkpoint.pt"
                 [pbmwlh16]="--bar-latent 16 --free-bits 256 --batch 32 --eval-every 250 --part-mix 1 --weight-decay 0.1
                             --sampling fixed --sampling-p 0.8 --continue-from runs/pbmwlss16/checkpoint.pt")
runs=("$@"); [ ${#runs[@]} -gt 0 ] || runs=(hier2 flat2 lstm2 lstm16 flat16 hier16)
for run in "${runs[@]}"; do
  base="$run"; seed=()
  if [[ $run =~ ^(.+[0-9])s([0-9]+)$ ]]; then  # RUNsN: the same run with seed N; a run that continues
    base="${BASH_REMATCH[1]}"; n="${BASH_REMATCH[2]}"  # another run continues its seed-N run (runs/X/ -> runs/XsN/;
    seed=(--seed "$n")                                 # checkpoints/ stay: pbw16sN still continues pbss16)
    extra[$run]="$(sed -E "s#runs/([a-z0-9]+)/#runs/\1s$n/#g" <<< "${extra[$base]:-}")"
  fi
  model="${base%%[0-9]*}"; bars="${base#$model}"; case "$model" in ctx|ctxb|pb|pbs|pbss|pbw|pbd|pbdss|pbb|pbf|pbm|pbmss|pbmf|pbmfss|pbmk|pbmkss|pbmfl|pbmflss|pbmkl|pbmklss|pbmflsx|pbmfla|pbmflb|pbmc|pbmcl|pbmclss|pbmcss|pbmflh|pbmclh|pbmflf|pbmw|pbmwl|pbmwlss|pbmwlh) model=hier ;; esac
  mkdir -p "runs/$run"
  echo "== $run: $model, $bars bars, ${steps[$base]} steps ${seed[*]}"
  # lowest CPU priority: the app (and its MIDI timing) stays first on a shared machine
  nice -n 19 .venv/bin/python -m trainer train --model "$model" --bars "$bars" --out "runs/$run" --steps "${steps[$base]}" \
    --beta-rate "${beta_rate[$base]}" "${common[@]}" ${extra[$run]:-} "${seed[@]}" >> "runs/$run/train.out" 2>&1
done
