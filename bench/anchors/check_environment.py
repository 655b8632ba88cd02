#!/usr/bin/env python3
"""Prints the version of every package the anchor runners use and fails (exit 1) when a
required one does not import; shtns is optional (sht_anchor.py skips it when missing)."""
import sys

import anchorlib

REQUIRED = ["numpy", "scipy", "numba", "properscoring", "scoringrules", "ducc0", "torch", "torch_harmonics"]
OPTIONAL = ["shtns"]

missing = []
for name in REQUIRED + OPTIONAL:
    version = anchorlib.version_of(name)
    print(f"[anchors] {name:16s} {version}")
    if version.startswith("unavailable") and name in REQUIRED:
        missing.append(name)
if missing:
    sys.exit(f"[anchors] missing: {', '.join(missing)}")
