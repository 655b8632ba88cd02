#!/usr/bin/env bash
# Shows that `hens generate swe` writes the same data set every time, while another CPU-heavy
# process competes for the cores (so threads are scheduled differently from run to run).
#
#   HENS=.build/release/hens scripts/check-reproducible.sh [CONFIG] [REPEATS]
#
# CONFIG (env or 1st argument) defaults to configs/swe-small.yaml, REPEATS (env or 2nd
# argument) to 2. Environment: THREADS (passed as --threads), LOAD=sht|busy|none (the competing
# process: a loop of `hens check sht`, a bash busy loop, or nothing; default sht), WORK (folder
# of the runs, default a fresh temporary one, removed at the end unless KEEP=1).
#
# Every .nc file of run K is compared with run 1's through `ncdump -p 9,17` (enough digits to
# tell any two float32/float64 values apart), without the global attributes that record when
# or how the file was made (history, creation dates); the data set's bits are what must agree.
# Prints "reproducible: run K identical to run 1" per repeat; exits 1 naming the first file
# that differs (and showing the start of the difference).
set -euo pipefail
HENS=${HENS:-.build/release/hens}
CONFIG=${1:-${CONFIG:-configs/swe-small.yaml}}
REPEATS=${2:-${REPEATS:-2}}
LOAD=${LOAD:-sht}
THREAD_ARGS=(); [ -n "${THREADS:-}" ] && THREAD_ARGS=(--threads "$THREADS")
# Global attributes that differ between identical runs by design. Matched on ncdump's
# `\t\t:name = …` lines; extend it if hens starts writing another time stamp.
VOLATILE=':(history|date_created|date_modified|creation_date|creation_time|created|timestamp)[[:space:]]*='

[ -x "$HENS" ] || { echo "check-reproducible: HENS=$HENS is not an executable (build hens first)" >&2; exit 2; }
[ -f "$CONFIG" ] || { echo "check-reproducible: no config file $CONFIG" >&2; exit 2; }
[[ "$REPEATS" =~ ^[0-9]+$ ]] && [ "$REPEATS" -ge 2 ] || { echo "check-reproducible: REPEATS must be ≥ 2, got '$REPEATS'" >&2; exit 2; }
command -v ncdump >/dev/null || { echo "check-reproducible: ncdump not found (apt-get install netcdf-bin)" >&2; exit 2; }

if [ -n "${WORK:-}" ]; then rm -rf "$WORK"; mkdir -p "$WORK"; else WORK=$(mktemp -d "${TMPDIR:-/tmp}/hens-repro.XXXXXX"); fi
LOAD_PID=
cleanup() {
  # The load runs in a session of its own (setsid), so this ends the loop and its current
  # child, and nothing else.
  if [ -n "$LOAD_PID" ]; then kill -- "-$LOAD_PID" 2>/dev/null || true; wait "$LOAD_PID" 2>/dev/null || true; fi
  [ "${KEEP:-0}" = 1 ] && echo "check-reproducible: runs kept in $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

case "$LOAD" in
  sht)  setsid bash -c 'while :; do "$0" check sht --grid legendre-gauss --nlat 64 --nlon 128 --batch 64 >/dev/null 2>&1 || true; done' "$HENS" &
        LOAD_PID=$! ;;
  busy) setsid bash -c 'while :; do :; done' & LOAD_PID=$! ;;
  none) ;;
  *) echo "check-reproducible: LOAD must be sht, busy or none, got '$LOAD'" >&2; exit 2 ;;
esac

# The text of one NetCDF file without its volatile global attributes.
dump() { ncdump -p 9,17 "$1" | grep -Ev "$VOLATILE"; }

for k in $(seq 1 "$REPEATS"); do
  SECONDS=0
  "$HENS" generate swe --config "$CONFIG" --out "$WORK/run$k" --quiet "${THREAD_ARGS[@]}"
  echo "check-reproducible: run $k generated in ${SECONDS} s (load: $LOAD)"
done

status=0
files=$(cd "$WORK/run1" && find . -name '*.nc' | sort)
[ -n "$files" ] || { echo "check-reproducible: run 1 wrote no .nc file" >&2; exit 1; }
for k in $(seq 2 "$REPEATS"); do
  other=$(cd "$WORK/run$k" && find . -name '*.nc' | sort)
  if [ "$other" != "$files" ]; then
    echo "not reproducible: run $k wrote other .nc files than run 1:"; diff <(echo "$files") <(echo "$other") || true
    status=1; continue
  fi
  differing=
  for f in $files; do
    if ! cmp -s <(dump "$WORK/run1/$f") <(dump "$WORK/run$k/$f"); then
      echo "not reproducible: run $k differs from run 1 in ${f#./}"
      diff <(dump "$WORK/run1/$f") <(dump "$WORK/run$k/$f") | head -n 6 || true
      differing=1; status=1; break
    fi
  done
  [ -z "$differing" ] && echo "reproducible: run $k identical to run 1"
done
exit $status
