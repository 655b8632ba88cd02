#!/usr/bin/env python3
"""Times scalar spherical harmonic transforms of the established libraries on the CPU: the
references for `hens bench sht`, on the same cases, thread counts and batch sizes.

Libraries (each in a process of its own, so thread pools and caches do not interfere):
  ducc0            ducc0.sht.analysis_2d / synthesis_2d, float32 and float64, one call per field
  torch-harmonics  RealSHT / InverseRealSHT, float32 and float64, the whole batch in one call
  shtns            sht.analys / sht.synth, float64 only, one call per field
A library that is not installed is reported as skipped.

Cases, named as hens names them (band limits inclusive; torch-harmonics gets them + 1):
  glN         Gauss-Legendre N x 2N, lmax = mmax = N - 1
  ccN         equiangular with both poles (Clenshaw-Curtis) N x 2(N - 1), lmax = mmax = N - 2
  cc721_l359  equiangular 721 x 1440 at lmax = mmax = 359 (the HENS encoder's transform)
forward = grid -> coefficients (analysis), inverse = coefficients -> grid (synthesis). Each
measurement follows hens' timing rule (see anchorlib.py) and is reported per field, as hens
reports it. The round-trip error ||inverse(forward(f)) - f|| / ||f|| is taken on a band-limited
random field made by the library's own synthesis.

The JSON (--json): {"machine", "settings", "libraries": {NAME: version or why skipped},
"results": [ROW]} with ROW keys as in `hens bench sht`'s rows ("case", "grid", "nlat", "nlon",
"lmax_inclusive", "precision", "direction", "threads", "batch", "median_ms_per_field",
"min_ms_per_field", "max_ms_per_field", "runs", "roundtrip_rel_l2") plus "library" and
"other_cpu_pct". With --hens FILE (hens' --json output) each row also gets
"hens_median_ms_per_field" and "hens_time_over_library" (< 1: hens is faster).
"""
import argparse
import json
import os
import subprocess
import sys

import anchorlib

LIBRARIES = ["ducc0", "torch-harmonics", "shtns"]


def say(text):
    print(f"[sht anchor] {text}", file=sys.stderr, flush=True)


def case(name):
    """(grid, nlat, nlon, inclusive lmax) of a case name, as hens' SHTBenchCase defines them."""
    if name == "cc721_l359":
        return "equiangular", 721, 1440, 359
    if name.startswith("gl") and name[2:].isdigit() and int(name[2:]) >= 2:
        n = int(name[2:])
        return "legendre-gauss", n, 2 * n, n - 1
    if name.startswith("cc") and name[2:].isdigit() and int(name[2:]) >= 3:
        n = int(name[2:])
        return "equiangular", n, 2 * (n - 1), n - 2
    raise SystemExit(f"sht_anchor.py: --cases: unknown case '{name}' (glN, ccN or cc721_l359)")


def relative_l2(a, b):
    import numpy as np
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300))


# ------------------------------------------------------------------ one library per process
def ducc0_transforms(grid, nlat, nlon, lmax, precision, nthreads):
    """(forward(fields) , inverse(coefficients), random coefficients) for one field at a time."""
    import numpy as np
    import ducc0

    geometry = "GL" if grid == "legendre-gauss" else "CC"
    real = np.float32 if precision == "float32" else np.float64
    count = (lmax + 1) * (lmax + 2) // 2
    rng = np.random.default_rng(42)
    coefficients = (rng.standard_normal(count) + 1j * rng.standard_normal(count)).astype(np.complex64 if real is np.float32 else np.complex128)
    coefficients[: lmax + 1] = coefficients[: lmax + 1].real   # m = 0: real for a real field

    def forward(fields, out):
        for b in range(fields.shape[0]):
            ducc0.sht.analysis_2d(map=fields[b:b + 1], alm=out[b:b + 1], spin=0, lmax=lmax, mmax=lmax, geometry=geometry,
                                  nthreads=nthreads)
        return out

    def inverse(coeffs, out):
        for b in range(coeffs.shape[0]):
            ducc0.sht.synthesis_2d(alm=coeffs[b:b + 1], map=out[b:b + 1], spin=0, lmax=lmax, mmax=lmax, geometry=geometry,
                                   ntheta=nlat, nphi=nlon, nthreads=nthreads)
        return out

    return forward, inverse, coefficients, real


def time_ducc0(cases, args):
    import numpy as np

    rows = []
    for name in cases:
        grid, nlat, nlon, lmax = case(name)
        for precision in args.precisions:
            for batch in args.batches:
                for t in args.threads:
                    forward, inverse, c1, real = ducc0_transforms(grid, nlat, nlon, lmax, precision, t)
                    coeffs = np.ascontiguousarray(np.broadcast_to(c1, (batch, c1.size)))
                    fields = np.empty((batch, nlat, nlon), dtype=real)
                    back = np.empty_like(coeffs)
                    inverse(coeffs, fields)
                    error = relative_l2(inverse(forward(fields, back), np.empty_like(fields)), fields)
                    rows += timed_pair(name, precision, batch, t, error,
                                       lambda: forward(fields, back), lambda: inverse(coeffs, fields), args)
    return rows


def time_torch_harmonics(cases, args):
    import torch
    import torch_harmonics

    rows = []
    torch.manual_seed(42)
    for name in cases:
        grid, nlat, nlon, lmax = case(name)
        for precision in args.precisions:
            dtype = torch.float32 if precision == "float32" else torch.float64
            forward = torch_harmonics.RealSHT(nlat, nlon, lmax=lmax + 1, mmax=lmax + 1, grid=grid).to(dtype)
            inverse = torch_harmonics.InverseRealSHT(nlat, nlon, lmax=lmax + 1, mmax=lmax + 1, grid=grid).to(dtype)
            degree = torch.arange(lmax + 1)[:, None]
            order = torch.arange(lmax + 1)[None, :]
            for batch in args.batches:
                real = torch.randn(batch, lmax + 1, lmax + 1, dtype=dtype)
                imaginary = torch.randn(batch, lmax + 1, lmax + 1, dtype=dtype) * (order > 0)
                coeffs = torch.complex(real, imaginary) * (degree >= order)
                with torch.inference_mode():
                    fields = inverse(coeffs)
                    error = relative_l2(inverse(forward(fields)).numpy(), fields.numpy())
                for t in args.threads:
                    torch.set_num_threads(t)
                    with torch.inference_mode():
                        rows += timed_pair(name, precision, batch, t, error, lambda: forward(fields), lambda: inverse(coeffs), args)
    return rows


def time_shtns(cases, args):
    import numpy as np
    import shtns

    rows = []
    rng = np.random.default_rng(42)
    for name in cases:
        grid, nlat, nlon, lmax = case(name)
        layout = (shtns.sht_gauss if grid == "legendre-gauss" else shtns.sht_reg_poles) | shtns.SHT_PHI_CONTIGUOUS
        for t in args.threads:
            transform = shtns.sht(lmax, lmax, nthreads=t)
            transform.set_grid(nlat, nlon, flags=layout)
            spectrum = transform.spec_array()
            spectrum[:] = rng.standard_normal(spectrum.size) + 1j * rng.standard_normal(spectrum.size) * (transform.m > 0)
            field = transform.synth(spectrum.copy())
            error = relative_l2(transform.synth(transform.analys(field.copy())), field)
            for batch in args.batches:
                fields = [field.copy() for _ in range(batch)]
                spectra = [spectrum.copy() for _ in range(batch)]

                def forward():
                    for f in fields:
                        transform.analys(f)

                def inverse():
                    for s in spectra:
                        transform.synth(s)

                rows += timed_pair(name, "float64", batch, t, error, forward, inverse, args)
    return rows


def timed_pair(name, precision, batch, threads, error, forward, inverse, args):
    """Rows for the forward and the inverse transform of one configuration."""
    grid, nlat, nlon, lmax = case(name)
    rows = []
    for direction, call in (("forward", forward), ("inverse", inverse)):
        timing = anchorlib.measure(call, args.budget, args.min_runs, args.max_runs)
        rows.append({"library": args.library, "case": name, "grid": grid, "nlat": nlat, "nlon": nlon, "lmax_inclusive": lmax,
                     "precision": precision, "direction": direction, "threads": threads, "batch": batch,
                     "median_ms_per_field": 1e3 * timing["median_s"] / batch, "min_ms_per_field": 1e3 * timing["min_s"] / batch,
                     "max_ms_per_field": 1e3 * timing["max_s"] / batch, "runs": timing["runs"],
                     "roundtrip_rel_l2": error, "other_cpu_pct": timing["other_cpu_pct"]})
    say(f"{args.library} {name} {precision} b{batch} t{threads}: forward {rows[0]['median_ms_per_field']:.3f}, "
        f"inverse {rows[1]['median_ms_per_field']:.3f} ms/field, round trip {error:.1e}")
    return rows


WORKERS = {"ducc0": (time_ducc0, "ducc0"), "torch-harmonics": (time_torch_harmonics, "torch_harmonics"), "shtns": (time_shtns, "shtns")}


def worker(args):
    """Runs inside the per-library process: prints {"version", "rows"} or {"skipped"} as JSON on stdout."""
    timer, module = WORKERS[args.library]
    try:
        version = anchorlib.version_of(module)
        if version.startswith("unavailable"):
            print(json.dumps({"skipped": f"{module} {version}"}))
            return
        if args.library == "shtns":
            args.precisions = ["float64"]
        print(json.dumps({"version": version, "rows": timer(args.cases.split(","), args)}))
    except Exception as error:  # reported in the document, the other libraries go on
        print(json.dumps({"skipped": f"failed: {type(error).__name__}: {error}"}))


# ------------------------------------------------------------------ driver
def join_with_hens(rows, path):
    """Adds hens' median and the time ratio to every row that hens measured too."""
    with open(path) as handle:
        hens_rows = json.load(handle).get("results", [])
    key = lambda r: (r["case"], r["precision"], r["direction"], r["threads"], r["batch"])
    hens = {key(r): r["median_ms_per_field"] for r in hens_rows}
    for row in rows:
        if key(row) in hens:
            row["hens_median_ms_per_field"] = hens[key(row)]
            row["hens_time_over_library"] = hens[key(row)] / row["median_ms_per_field"]
            say(f"{row['case']} {row['precision']} {row['direction']} b{row['batch']} t{row['threads']}: "
                f"hens/{row['library']} = {row['hens_time_over_library']:.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", default="gl360,cc721_l359,gl720", help="comma-separated case names")
    parser.add_argument("--libraries", default=",".join(LIBRARIES), help="comma-separated: " + ", ".join(LIBRARIES))
    parser.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    parser.add_argument("--batches", default="1,16", help="comma-separated fields per measurement")
    parser.add_argument("--precisions", default="float64,float32", help="float64 and/or float32 (shtns: float64 only)")
    parser.add_argument("--budget", type=float, default=1.0, help="seconds of timing per measurement after the warm-up call")
    parser.add_argument("--min-runs", type=int, default=5, help="minimum timed calls per measurement")
    parser.add_argument("--max-runs", type=int, default=10_000, help="maximum timed calls per measurement")
    parser.add_argument("--hens", help="hens bench sht --json output to join with (adds the time ratios)")
    parser.add_argument("--json", help="write the document here")
    parser.add_argument("--library", help=argparse.SUPPRESS)   # set in the per-library processes
    args = parser.parse_args()
    args.threads, args.batches = anchorlib.int_list(args.threads), anchorlib.int_list(args.batches)
    args.precisions = [p for p in args.precisions.split(",") if p]
    for name in args.cases.split(","):
        case(name)
    if args.library:
        worker(args)
        return
    environment = dict(os.environ, OMP_NUM_THREADS=str(max(args.threads)))
    document = {"machine": anchorlib.machine(), "libraries": {}, "results": [],
                "settings": {"threads": args.threads, "batches": args.batches, "budget_s": args.budget, "min_runs": args.min_runs}}
    for library in args.libraries.split(","):
        if library not in WORKERS:
            parser.error(f"--libraries: unknown '{library}' (known: {', '.join(LIBRARIES)})")
        command = [sys.executable, os.path.abspath(__file__), "--library", library] + sys.argv[1:]
        finished = subprocess.run(command, stdout=subprocess.PIPE, text=True, env=environment)
        lines = finished.stdout.strip().splitlines()
        outcome = json.loads(lines[-1]) if finished.returncode == 0 and lines else {"skipped": f"exit {finished.returncode}"}
        document["libraries"][library] = outcome.get("version") or outcome["skipped"]
        document["results"] += outcome.get("rows", [])
        if "skipped" in outcome:
            say(f"{library}: {outcome['skipped']}")
    if args.hens:
        join_with_hens(document["results"], args.hens)
    anchorlib.write_json(args.json, document)


if __name__ == "__main__":
    main()
