#!/usr/bin/env python3
"""Times the ensemble CRPS of the Python scoring libraries on the CPU: the reference that
`hens bench crps --anchor PYTHON` compares hens' sort + CRPS kernel with, in the same run.

Workload: N points, each an m-member ensemble and one observation; the CRPS of every point, no
weighting or averaging. Arrays are point-major (N, m), C-contiguous (members adjacent), the layout
all the libraries below prefer. Inputs: obs ~ N(0, 1) from numpy.random.default_rng(seed); the
forecasts of size m ~ N(0.1, 1.2^2) from default_rng([seed, m]), so the observations are the same
for every m. --dump DIR writes them as raw little-endian float64 (obs_N.f64, fct_N_m.f64), which
`hens bench crps --input DIR` reads; its mean CRPS then equals this runner's reference means.

Implementations (each single-threaded; best of --repeats after one untimed call, which also
compiles numba's kernels):
  np.sort-only              numpy.sort along members: the floor of every sort-based estimator
  properscoring             properscoring.crps_ensemble (standard CRPS)
  sr-numba:qd               scoringrules.crps_ensemble, quantile-decomposition estimator, numba
  sr-numba:qd-presorted     the same on sorted input (sorted_ensemble=True): the O(m) pass alone
  sr-numpy:qd               the same estimator, numpy backend
  np-sorted-ref(std+fair)   this runner's float64 reference: sort, then both estimators in one pass
  sr-numba:nrg              (without --skip-slow) the O(m^2) energy form; for m > 200 timed on N/10
                            points and scaled up
The reference: with x sorted, S = sum_i (2i - m - 1) x_i (i from 1) and e = mean |x_i - y|,
standard CRPS = e - S/m^2 and fair CRPS = e - S/(m(m - 1)) (Ferro 2014). Every result is compared
with it (max_abs_diff_vs_ref).

The JSON (--json) is what hens reads: {"env": {...versions...}, "runs": [{"n", "m", "dtype",
"ref_mean_standard", "ref_mean_fair", "results": [{"impl", "seconds", "ns_per_point_member",
"max_abs_diff_vs_ref"}]}]}.
"""
import argparse
import os
import sys

import numpy as np

import anchorlib


def say(text):
    print(f"[crps anchor] {text}", file=sys.stderr, flush=True)


def inputs(n, m, seed):
    """Observations (n,) and forecasts (n, m), float64."""
    observations = np.random.default_rng(seed).standard_normal(n)
    forecasts = 0.1 + 1.2 * np.random.default_rng([seed, m]).standard_normal((n, m))
    return observations, np.ascontiguousarray(forecasts)


def reference(observations, forecasts):
    """Standard and fair CRPS per point in float64 from the sorted members."""
    x = np.sort(forecasts.astype(np.float64), axis=1)
    m = x.shape[1]
    spread_sum = x @ (2.0 * np.arange(1, m + 1) - m - 1.0)
    error = np.abs(x - observations.astype(np.float64)[:, None]).mean(axis=1)
    standard = error - spread_sum / (m * m)
    fair = error - spread_sum / (m * (m - 1)) if m > 1 else np.full_like(error, np.nan)
    return standard, fair


def implementations(observations, forecasts, skip_slow):
    """(name, call, which reference it estimates, points timed) for every library that imports."""
    n, m = forecasts.shape
    listed = [("np.sort-only", lambda: np.sort(forecasts, axis=1), None, n)]
    try:
        import properscoring
        listed.append(("properscoring", lambda: properscoring.crps_ensemble(observations, forecasts), "standard", n))
    except ImportError as error:
        say(f"properscoring skipped: {error}")
    try:
        import scoringrules as sr
        presorted = np.sort(forecasts, axis=1)
        listed += [
            ("sr-numba:qd", lambda: sr.crps_ensemble(observations, forecasts, estimator="qd", backend="numba"), "standard", n),
            ("sr-numba:qd-presorted", lambda: sr.crps_ensemble(observations, presorted, estimator="qd", sorted_ensemble=True,
                                                                backend="numba"), "standard", n),
            ("sr-numpy:qd", lambda: sr.crps_ensemble(observations, forecasts, estimator="qd", backend="numpy"), "standard", n),
        ]
        if not skip_slow:
            k = n if m <= 200 else max(1, n // 10)
            listed.append(("sr-numba:nrg", lambda: sr.crps_ensemble(observations[:k], forecasts[:k], estimator="nrg",
                                                                     backend="numba"), "standard", k))
    except ImportError as error:
        say(f"scoringrules skipped: {error}")
    listed.append(("np-sorted-ref(std+fair)", lambda: reference(observations, forecasts)[0], "standard", n))
    return listed


def run_one(n, m, args):
    observations64, forecasts64 = inputs(n, m, args.seed)
    if args.dump:
        os.makedirs(args.dump, exist_ok=True)
        observations64.tofile(os.path.join(args.dump, f"obs_{n}.f64"))
        forecasts64.tofile(os.path.join(args.dump, f"fct_{n}_{m}.f64"))
    standard, fair = reference(observations64, forecasts64)
    references = {"standard": standard, "fair": fair}
    dtype = np.dtype(args.dtype)
    observations, forecasts = observations64.astype(dtype), np.ascontiguousarray(forecasts64.astype(dtype))
    results = []
    for name, call, estimates, points in implementations(observations, forecasts, args.skip_slow):
        seconds, value = anchorlib.best_of(call, args.repeats)
        seconds *= n / points
        difference = None
        if estimates is not None:
            value = np.asarray(value, dtype=np.float64).reshape(-1)
            difference = float(np.max(np.abs(value - references[estimates][:value.size])))
        results.append({"impl": name, "seconds": seconds, "ns_per_point_member": 1e9 * seconds / (n * m),
                        "max_abs_diff_vs_ref": difference,
                        "note": "" if points == n else f"timed on {points} points, scaled to {n}"})
        say(f"N={n} m={m} {args.dtype} {name:24s} {seconds:9.4f} s {1e9 * seconds / (n * m):8.2f} ns/(point*member)"
            + ("" if difference is None else f", max |diff| {difference:.1e}"))
    say(f"N={n} m={m} reference means: standard {standard.mean():.6f}, fair {fair.mean():.6f}")
    return {"n": n, "m": m, "dtype": args.dtype, "ref_mean_standard": float(standard.mean()),
            "ref_mean_fair": float(fair.mean()), "results": results}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="points N")
    parser.add_argument("--m", default="50,1000", help="comma-separated ensemble sizes")
    parser.add_argument("--repeats", type=int, default=3, help="timed calls per implementation (the best counts)")
    parser.add_argument("--dtype", choices=["float64", "float32"], default="float64", help="dtype of the timed arrays")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-slow", action="store_true", help="skip the O(m^2) estimator")
    parser.add_argument("--dump", help="also write the float64 inputs into this folder")
    parser.add_argument("--json", help="write the document here")
    args = parser.parse_args()
    env = {**anchorlib.machine(), "numpy": np.__version__,
           **{name: anchorlib.version_of(name) for name in ("numba", "scoringrules", "properscoring", "scipy")}}
    say(" ".join(f"{key}={value}" for key, value in env.items()))
    document = {"env": env, "runs": [run_one(args.n, m, args) for m in anchorlib.int_list(args.m)]}
    anchorlib.write_json(args.json, document)


if __name__ == "__main__":
    main()
