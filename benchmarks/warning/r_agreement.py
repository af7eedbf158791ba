"""Helpers for r_agreement.sh: simulate series; compare our alarms with R's at the same time points."""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np

START = date(2019, 1, 7)


def simulate(out: Path, series: int, seed: int, weeks: int = 312) -> None:
    rng = np.random.default_rng(seed)
    with open(out, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["key", "period_start", "count"])
        for s in range(series):
            t = np.arange(weeks)
            base = math.exp(rng.uniform(math.log(3), math.log(60)))
            mu = base * np.exp(rng.uniform(-0.1, 0.2) * t / 52 + rng.uniform(0.1, 0.5) * np.sin(2 * math.pi * t / 52))
            y = rng.negative_binomial(5, 5 / (5 + mu))
            for start in rng.choice(np.arange(120, weeks - 3), 2, replace=False):
                y[start:start + 3] += (4 * np.sqrt(mu[start:start + 3] + mu[start:start + 3] ** 2 / 5)).astype(int)
            for i in range(weeks):
                writer.writerow([f"s{s:03d}", (START + timedelta(days=7 * i)).isoformat(), int(y[i])])


def compare(ours: Path, theirs: Path) -> None:
    mine = {(r["key"], r["period_start"]): r for r in csv.DictReader(open(ours, encoding="utf-8"))}
    agree = total = both = either = 0
    ratio = []
    for r in csv.DictReader(open(theirs, encoding="utf-8")):
        if r["alarm"] in ("", "NA"):
            continue
        m = mine[(r["key"], r["period_start"])]
        a, b = m["alarm"] == "1", r["alarm"] == "1"
        total += 1
        agree += a == b
        both += a and b
        either += a or b
        if r["expected"] not in ("", "NA") and float(r["expected"]) > 0:
            ratio.append(float(m["expected"]) / float(r["expected"]))
    print(json.dumps({"time_points": total, "agreement": round(agree / total, 4),
                      "alarms_jaccard": round(both / either, 3) if either else None,
                      "expected_ratio_median": round(float(np.median(ratio)), 3) if ratio else None}))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("simulate"); s.add_argument("out", type=Path); s.add_argument("--series", type=int, default=20)
    s.add_argument("--seed", type=int, default=0)
    c = sub.add_parser("compare"); c.add_argument("ours", type=Path); c.add_argument("theirs", type=Path)
    args = parser.parse_args()
    simulate(args.out, args.series, args.seed) if args.cmd == "simulate" else compare(args.ours, args.theirs)
    sys.exit(0)
