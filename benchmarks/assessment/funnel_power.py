"""漏斗图的零假设模拟与功效：30 个大小不同、真实比率相同的单位被标记的频率；差 10 个百分点的单位被标记的频率。

    .venv/bin/python benchmarks/assessment/funnel_power.py [--runs 1000]
"""

import argparse
import random

from xinfang.assessment.funnel import cdf, funnel, quantile

SIZES = [15 + 13 * i for i in range(30)]


def simulate(sizes, rates, runs, seed):
    rng = random.Random(seed)
    flagged = [0] * len(sizes)
    for _ in range(runs):
        points = [(i, sum(rng.random() < r for _ in range(n)), n) for i, (n, r) in enumerate(zip(sizes, rates))]
        for p in funnel(points)["points"]:
            flagged[p.unit] += p.flag in ("alert_low", "alarm_low")
    return [f / runs for f in flagged]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1000)
    runs = parser.parse_args().runs
    for base in (0.8, 0.9, 0.95):
        null = simulate(SIZES, [base] * 30, runs, 1)
        print(f"基础比率 {base:.0%}：30 个单位（15–392 件）同一真实比率，被标为偏低的平均频率 "
              f"{sum(null) / 30:.3%}，最高 {max(null):.3%}（名义 2.5%）")
        for n in (50, 100, 150, 200, 300):
            worse = simulate(SIZES[:29] + [n], [base] * 29 + [base - 0.1], runs, 2)[-1]
            k = quantile(0.025, n, base)
            print(f"  差 10 个百分点、{n} 件：模拟被标记 {worse:.1%}，精确功效（目标已知）{cdf(k - 1, n, base - 0.1):.1%}")


if __name__ == "__main__":
    main()
