"""漏斗图：对小单位公平的比较。单位的比率与全局比率比，控制限用精确二项分布算出——
预警限 95%（双侧各 2.5%）、报警限 99.8%（双侧各 0.1%）。件数少的单位限宽，偶然的高低不会被误判。

纯函数，不依赖 Django。"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

ALERT, ALARM = 0.95, 0.998


@lru_cache(maxsize=4096)
def _cdf_table(n: int, p: float) -> tuple[float, ...]:
    """二项分布 B(n, p) 的累积概率 P(X ≤ k)，k = 0..n。对数空间计算，n 大时不下溢。"""
    if p <= 0 or p >= 1:
        return tuple(1.0 if (p <= 0 or k == n) else 0.0 for k in range(n + 1))
    lp, lq = math.log(p), math.log1p(-p)
    base = math.lgamma(n + 1)
    logs = [base - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * lp + (n - k) * lq for k in range(n + 1)]
    top = max(logs)
    weights = [math.exp(x - top) for x in logs]
    total = sum(weights)
    out, acc = [], 0.0
    for w in weights:
        acc += w / total
        out.append(min(acc, 1.0))
    return tuple(out)


def cdf(k: int, n: int, p: float) -> float:
    if k < 0:
        return 0.0
    return 1.0 if k >= n else _cdf_table(n, round(p, 6))[k]


def quantile(q: float, n: int, p: float) -> int:
    """最小的 k，使 P(X ≤ k) ≥ q。"""
    table = _cdf_table(n, round(p, 6))
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if table[mid] >= q - 1e-12:
            hi = mid
        else:
            lo = mid + 1
    return lo


def limits(n: int, p: float, level: float) -> tuple[float, float]:
    """n 件时比率的控制限（下限, 上限），百分数。"""
    tail = (1 - level) / 2
    return 100 * quantile(tail, n, p) / n, 100 * quantile(1 - tail, n, p) / n


@dataclass(frozen=True)
class Point:
    unit: object
    numerator: int
    denominator: int
    flag: str  # "" 在限内；"alert_low"/"alarm_low" 低于预警/报警下限；"alert_high"/"alarm_high" 高于上限


def classify(x: int, n: int, p: float) -> str:
    """x/n 相对全局比率 p 的位置：按精确二项尾概率。"""
    if n <= 0:
        return ""
    low, high = cdf(x, n, p), 1 - cdf(x - 1, n, p)
    for level, name in ((ALARM, "alarm"), (ALERT, "alert")):
        tail = (1 - level) / 2
        if low < tail:
            return f"{name}_low"
        if high < tail:
            return f"{name}_high"
    return ""


def funnel(points: list[tuple[object, int, int]], *, target: float | None = None) -> dict:
    """points：(单位, 分子, 分母)。target 缺省取合并比率。返回各点的旗标与画图用的控制限曲线。"""
    valid = [(u, x, n) for u, x, n in points if n > 0]
    total_n = sum(n for _, _, n in valid)
    p = target if target is not None else (sum(x for _, x, _ in valid) / total_n if total_n else 0.0)
    marked = [Point(u, x, n, classify(x, n, p)) for u, x, n in valid]
    top = max((n for _, _, n in valid), default=0)
    sizes = sorted({max(1, round(top * i / 40)) for i in range(1, 41)} | {n for _, _, n in valid}) if top else []
    curves = [{"n": n, "alert": limits(n, p, ALERT), "alarm": limits(n, p, ALARM)} for n in sizes]
    return {"target": 100 * p, "points": marked, "curves": curves}


LABELS = {"": "限内", "alert_low": "低于预警限", "alarm_low": "低于报警限", "alert_high": "高于预警限",
          "alarm_high": "高于报警限"}
