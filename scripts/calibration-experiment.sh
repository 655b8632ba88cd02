#!/usr/bin/env bash
# The calibration experiment of docs/calibration.md: bred vectors as today, bred vectors with
# model-error forcing, and the CRPS-trained stochastic SFNO, on one training budget; settings
# chosen on the valid split, the test split scored once. `make check-calibration` runs it.
#
# Inputs (environment): HENS (the binary), RUN (output folder), TRAIN_CONFIG (the deterministic
# training configuration; the stochastic one is the same with loss: crps), SEEDS (deterministic
# seeds), CRPS_SEEDS, MEMBERS, VALID_INITS, TEST_INITS, NOISE_SCALES (noise_scale candidates).
set -euo pipefail
HENS=${HENS:?set HENS to the hens binary}
RUN=${RUN:-runs/calibration}
TRAIN_CONFIG=${TRAIN_CONFIG:-configs/train-swe-demo.yaml}
SEEDS=${SEEDS:-1,2}
CRPS_SEEDS=${CRPS_SEEDS:-11,12}
MEMBERS=${MEMBERS:-32}
VALID_INITS=${VALID_INITS:-8}
TEST_INITS=${TEST_INITS:-16}
NOISE_SCALES=${NOISE_SCALES:-0.75 1 1.5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$RUN"
RUN=$(cd "$RUN" && pwd)
cd "$RUN"
timed() { local label=$1; shift; local start; start=$(date +%s); "$@"; echo "== $label: $(( $(date +%s) - start )) s"; }

# Training data: the demo's; evaluation data: the same configuration with another seed (so no
# trajectory is shared with training) and more valid and test trajectories.
[ -f train-data/stats.nc ] || timed generate-train "$HENS" generate swe --quiet --config "$ROOT/configs/swe-small.yaml" --out train-data --overwrite
[ -f eval-data/stats.nc ] || timed generate-eval "$HENS" generate swe --quiet --config "$ROOT/configs/swe-eval.yaml" --out eval-data --overwrite

sed -e 's/^loss: .*/loss: crps\ncrps_members: 2/' "$ROOT/$TRAIN_CONFIG" > train-crps.yaml
[ -f det/.done ] || { timed train-deterministic "$HENS" train --quiet --dataset train-data --model "$ROOT/configs/model-swe-small.yaml" \
    --config "$ROOT/$TRAIN_CONFIG" --seeds "$SEEDS" --out det --resume && touch det/.done; }
[ -f crps/.done ] || { timed train-stochastic "$HENS" train --quiet --dataset train-data --model "$ROOT/configs/model-swe-small-stochastic.yaml" \
    --config train-crps.yaml --seeds "$CRPS_SEEDS" --out crps --resume && touch crps/.done; }

first_seed=${SEEDS%%,*}
"$HENS" skill --quiet --checkpoint "det/seed-$first_seed/checkpoint.nc" --dataset eval-data --samples 8 --out skill.json
# config_yaml SPLIT INITS CHECKPOINTS EXTRA-YAML: a forecast configuration two folders below RUN.
config_yaml() {
  local split=$1 inits=$2 checkpoints=$3 extra=$4
  cat <<YAML
checkpoints: [../../$checkpoints]
dataset: ../../eval-data
init: $split
init_count: $inits
members: $MEMBERS
control: none
pairing: pairs
seed: 1
steps: 12
output_every: 1
channels: [geopotential, vorticity, divergence, wind_speed]
breeding_cycles: 3
init_history: 3
band_latitude: 20
skill: ../../skill.json
seed_channels: [geopotential]
length_scale: 500km
write_members: true
deflate_level: 1
$extra
YAML
}

# forecast NAME SPLIT INITS CHECKPOINTS EXTRA-YAML: forecast and scores in SPLIT/NAME.
forecast() {
  local name=$1 split=$2 inits=$3 checkpoints=$4 extra=$5
  local dir="$split/$name"
  [ -f "$dir/scores/scores.csv" ] && return 0
  mkdir -p "$dir"
  config_yaml "$split" "$inits" "$checkpoints" "$extra" > "$dir/forecast.yaml"
  timed "forecast $dir" "$HENS" forecast --quiet --config "$dir/forecast.yaml" --out "$dir/forecast" --overwrite
  timed "evaluate $dir" "$HENS" evaluate --quiet --forecast "$dir/forecast" --dataset eval-data --out "$dir/scores" \
      --bootstrap-leads none --no-spectra
}

BRED_TODAY=$'perturbation: bred-vector\namplitude_factor: 0.35\nskill_lead: 48h'
BRED_GROWTH=$'perturbation: bred-vector\namplitude_factor: 0.35\nskill_lead: 8h'
# The model-error forcing: the one-step error, then per-channel factors tuned with small ensembles
# of the bred-vector configuration on the valid split (hens calibrate --config).
mkdir -p valid/tuning
config_yaml valid 4 det "$BRED_GROWTH" > valid/tuning/forecast.yaml
[ -f model-error.json ] || timed calibrate "$HENS" calibrate --quiet --config valid/tuning/forecast.yaml --samples 16 --out model-error.json
[ -f model-error-sppt.json ] || timed calibrate-sppt "$HENS" calibrate --quiet --kind sppt --config valid/tuning/forecast.yaml \
    --samples 16 --out model-error-sppt.json
BRED_ME="$BRED_GROWTH"$'\nmodel_error: ../../model-error.json'
BRED_SPPT="$BRED_GROWTH"$'\nmodel_error: ../../model-error-sppt.json'

# Settings chosen on the valid split.
forecast bred-48h valid "$VALID_INITS" det "$BRED_TODAY"
forecast bred-me valid "$VALID_INITS" det "$BRED_ME"
forecast bred-sppt valid "$VALID_INITS" det "$BRED_SPPT"
for s in $NOISE_SCALES; do
  forecast "crps-$s" valid "$VALID_INITS" crps $'perturbation: none\nnoise_scale: '"$s"
done
python3 "$ROOT/scripts/calibration-table.py" valid > valid-table.txt
cat valid-table.txt
best_noise=$(python3 "$ROOT/scripts/calibration-table.py" valid --choose crps-)
echo "== chosen on valid: noise_scale $best_noise; model-error amplitudes from hens calibrate:"
for f in model-error.json model-error-sppt.json; do
  python3 -c 'import json, sys; f = json.load(open(sys.argv[1])); print("  " + sys.argv[1], f.get("kind", "additive"), "channels", f["channels"], "sigma", f["sigma"], "valid SSR", f["valid_ssr"])' "$f"
done

# The test split, scored once with the chosen settings.
forecast bred-48h test "$TEST_INITS" det "$BRED_TODAY"
forecast bred-me test "$TEST_INITS" det "$BRED_ME"
forecast bred-sppt test "$TEST_INITS" det "$BRED_SPPT"
forecast "crps-$best_noise" test "$TEST_INITS" crps $'perturbation: none\nnoise_scale: '"$best_noise"
python3 "$ROOT/scripts/calibration-table.py" test > test-table.txt
cat test-table.txt
for method in bred-me bred-sppt "crps-$best_noise"; do
  echo "== hens compare test/$method vs test/bred-48h (CRPS, global; negative = better than today)"
  "$HENS" compare "test/$method/scores/scores.nc" test/bred-48h/scores/scores.nc --score crps --group-by trajectory | tee "test/compare-$method.txt"
done
