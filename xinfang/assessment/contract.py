"""`xinfang metrics` 的固定输出：每个单位每个指标的分子、分母与数值（JSON 或 CSV）。"""

from __future__ import annotations

import csv
import io
import json
from datetime import date

from django.core.exceptions import ValidationError

from xinfang.core import clock
from xinfang.org.models import Department

from .compute import TOTAL, compute_period
from .registry import METRICS

CSV_COLUMNS = ("unit", "unit_name", "metric", "label", "numerator", "denominator", "value")


def parse_period(start: str, end: str) -> tuple[date, date]:
    """解析并核对统计期间；不合法时以中文说明拒绝（字段名与规则）。"""
    days = []
    for label, text in (("--from", start), ("--to", end)):
        try:
            days.append(date.fromisoformat(text))
        except (TypeError, ValueError):
            raise ValidationError({label: f"日期格式应为 YYYY-MM-DD，收到“{text}”"}) from None
    if days[1] < days[0]:
        raise ValidationError({"--to": f"统计期间的结束日 {days[1]} 早于开始日 {days[0]}"})
    return days[0], days[1]


def parse_weights(text: str) -> dict[str, float]:
    """“response_rate=10,resolution_rate=45,satisfaction_rate=45” → 权重表；格式不对、指标不对、合计不是 100 的拒绝。"""
    from .registry import THREE_RATES, check_weights

    weights = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, _, value = part.partition("=")
        try:
            weights[key.strip()] = float(value)
        except ValueError:
            raise ValidationError({"--three-rate-weights": f"“{part}”应写成 指标=数值"}) from None
    return check_weights(weights, allowed=THREE_RATES, label="--three-rate-weights")


def unit_lookup(code: str) -> Department:
    """单位代码（部门的 code，如 D0012）；没有代码的部门也可用部门编号。"""
    found = Department.objects.filter(code=code).first() if code else None
    if found is None and code.isdigit():
        found = Department.objects.filter(pk=int(code)).first()
    if found is None:
        raise ValidationError({"--unit": f"没有代码为“{code}”的单位（单位代码，或部门编号）"})
    return found


def build(start: date, end: date, *, unit: Department | None = None, as_of: date | None = None,
          three_rate_weights: dict | None = None, figures: dict | None = None) -> dict:
    """`figures` 给出时（同一期间、统计日已算好的 compute 结果）不再重读事实。"""
    as_of = as_of or clock.today()
    departments = Department.objects.order_by("path")
    if unit is not None:
        departments = departments.filter(path__startswith=unit.path)
    departments = list(departments)
    ids = {d.pk for d in departments} if unit is not None else None
    if figures is None:
        figures = compute_period(start, end, as_of=as_of, department_ids=ids, three_rate_weights=three_rate_weights)
    rows = []
    for d in departments:
        rows.append({"unit": str(d.pk), "code": d.code or "", "unit_name": d.name, "path": d.path,
                     "metrics": {m.key: figures[m.key].get(d.pk, _empty(m)).as_dict() for m in METRICS}})
    return {
        "from": start.isoformat(), "to": end.isoformat(), "as_of": as_of.isoformat(),
        "provisional": end >= as_of,
        "metrics": [m.as_dict() for m in METRICS],
        "units": rows,
        "total": {m.key: figures[m.key].get(TOTAL, _empty(m)).as_dict() for m in METRICS},
    }


def _empty(metric):
    from .compute import Figure

    return Figure(0, None if metric.kind != "rate" else 0, 0.0 if metric.kind == "count" else None)


def render_json(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False, indent=1)


def render_csv(payload: dict) -> str:
    labels = {m["key"]: m["label"] for m in payload["metrics"]}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    rows = [(r["unit"], r["unit_name"], r["metrics"]) for r in payload["units"]]
    rows.append(("total", "合计", payload["total"]))
    for unit, name, metrics in rows:
        for key, fig in metrics.items():
            writer.writerow((unit, name, key, labels[key], fig["numerator"],
                             "" if fig["denominator"] is None else fig["denominator"],
                             "" if fig["value"] is None else fig["value"]))
    return out.getvalue()
