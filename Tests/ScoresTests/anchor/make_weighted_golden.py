"""Threshold- and outcome-weighted CRPS golden values from scoringrules (CRPSTests.swift).

Case: 6 points, 40 members each = values(seed 3000 + p, 40, 1.0, 0.0); truth = values(seed 4000, 6, 1.2, 0.3);
threshold T = 0.4 for every point (see golden_inputs.py).
twCRPS = scoringrules.twcrps_ensemble(obs, fct, a=T); owCRPS = scoringrules.owcrps_ensemble(obs, fct, a=T)
(NaN where obs <= T).
Run: /tmp/metrics-venv/bin/python make_weighted_golden.py
"""
import warnings

import numpy as np
import scoringrules as sr

from golden_inputs import values

warnings.filterwarnings("ignore")
T = 0.4
fct = np.stack([values(3000 + p, 40, 1.0, 0.0) for p in range(6)])     # (6, 40)
obs = values(4000, 6, 1.2, 0.3)
print("scoringrules", sr.__version__)
print("obs  ", [repr(float(v)) for v in obs])
print("tw   ", [repr(float(v)) for v in sr.twcrps_ensemble(obs, fct, a=T, backend="numpy")])
print("ow   ", [repr(float(v)) for v in sr.owcrps_ensemble(obs, fct, a=T, backend="numpy")])
