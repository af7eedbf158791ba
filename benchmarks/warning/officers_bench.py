"""Officer flags vs the "3 complaints in 180 days" rule, on simulated officers.

    .venv/bin/python benchmarks/warning/officers_bench.py [--officers 2000] [--seeds 0 1 2 3 4]

Officers in 6 peer groups (base complaint rates 0.4–3 per hundred actions); 180 days'
actions log-normal (median 60, σ 0.9: the busiest are ~10× the median); 10 % are truly
high-risk (rate × 3), the rest vary by ±20 %. complaints ~ Poisson(actions × rate × risk).

The rule flags everyone with ≥ 3 complaints; the same number of our top-ranked officers
(the order of ``flag_officers``) is compared with it, and our own warning/critical levels
are reported as they are. "Busy low-risk": low-risk officers in the top 10 % by actions.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from xinfang.ml.officers import OfficerActivity, flag_officers  # noqa: E402


def run(seed: int, n: int) -> dict:
    rng = np.random.default_rng(seed)
    base = np.array([0.004, 0.007, 0.01, 0.015, 0.02, 0.03])
    group = rng.integers(0, len(base), n)
    actions = np.round(rng.lognormal(np.log(60), 0.9, n)).astype(int) + 1
    high = rng.random(n) < 0.10
    risk = np.where(high, 3.0, rng.lognormal(0, 0.2, n))
    complaints = rng.poisson(actions * base[group] * risk)
    rows = [OfficerActivity(f"O{i:05d}", f"G{group[i]}", float(actions[i]), int(complaints[i])) for i in range(n)]
    flags = flag_officers(rows)
    index = {f"O{i:05d}": i for i in range(n)}
    rule = complaints >= 3
    k = int(rule.sum())
    ours_top = np.zeros(n, dtype=bool)
    for f in flags[:k]:
        ours_top[index[f.officer_no]] = True
    ours_level = np.zeros(n, dtype=bool)
    for f in flags:
        if f.level != "none":
            ours_level[index[f.officer_no]] = True
    busy_low = (~high) & (actions >= np.quantile(actions, 0.9))
    rule_hits, top_hits = int((rule & high).sum()), int((ours_top & high).sum())
    return {
        "seed": seed,
        "officers": n,
        "truly_high": int(high.sum()),
        "flags_each": k,
        "rule_true_high": rule_hits,
        "ours_true_high_same_k": top_hits,
        "gain": round(top_hits / rule_hits - 1, 3) if rule_hits else None,
        "busy_low_flagged_by_rule": round(float(rule[busy_low].mean()), 3),
        "busy_low_flagged_by_ours_same_k": round(float(ours_top[busy_low].mean()), 3),
        "ours_levels_flagged": int(ours_level.sum()),
        "ours_levels_precision": round(float(high[ours_level].mean()), 3) if ours_level.any() else None,
        "busy_low_flagged_by_ours_levels": round(float(ours_level[busy_low].mean()), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--officers", type=int, default=2000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    args = parser.parse_args()
    results = [run(s, args.officers) for s in args.seeds]
    for r in results:
        print(json.dumps(r, ensure_ascii=False))
    gains = [r["gain"] for r in results]
    print(json.dumps({"summary": True, "gain_mean": round(float(np.mean(gains)), 3), "gain_min": min(gains),
                      "busy_low_rule_mean": round(float(np.mean([r["busy_low_flagged_by_rule"] for r in results])), 3),
                      "busy_low_ours_mean": round(float(np.mean([r["busy_low_flagged_by_ours_same_k"] for r in results])), 3)}))


if __name__ == "__main__":
    main()
