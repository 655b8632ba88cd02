#!/usr/bin/env bash
# Regenerate the torch-harmonics SFNO parity fixture Tests/SFNOTests/parity/th-example-tiny.json.
#
#   scripts/sfno-parity.sh [options of scripts/sfno-parity.py, e.g. --out PATH --seed 0]
#
# Needs a Python venv with torch and torch-harmonics 0.9.3: ANCHORS_VENV (default bench/.venv,
# the anchor runners' venv that `make anchors-venv` builds).
# Format and conventions: Tests/SFNOTests/parity/README.md.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=${ANCHORS_VENV:-$ROOT/bench/.venv}/bin/python
if [ ! -x "$PY" ]; then
  echo "sfno-parity.sh: $PY not found; build it with `make anchors-venv` (torch + torch-harmonics 0.9.3) or set ANCHORS_VENV" >&2
  exit 1
fi
cd "$ROOT"
exec "$PY" scripts/sfno-parity.py "$@"
