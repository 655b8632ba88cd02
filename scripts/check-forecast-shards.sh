#!/usr/bin/env bash
# Shows that sharded, MPI-launched and killed-then-resumed forecasts equal a single-process run
# (`make check-forecast`, part of `make test`). Needs a dataset (DATASET) and the hens binary.
#
#   A  one process
#   B  mpirun -n 2 (Open MPI sets OMPI_COMM_WORLD_RANK/SIZE; hens reads them) + hens merge
#   C  two processes started by hand with --shard 0/2 and --shard 1/2 + hens merge
#   D  one process killed with SIGKILL at a random moment, then the same command again
#   E  one process with 2 threads
#
# The members are forced with model error (hens calibrate), as the demo configuration does.
# Member fields must be bit-identical (same batch size and threads); merged summaries may
# differ in mean/M2 by round-off only. Run as root (CI), mpirun needs --allow-run-as-root.
set -euo pipefail
HENS=${HENS:-.build/release/hens}
DATASET=${DATASET:-runs/demo/dataset}
WORK=${WORK:-runs/check-forecast}
CONFIG=${CONFIG:-configs/forecast-swe-small.yaml}

rm -rf "$WORK"; mkdir -p "$WORK"
echo "== tiny checkpoints for the check (1 epoch × 16 samples, seeds 1, 2)"
"$HENS" train --quiet --dataset "$DATASET" --config configs/train-swe-demo.yaml --out "$WORK/checkpoints" \
  --seeds 1,2 --epochs 1 --samples-per-epoch 16 --test-samples 2
"$HENS" skill --quiet --checkpoint "$WORK/checkpoints/seed-1/checkpoint.nc" --dataset "$DATASET" --samples 2 --out "$WORK/skill.json"
# The demo configuration forces its members with model error: the shards must agree with it too.
"$HENS" calibrate --quiet --checkpoints "$WORK/checkpoints" --dataset "$DATASET" --samples 2 --out "$WORK/model-error.json"
run() {  # run OUT [extra options…]
  local out=$1; shift
  "$HENS" forecast --quiet --config "$CONFIG" --checkpoints "$WORK/checkpoints/seed-1/checkpoint.nc,$WORK/checkpoints/seed-2/checkpoint.nc" \
    --dataset "$DATASET" --skill "$WORK/skill.json" --model-error "$WORK/model-error.json" --init-count 1 --ensemble-size 9 --control once --steps 4 --batch-size 2 --threads 1 --out "$out" "$@"
}

echo "== A: one process"
run "$WORK/A"

echo "== B: mpirun -n 2"
MPIRUN_ROOT=(); [ "$(id -u)" = 0 ] && MPIRUN_ROOT=(--allow-run-as-root)
mpirun "${MPIRUN_ROOT[@]}" --oversubscribe -n 2 bash -c "$(declare -f run); HENS=$HENS CONFIG=$CONFIG WORK=$WORK DATASET=$DATASET run $WORK/B"
"$HENS" merge --quiet --forecast "$WORK/B"

echo "== C: two processes by hand"
run "$WORK/C" --shard 0/2 & p0=$!
run "$WORK/C" --shard 1/2 & p1=$!
wait $p0; wait $p1
"$HENS" merge --quiet --forecast "$WORK/C"

echo "== D: killed with SIGKILL, then resumed"
run "$WORK/D" & pid=$!
sleep "0.$(( RANDOM % 9 + 1 ))"
# `run` is a shell function: kill hens (the background subshell's child), then the subshell.
pkill -9 -P $pid 2>/dev/null || true; kill -9 $pid 2>/dev/null || true; wait $pid 2>/dev/null || true
ls "$WORK"/D/*/ 2>/dev/null | sed 's/^/   after kill: /' || true
run "$WORK/D"

echo "== E: 2 threads (members of a batch run concurrently)"
run "$WORK/E" --threads 2

for x in B C D E; do "$HENS" check forecast "$WORK/A" "$WORK/$x"; done
echo "== check-forecast: B (mpirun), C (by hand), D (killed + resumed), E (2 threads) equal A"

if [ "$(uname -m)" = x86_64 ] && [ -z "${OPENBLAS_CORETYPE:-}${OPENBLAS_L2_SIZE:-}" ]; then
  echo "== K: shards on different BLAS kernels (shard 1/2 with OPENBLAS_CORETYPE=Prescott) are recorded and named"
  run "$WORK/K" --shard 0/2
  OPENBLAS_CORETYPE=Prescott run "$WORK/K" --shard 1/2
  merged=$("$HENS" merge --forecast "$WORK/K" 2>&1)
  grep -q "note: .*the shards ran on different BLAS kernels" <<<"$merged" || { echo "merge did not name the mixed kernels: $merged" >&2; exit 1; }
  ncdump -h "$WORK"/K/*/summary.nc | grep -A1 "shard_blas_kernels" | grep -q "Prescott" || { echo "summary.nc lacks shard_blas_kernels" >&2; exit 1; }
  if out=$("$HENS" check forecast "$WORK/A" "$WORK/K" 2>&1); then echo "check forecast passed across kernels at tolerance 0: $out" >&2; exit 1; fi
  grep -q "different BLAS kernels" <<<"$out" || { echo "check forecast did not name the kernels: $out" >&2; exit 1; }
  echo "   merge: $(grep note <<<"$merged" | head -n 1 | cut -c1-160)…"
  echo "   check forecast A K: ${out:0:200}…"
else
  echo "== K (shards on different BLAS kernels) skipped: not x86-64 or OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE preset"
fi

echo "== evaluate: the sharded run scores exactly like the single-process run; a missing shard is refused unless --allow-partial"
score() {  # score FORECAST OUT [extra options…]
  local forecast=$1 out=$2; shift 2
  "$HENS" evaluate --quiet --forecast "$forecast" --dataset "$DATASET" --out "$out" --bootstrap-sizes 4 --bootstrap-replicates 20 "$@"
}
score "$WORK/A" "$WORK/scores-A"
score "$WORK/C" "$WORK/scores-C"
cmp "$WORK/scores-A/scores.csv" "$WORK/scores-C/scores.csv"
cmp "$WORK/scores-A/rank_histogram.csv" "$WORK/scores-C/rank_histogram.csv"
rm -rf "$WORK/P"; cp -r "$WORK/C" "$WORK/P"; rm "$WORK"/P/*/members-shard-1-of-2.nc
if score "$WORK/P" "$WORK/scores-P" 2> "$WORK/partial.err"; then echo "evaluate accepted a partial run"; exit 1; fi
grep -q -- "--allow-partial" "$WORK/partial.err" && sed 's/^/   refused: /' "$WORK/partial.err"
[ ! -e "$WORK/scores-P" ] || { echo "a refused evaluation left output behind"; exit 1; }
score "$WORK/P" "$WORK/scores-P" --allow-partial
grep -q '"partial" : true' "$WORK/scores-P/summary.json"
run "$WORK/S" --no-members
score "$WORK/S" "$WORK/scores-S"
columns() {  # channel, lead, band, RMSE, spread, SSR, ACC, summary outliers to 6 digits
  awk -F, 'NR==1 {for (i=1;i<=NF;i++) c[$i]=i; next} {printf "%s %s %s %.6g %.6g %.6g %.6g %.6g\n", $1, $2, $3, $c["rmse"], $c["spread"], $c["ssr"], $c["acc"], $c["outlier_fraction_summary"]}' "$1"
}
diff <(columns "$WORK/scores-A/scores.csv") <(columns "$WORK/scores-S/scores.csv")
echo "== evaluate: A = C (sharded), partial run refused, then scored with --allow-partial; summary-only run (--no-members) gives A's RMSE, spread, SSR, ACC, outliers"

echo "== cron: a second run of configs/cron-example.sh while one holds the lock exits 75 with a message"
( HENS_CRON_LOCK="$WORK/cron.lock" HENS_CRON_LOG="$WORK/cron.log" bash configs/cron-example.sh check-cron-sleep ) & first=$!
sleep 1
set +e; HENS_CRON_LOCK="$WORK/cron.lock" HENS_CRON_LOG="$WORK/cron.log" bash configs/cron-example.sh check-cron-sleep 2> "$WORK/cron.err"; code=$?; set -e
wait $first
[ "$code" = 75 ] && grep -q "another run holds" "$WORK/cron.err" || { echo "overlapping cron run: exit $code"; cat "$WORK/cron.err"; exit 1; }
sed 's/^/   second run: /' "$WORK/cron.err"
grep -q '"message":"cron: make check-cron-sleep"' "$WORK/cron.log"
HENS_LOG_FORMAT=json "$HENS" evaluate --forecast /nonexistent --out "$WORK/x" 2> "$WORK/json.err" || true
grep -q '"level":"error"' "$WORK/json.err" && grep -q '"exit_code":3' "$WORK/json.err"

echo "== ERA5 sample smoke test: ingest 4 real analyses, train a tiny model, forecast 2017-01-02T00 (1 breeding cycle, 1 lead)"
# The same chain as `make era5-sample` (ingest → train → forecast → evaluate), into $WORK/era5.
make --no-print-directory era5-sample HENS="$HENS" ERA5_DIR="$WORK/era5"
ncdump -h "$WORK/era5/forecast/2017-01-02T00/members-shard-0-of-1.nc" | grep -E "^\s+float|member =|lead ="
echo "== the ERA5 sample report in headless Chromium"
bash scripts/check-report.sh "$WORK/era5/report"
echo "== ERA5 smoke test done: $WORK/era5/forecast/2017-01-02T00"
