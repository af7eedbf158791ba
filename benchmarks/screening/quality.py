"""Screening ranking quality on the generator's data, across several as-of months.

    .venv/bin/python benchmarks/screening/quality.py [--cases 200000] [--months 24] [--as-of-months 6]

Writes CASES/OUTCOMES with xinfang.ml.casegen, runs the screening-eval contract
(xinfang.ml.screening.screening_eval) at the first of each of the last N months, and
scores the oracle (the generator's hidden probability) at the same k. No database.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from xinfang.ml import casegen  # noqa: E402
from xinfang.ml.screening import screening_eval, top_k_metrics  # noqa: E402

END = datetime(2026, 11, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--as-of-months", type=int, default=6)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="screening-bench-"))
    cases_path, outcomes_path = folder / "cases.csv", folder / "outcomes.csv"
    started = time.perf_counter()
    casegen.write_files(cases_path, outcomes_path, args.cases, months=args.months, end=END, seed=args.seed)
    hidden = [(c["decided_at"], p, q) for c, p, q in casegen.generate(args.cases, months=args.months, end=END,
                                                                      seed=args.seed)]
    print(f"generated {args.cases:,} cases in {time.perf_counter() - started:.0f}s", file=sys.stderr)
    rows = []
    for back in range(args.as_of_months, 0, -1):
        month = (END - timedelta(days=30.4 * back)).date().replace(day=1)
        result = screening_eval(cases_path, outcomes_path, as_of=month)
        cutoff = datetime.combine(month, datetime.min.time())
        window = [(p, q) for d, p, q in hidden if cutoff - timedelta(days=30) <= d < cutoff]
        truth = np.array([1 if p is not None and p - d <= timedelta(days=90) else 0
                          for (d, _, _), (p, q) in zip([(d, p, q) for d, p, q in hidden
                                                         if cutoff - timedelta(days=30) <= d < cutoff], window)])
        oracle_p, oracle_r = top_k_metrics(np.array([q for _, q in window]), truth, result["k"])
        result.update(as_of=str(month), oracle_precision_at_k=round(oracle_p, 4), oracle_recall_at_k=round(oracle_r, 4),
                      lift_over_rules=round(result["precision_at_k"] / max(result["rule_precision_at_k"], 1e-9), 3))
        rows.append(result)
        print(json.dumps(result, ensure_ascii=False))
    summary = {key: (round(statistics.mean(r[key] for r in rows), 4), round(min(r[key] for r in rows), 4),
                     round(max(r[key] for r in rows), 4))
               for key in ("recall_at_k", "rule_recall_at_k", "oracle_recall_at_k", "precision_at_k",
                           "rule_precision_at_k", "oracle_precision_at_k", "lift_over_rules", "auc")}
    print(json.dumps({"summary_mean_min_max": summary}, ensure_ascii=False))


if __name__ == "__main__":
    main()
