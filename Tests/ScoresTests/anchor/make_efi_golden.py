"""EFI / SOT golden values from earthkit-meteo for a small case of our own (EFITests.swift).

Case (all values float32, see golden_inputs.py): 4 points, 101 climate levels, 51 members.
Point p: climate = sorted(values(seed 1000 + p, 101, scale 1.0, shift 0.0)),
         members = values(seed 2000 + p, 51, scale 0.8, shift SHIFTS[p]).
Run: /tmp/metrics-venv/bin/python make_efi_golden.py
"""
import earthkit.meteo
import numpy as np
from earthkit.meteo.extreme.array import efi, sot

from golden_inputs import values

SHIFTS = [0.0, 0.6, -0.9, 0.25]
npts = len(SHIFTS)
clim = np.stack([np.sort(values(1000 + p, 101, 1.0, 0.0)) for p in range(npts)], axis=1)   # (101, npts)
ens = np.stack([values(2000 + p, 51, 0.8, SHIFTS[p]) for p in range(npts)], axis=1)        # (51, npts)
print("earthkit-meteo", earthkit.meteo.__version__, "numpy", np.__version__)
print("efi  ", [repr(float(v)) for v in efi(clim, ens)])
print("sot90", [repr(float(v)) for v in sot(clim, ens, 90)])
print("sot10", [repr(float(v)) for v in sot(clim, ens, 10)])
