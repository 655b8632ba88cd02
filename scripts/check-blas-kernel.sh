#!/usr/bin/env bash
# hens' BLAS kernel selection end to end, on this machine: a simulated CPU that OpenBLAS does not
# know (OpenBLAS "chose" Prescott), a preset OPENBLAS_CORETYPE (never overridden), a selected kernel
# that fails the self-check (a warning, then OpenBLAS' own choice), and HENS_BLAS_KERNEL=off.
# Environment: HENS (the hens binary).
set -euo pipefail
: "${HENS:?}"
fail() { echo "check-blas-kernel: FAILED: $*" >&2; exit 1; }
kernel_line() { env "$@" "$HENS" check blas 2>/dev/null | sed -n 's/^kernel: *//p'; }
matching=$("$HENS" check blas | sed -n 's/^matches CPU: *//p')
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE HENS_BLAS_KERNEL

if [ "$(uname -m)" = x86_64 ] && [[ "$matching" != no* ]]; then
  line=$(kernel_line HENS_TEST_ASSUME_BLAS_KERNEL=Prescott)
  [[ "$line" == "$matching (selected by hens; OpenBLAS chose Prescott)" ]] || fail "unknown CPU: got '$line', expected $matching selected"
  echo "check-blas-kernel: simulated unknown CPU → $line"
  [ "$(env HENS_TEST_ASSUME_BLAS_KERNEL=Prescott "$HENS" check blas --coretype)" = "$matching" ] || fail "--coretype does not print $matching"

  out=$(env HENS_TEST_ASSUME_BLAS_KERNEL=Prescott HENS_TEST_FAIL_BLAS_SELFCHECK=1 "$HENS" check blas 2>&1)
  grep -q "^hens: warning: BLAS kernel $matching failed hens' self-check" <<<"$out" || fail "no self-check warning: $out"
  grep -q "^kernel: .*failed hens' self-check" <<<"$out" || fail "failed self-check not recorded: $out"
  echo "check-blas-kernel: failing self-check → one warning line, OpenBLAS' own kernel"
else
  echo "check-blas-kernel: no kernel to select on this CPU ($matching); selection cases skipped"
fi

line=$(kernel_line OPENBLAS_CORETYPE=Prescott HENS_TEST_ASSUME_BLAS_KERNEL=Prescott)
[[ "$line" == "Prescott (preset by OPENBLAS_CORETYPE=Prescott)" ]] || fail "preset overridden: got '$line'"
echo "check-blas-kernel: preset OPENBLAS_CORETYPE → $line"
line=$(kernel_line HENS_BLAS_KERNEL=off HENS_TEST_ASSUME_BLAS_KERNEL=Prescott)
[[ "$line" == *"HENS_BLAS_KERNEL=off)" ]] || fail "HENS_BLAS_KERNEL=off ignored: got '$line'"
echo "check-blas-kernel: HENS_BLAS_KERNEL=off → $line"
# The kernel reaches the files hens writes.
"$HENS" --version | grep -q "^BLAS: OpenBLAS .*kernel " || fail "hens --version names no BLAS kernel"

# The start-up CPU check: the platform C code built for a CPU with a feature this one lacks must
# refuse to start with exit 69 and one line naming the feature (never SIGILL).
clang=$(dirname "$(readlink -f "$(command -v swift)")")/clang
features=$("$HENS" --version | sed -n 's/^CPU: .*; \(.*\))$/\1/p')
march=""
if [ "$(uname -m)" = x86_64 ]; then
  if ! grep -qw avx512f <<<"$features"; then march=skylake-avx512; missing=avx512f
  elif ! grep -qw amx-tile <<<"$features"; then march=sapphirerapids; missing=amx-tile; fi
fi
if [ -n "$march" ] && [ -x "$clang" ]; then
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
  echo 'int main(void) { return 0; }' > "$work/main.c"
  "$clang" -O2 -march="$march" -ISources/CHensPlatform/include Sources/CHensPlatform/*.c "$work/main.c" -o "$work/needs-$march"
  set +e; out=$("$work/needs-$march" 2>&1); code=$?; set -e
  [ "$code" = 69 ] || fail "a $march build exited $code on this CPU, expected 69"
  [ "$(wc -l <<<"$out")" = 1 ] && grep -q "needs the CPU feature $missing" <<<"$out" || fail "unexpected message: $out"
  echo "check-blas-kernel: a $march build refuses this CPU: exit 69, '$out'"
else
  echo "check-blas-kernel: start-up CPU check skipped (no feature this CPU lacks that clang can target, or no clang)"
fi
echo "check-blas-kernel: OK"
