"""Rise detection on simulated series: false alarms and outbreak detection.

    .venv/bin/python benchmarks/warning/spikes_bench.py [--series 40] [--seeds 0 1 2 3 4] [--weeks 312]

Each series is weekly, negative-binomial (size 5) with a base level drawn from 2–80 a
week, a trend (−15 %…+25 % a year), a yearly season (amplitude 0.1–0.5) and holiday
dips (春节/国庆 weeks: the mean times exp(−1.5 × share of extra days off), from the real
Chinese calendar 2019–2024). Two outbreaks per series start at random weeks, last 3
weeks and add k × sd of that week's count, k in {3, 4, 5}.

False alarms: alarms outside outbreaks (and the 2 weeks after) over those periods.
Detected: an alarm in the outbreak's first or second week. Prints one JSON line per
seed and a summary line.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from xinfang.core.workcalendar import WorkCalendar  # noqa: E402
from xinfang.ml.spikes import DetectorOptions, detect_series  # noqa: E402
from xinfang.ml.warning_cli import _holiday_share  # noqa: E402

START = date(2019, 1, 7)
SIZE = 5.0


def simulate(rng: np.random.Generator, weeks: int, holiday: np.ndarray):
    t = np.arange(weeks)
    base = math.exp(rng.uniform(math.log(2), math.log(80)))
    trend = rng.uniform(-0.15, 0.25)
    amplitude = rng.uniform(0.1, 0.5)
    phase = rng.uniform(0, 2 * math.pi)
    mu = base * np.exp(np.log1p(trend) * t / 52 + amplitude * np.sin(2 * math.pi * t / 52 + phase) - 1.5 * holiday)
    y = rng.negative_binomial(SIZE, SIZE / (SIZE + mu))
    sd = np.sqrt(mu + mu**2 / SIZE)
    outbreaks = []
    first = 2 * 52 + 3  # where the GLM starts; earlier weeks test the short-series CUSUM
    candidates = rng.choice(np.arange(30, weeks - 3), size=2, replace=False)
    for start in sorted(int(s) for s in candidates):
        if any(abs(start - s) < 8 for s, _ in outbreaks):
            continue
        k = int(rng.choice([3, 4, 5]))
        for d in range(3):
            y[start + d] += int(round(k * sd[start + d]))
        outbreaks.append((start, k))
    return y, outbreaks, first


def run(seed: int, n_series: int, weeks: int, options: DetectorOptions) -> dict:
    rng = np.random.default_rng(seed)
    calendar = WorkCalendar()
    holiday = np.array([_holiday_share(START + timedelta(days=7 * i), 7, calendar) for i in range(weeks)])
    false_alarms = quiet = 0
    detected = outbreaks_total = 0
    by_method = defaultdict(lambda: [0, 0])  # detected, total
    by_k = defaultdict(lambda: [0, 0])
    fa_method = defaultdict(lambda: [0, 0])
    fa_reason = defaultdict(int)
    for _ in range(n_series):
        y, outbreaks, _first = simulate(rng, weeks, holiday)
        alarms = detect_series(y, options, holiday=holiday)
        affected = np.zeros(weeks, dtype=bool)
        for start, k in outbreaks:
            affected[start : start + 5] = True
            hit = alarms[start].alarm or alarms[start + 1].alarm
            detected += hit
            outbreaks_total += 1
            method = alarms[start].method
            by_method[method][0] += hit
            by_method[method][1] += 1
            by_k[k][0] += hit
            by_k[k][1] += 1
        for i, a in enumerate(alarms):
            if not affected[i]:
                quiet += 1
                false_alarms += a.alarm
                fa_method[a.method][0] += a.alarm
                fa_method[a.method][1] += 1
                fa_reason[a.reason] += 1
    return {
        "seed": seed,
        "series": n_series,
        "weeks": weeks,
        "false_alarm_rate": round(false_alarms / quiet, 4),
        "detected_within_2": round(detected / outbreaks_total, 4),
        "outbreaks": outbreaks_total,
        "detected_by_method": {m: round(d / t, 3) if t else None for m, (d, t) in by_method.items()},
        "detected_by_k": {k: round(d / t, 3) for k, (d, t) in sorted(by_k.items())},
        "false_alarm_by_method": {m: round(d / t, 4) if t else None for m, (d, t) in fa_method.items()},
        "false_alarm_by_test": {r: round(n / quiet, 4) for r, n in fa_reason.items() if r},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--series", type=int, default=40)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--weeks", type=int, default=312)
    parser.add_argument("--short-method", choices=["local", "cusum"], default="local")
    parser.add_argument("--threshold", choices=["nb", "nb2", "nb-plugin", "two-thirds"], default=DetectorOptions.threshold)
    parser.add_argument("--short-baseline", type=int, default=None)
    parser.add_argument("--alpha", type=float, default=DetectorOptions.alpha)
    parser.add_argument("--alpha-pair", type=float, default=DetectorOptions.alpha_pair)
    args = parser.parse_args()
    options = DetectorOptions(period="week", short_method=args.short_method, alpha=args.alpha, threshold=args.threshold,
                              short_baseline=args.short_baseline,
                              alpha_pair=args.alpha_pair)
    print(json.dumps({"options": {"short_method": args.short_method, "threshold": args.threshold, "short_baseline": args.short_baseline, "alpha": args.alpha,
                                  "alpha_pair": args.alpha_pair}}), flush=True)
    results = []
    started = time.perf_counter()
    for seed in args.seeds:
        result = run(seed, args.series, args.weeks, options)
        results.append(result)
        print(json.dumps(result, ensure_ascii=False), flush=True)
    fa = [r["false_alarm_rate"] for r in results]
    det = [r["detected_within_2"] for r in results]
    print(json.dumps({
        "summary": True,
        "false_alarm_rate_mean": round(float(np.mean(fa)), 4),
        "false_alarm_rate_max": max(fa),
        "detected_mean": round(float(np.mean(det)), 4),
        "detected_min": min(det),
        "seconds": round(time.perf_counter() - started, 1),
    }), flush=True)


if __name__ == "__main__":
    main()
