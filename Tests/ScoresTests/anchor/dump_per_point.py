"""Per-point reference CRPS for the anchor dumps in this directory (AnchorParityTests.swift).

For each obs_N.f64 / fct_N_m.f64 pair written by `crps_anchor.py --dump .`, writes
  ps_N_m.f64      properscoring.crps_ensemble(obs, fct)                       (standard CRPS)
  srfair_N_m.f64  scoringrules.crps_ensemble(obs, fct, estimator="fair")      (fair CRPS)
as raw little-endian float64, one value per point, and prints their means.
Run: /tmp/metrics-venv/bin/python dump_per_point.py 500:50 50:1000
"""
import sys

import numpy as np
import properscoring as ps
import scoringrules as sr

print("properscoring", ps.__version__ if hasattr(ps, "__version__") else "0.1", "scoringrules", sr.__version__,
      "numpy", np.__version__)
for spec in sys.argv[1:]:
    n, m = (int(v) for v in spec.split(":"))
    obs = np.fromfile(f"obs_{n}.f64", dtype="<f8")
    fct = np.fromfile(f"fct_{n}_{m}.f64", dtype="<f8").reshape(n, m)
    std = np.asarray(ps.crps_ensemble(obs, fct), dtype="<f8")
    fair = np.asarray(sr.crps_ensemble(obs, fct, estimator="fair", backend="numba"), dtype="<f8")
    std.tofile(f"ps_{n}_{m}.f64")
    fair.tofile(f"srfair_{n}_{m}.f64")
    print(f"N={n} m={m}: properscoring mean {std.mean():.15f}  scoringrules fair mean {fair.mean():.15f}")
