"""漏斗图：对小单位公平的比较。单位的比率与全局比率比，控制限用精确二项分布算出——
预警限 95%（双侧各 2.5%）、报警限 99.8%（双侧各 0.1%）。件数少的单位限宽，偶然的高低不会被误判。

纯函数，不依赖 Django。"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

ALERT, ALARM = 0.95, 0.998


# 均值两侧各取这么多个标准差（另加 10 项）：之外的概率小于 1e-20，当作 0（或 1）。件数上万时只算几千项，不算 n 项。
SPAN_SIGMAS = 10


@lru_cache(maxsize=4096)
def _cdf_table(n: int, p: float) -> tuple[int, tuple[float, ...]]:
    """二项分布 B(n, p) 的累积概率：(lo, 表)，表[i] = P(X ≤ lo + i)；lo 之下为 0，表尾之后为 1。
    对数空间计算，n 大时不下溢。"""
    if p <= 0 or p >= 1:
        return 0, tuple(1.0 if (p <= 0 or k == n) else 0.0 for k in range(n + 1))
    mean, sd = n * p, math.sqrt(n * p * (1 - p))
    lo = max(0, math.floor(mean - SPAN_SIGMAS * sd - 10))
    hi = min(n, math.ceil(mean + SPAN_SIGMAS * sd + 10))
    lp, lq = math.log(p), math.log1p(-p)
    # 第一项用 lgamma，之后按相邻两项之比递推：log P(k+1) − log P(k) = log(n−k) − log(k+1) + log p − log q
    x = math.lgamma(n + 1) - math.lgamma(lo + 1) - math.lgamma(n - lo + 1) + lo * lp + (n - lo) * lq
    logs, odds, log = [x], lp - lq, math.log
    for k in range(lo, hi):
        x += log(n - k) - log(k + 1) + odds
        logs.append(x)
    top = max(logs)
    weights = [math.exp(x - top) for x in logs]
    total = sum(weights)
    out, acc = [], 0.0
    for w in weights:
        acc += w / total
        out.append(min(acc, 1.0))
    return lo, tuple(out)


def cdf(k: int, n: int, p: float) -> float:
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    lo, table = _cdf_table(n, round(p, 6))
    if k < lo:
        return 0.0
    return table[k - lo] if k - lo < len(table) else 1.0


def quantile(q: float, n: int, p: float) -> int:
    """最小的 k，使 P(X ≤ k) ≥ q。"""
    lo, table = _cdf_table(n, round(p, 6))
    a, b = 0, len(table) - 1
    if table[b] < q - 1e-12:
        return min(n, lo + len(table))
    while a < b:
        mid = (a + b) // 2
        if table[mid] >= q - 1e-12:
            b = mid
        else:
            a = mid + 1
    return lo + a


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
