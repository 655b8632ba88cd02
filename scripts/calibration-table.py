#!/usr/bin/env python3
"""Tables of the calibration experiment (scripts/calibration-experiment.sh) from the methods'
scores.csv: SSR and outlier fraction (observed / expected 2/(m+1)) by lead, and CRPS at 6 h,
global band. With --choose PREFIX, prints the suffix of the PREFIX* method with the lowest CRPS
(mean log ratio to bred-48h's over leads 2–12 h of geopotential, vorticity and divergence): a
proper score, so the choice cannot trade accuracy for a nicer spread."""
import csv, glob, math, os, sys

CHANNELS = ["geopotential", "vorticity", "divergence", "wind_speed"]
SCORED = CHANNELS[:3]
LEADS = [1, 2, 3, 4, 6, 8, 10, 12]


def load(split):
    methods = {}
    for path in sorted(glob.glob(os.path.join(split, "*", "scores", "scores.csv"))):
        name = path.split(os.sep)[-3]
        rows = {}
        with open(path) as f:
            for r in csv.DictReader(f):
                if r["band"] == "global":
                    rows[(r["channel"], float(r["lead_hours"]))] = r
        methods[name] = rows
    return methods


def value(rows, channel, lead, key):
    r = rows.get((channel, float(lead)))
    return float(r[key]) if r and r.get(key, "") not in ("", "nan") else math.nan


def crps_ratio(rows, base):
    logs = [math.log(value(rows, c, l, "crps") / value(base, c, l, "crps")) for c in SCORED for l in LEADS if l >= 2]
    return sum(logs) / len(logs)


def main():
    split = sys.argv[1]
    methods = load(split)
    if len(sys.argv) > 3 and sys.argv[2] == "--choose":
        prefix = sys.argv[3]
        best = min((m for m in methods if m.startswith(prefix)), key=lambda m: crps_ratio(methods[m], methods["bred-48h"]))
        print(best[len(prefix):])
        return
    print(f"split {split}: SSR (spread/RMSE of the mean) and outliers (observed/expected) by lead, global")
    for channel in CHANNELS:
        print(f"\n{channel}")
        print("method".ljust(16) + "".join(f"{l:>5}h SSR/out" for l in LEADS))
        for name, rows in methods.items():
            cells = "".join(f"{value(rows, channel, l, 'ssr'):>6.2f}/{value(rows, channel, l, 'outlier_fraction') / value(rows, channel, l, 'outlier_fraction_expected'):<5.2f}" for l in LEADS)
            print(name.ljust(16) + cells)
    print("\nCRPS at 6 h (physical units; lower is better) and its change against bred-48h")
    base = methods.get("bred-48h")
    for name, rows in methods.items():
        cells = []
        for channel in CHANNELS:
            v = value(rows, channel, 6, "crps")
            ref = value(base, channel, 6, "crps") if base else math.nan
            cells.append(f"{channel} {v:.4g} ({100 * (v / ref - 1):+.1f} %)")
        print(name.ljust(16) + "  ".join(cells))


main()
