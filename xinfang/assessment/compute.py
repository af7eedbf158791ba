"""按登记表计算指标：每个单位（含下级单位）或每名承办人的分子、分母与数值，以及下钻的记录清单。"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from xinfang.org.models import Department

from .registry import BY_KEY, DEFAULT_THREE_RATE_WEIGHTS, METRICS, THREE_RATES, Metric, check_weights

TOTAL = "total"


@dataclass
class Figure:
    numerator: int = 0
    denominator: int | None = 0
    value: float | None = None

    def as_dict(self) -> dict:
        return {"numerator": self.numerator, "denominator": self.denominator, "value": self.value}


def rate(numerator: int, denominator: int) -> float | None:
    return round(100 * numerator / denominator, 2) if denominator else None


def _records(metric: Metric, facts):
    return getattr(facts, metric.source)


def _unit_of(record, group_by: str):
    # 督办单、来访接待没有承办人：按人统计时归入 None（不属于任何人）
    return getattr(record, "handler_id", None) if group_by == "handler" else record.department_id


def ancestors_map() -> dict[int, list[int]]:
    """部门 id → 它和它的全部上级部门的 id（从根起）。"""
    return {pk: [int(x) for x in path.strip("/").split("/") if x]
            for pk, path in Department.objects.values_list("pk", "path")}


def compute(facts, *, group_by: str = "department", rollup: bool = True,
            three_rate_weights: dict | None = None) -> dict[str, dict]:
    """{指标: {单位 id 或 TOTAL: Figure}}。按部门时每个部门的数含其全部下级部门（rollup）。"""
    own: dict = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    handler = group_by == "handler"
    for metric in METRICS:
        if metric.select is None:
            continue
        select = metric.select
        mine = own[metric.key]
        for record in _records(metric, facts):
            hit = select(record, facts)
            if hit is None:
                continue
            c = mine[getattr(record, "handler_id", None) if handler else record.department_id]
            c[1] += 1
            if hit:
                c[0] += 1
    return finish(own, group_by=group_by, rollup=rollup, three_rate_weights=three_rate_weights)


def finish(own: dict, *, group_by: str = "department", rollup: bool = True,
           three_rate_weights: dict | None = None) -> dict[str, dict]:
    """每个单位自己的 [分子, 分母] → 含下级单位与合计的 Figure，再加"三率"综合得分。"""
    weights = check_weights(three_rate_weights or DEFAULT_THREE_RATE_WEIGHTS, allowed=THREE_RATES,
                            label="three_rate_weights")
    parents = ancestors_map() if group_by == "department" and rollup else {}
    result: dict[str, dict] = {}
    for metric in METRICS:
        if metric.select is None:
            continue
        # 每个单位的数加到它的各级上级与合计：每条记录只判定、只计一次。
        counts: dict = defaultdict(lambda: [0, 0])
        for unit, (n, d) in own.get(metric.key, {}).items():
            if not d:
                continue
            keys = parents.get(unit, [unit]) if parents else [unit]
            for key in (*keys, TOTAL):
                c = counts[key]
                c[0] += n
                c[1] += d
        result[metric.key] = {
            key: (Figure(n, None, float(n)) if metric.kind == "count" else Figure(n, d, rate(n, d)))
            for key, (n, d) in counts.items()
        }
    result["three_rate_score"] = _composite(result, weights)
    return result


def compute_period(start: date, end: date, *, as_of: date | None = None, department_ids=None,
                   group_by: str = "department", rollup: bool = True, three_rate_weights: dict | None = None) -> dict:
    """与 compute(facts.load(...)) 相同的结果，判定在数据库里按单位分组做（grouped.py）：一年、全部单位也只几条查询。"""
    from .grouped import own_counts

    if three_rate_weights is not None:  # 先核对权重，坏的权重不必等算完才拒绝
        check_weights(three_rate_weights, allowed=THREE_RATES, label="three_rate_weights")
    own = own_counts(start, end, as_of=as_of, department_ids=department_ids, group_by=group_by)
    return finish(own, group_by=group_by, rollup=rollup, three_rate_weights=three_rate_weights)


def _composite(result: dict, weights: dict) -> dict:
    units = set().union(*(result[k].keys() for k in THREE_RATES))
    out = {}
    for unit in units:
        parts = [(weights[k], result[k][unit].value) for k in THREE_RATES
                 if unit in result[k] and result[k][unit].value is not None]
        total_weight = sum(w for w, _ in parts)
        value = round(sum(w * v for w, v in parts) / total_weight, 2) if total_weight else None
        out[unit] = Figure(0, None, value)
    return out


def drill_down(metric_key: str, facts, *, unit: int | None = None, group_by: str = "department",
               only: str = "denominator") -> list:
    """指标背后的记录：`only="denominator"` 给分母中的全部，`"numerator"` 只给计入分子的，
    `"rest"` 给分母中没有计入分子的。`unit` 为部门时含其下级部门。"""
    metric = BY_KEY[metric_key]
    if metric.select is None:
        metric = BY_KEY["response_rate"] if metric_key == "three_rate_score" else metric
    parents = ancestors_map() if unit is not None and group_by == "department" else {}
    out = []
    for record in _records(metric, facts):
        hit = metric.select(record, facts)
        if hit is None or (only == "numerator" and not hit) or (only == "rest" and hit):
            continue
        if unit is not None:
            own = _unit_of(record, group_by)
            if (unit not in parents.get(own, [])) if parents else own != unit:
                continue
        out.append((record, bool(hit)))
    return out


def metrics_for_period(start: date, end: date, *, as_of: date | None = None, **kwargs) -> dict:
    return compute_period(start, end, as_of=as_of, **kwargs)
