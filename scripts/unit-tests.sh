#!/usr/bin/env bash
# The unit tests under two BLAS kernels (README "Determinism contract"): first with the kernel hens
# selects for this machine, then with another kernel family forced, so that a test which only
# passes with one kernel's rounding fails here rather than on a user's machine. Where the
# environment presets OPENBLAS_CORETYPE or OPENBLAS_L2_SIZE, the second pass is skipped with a line
# naming the preset. Ends with one plain line "N passed, N failed" over both passes.
# Environment: HENS (the test build's hens), SWIFT, BUILD_FLAGS (as make passes them).
set -uo pipefail
: "${HENS:?}" "${SWIFT:=swift}" "${BUILD_FLAGS:?}"
log_dir=$(dirname "$HENS")/..
preset=""
for variable in OPENBLAS_CORETYPE OPENBLAS_L2_SIZE; do
  if [ -n "${!variable:-}" ]; then preset="$variable=${!variable}"; break; fi
done

# Runs the suite with the given OPENBLAS_CORETYPE ("" leaves the environment alone); log in $2.
run_pass() {
  local kernel=$1 log=$2
  if [ -n "$kernel" ]; then export OPENBLAS_CORETYPE=$kernel; fi
  # shellcheck disable=SC2086
  # The end-to-end tests run the executable in processes of their own: make check runs them once.
  $SWIFT test $BUILD_FLAGS -Xswiftc -enable-testing --skip-build --disable-swift-testing --skip HensEndToEndTests 2>&1 \
    | tee "$log" | grep -vE "^Test (Case|Suite) .*(started|passed)"
  local status=${PIPESTATUS[0]}
  unset OPENBLAS_CORETYPE
  return "$status"
}

counts() { awk '/^\t Executed [0-9]+ tests?, with [0-9]+ failures?/ {n=$2; f=$5} END {print n+0, f+0}' "$1"; }

selected=$("$HENS" check blas --coretype)
first_kernel=$(if [ -n "$selected" ]; then echo "$selected"; else "$HENS" check blas | sed -n 's/^kernel: *//p'; fi)
echo "== unit tests, pass 1: BLAS kernel $first_kernel"
run_pass "$selected" "$log_dir/test.log"; status=$?
read -r n1 f1 < <(counts "$log_dir/test.log")
n2=0; f2=0
if [ -n "$preset" ]; then
  echo "== unit tests, pass 2 skipped: the environment presets $preset, which hens never overrides"
elif [ "$(uname -m)" != x86_64 ]; then
  echo "== unit tests, pass 2 skipped: no second OpenBLAS kernel family to force on $(uname -m)"
else
  # Prescott (SSE3) runs on every x86-64 CPU and rounds differently from the AVX kernels.
  second=Prescott
  case "$first_kernel" in [Pp]rescott*) second=Nehalem ;; esac
  echo "== unit tests, pass 2: BLAS kernel $second forced (OPENBLAS_CORETYPE=$second)"
  run_pass "$second" "$log_dir/test-second-kernel.log" || status=1
  read -r n2 f2 < <(counts "$log_dir/test-second-kernel.log")
fi
echo "$(( n1 + n2 - f1 - f2 )) passed, $(( f1 + f2 )) failed"
exit "$status"
