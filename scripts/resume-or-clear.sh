#!/usr/bin/env bash
# Lets the Makefile's long stages (train, forecast) resume after an interruption without ever
# mixing runs: prints "resume" when FOLDER holds a run started from the same inputs (its recorded
# signature matches), else empties FOLDER, records the new signature and prints "fresh".
# The signature covers TEXT (flags, paths) and the contents of every FILE (configs, the dataset's
# statistics, checkpoints, the hens binary).
#   scripts/resume-or-clear.sh FOLDER TEXT FILE...
set -euo pipefail
folder=${1:?usage: scripts/resume-or-clear.sh FOLDER TEXT FILE...}
text=${2-}
shift 2
signature=$( { printf '%s\n' "$text"; for f in "$@"; do sha256sum < "$f"; done; } | sha256sum | cut -d' ' -f1)
if [ -f "$folder/.inputs" ] && [ "$(cat "$folder/.inputs")" = "$signature" ]; then
  echo resume
else
  rm -rf "$folder"
  mkdir -p "$folder"
  echo "$signature" > "$folder/.inputs"
  echo fresh
fi
