"""看板读数：件数来自每日单位事实（aggregates），比率来自登记表（compute，按期间与统计日缓存），
每个图的每个点都带着下钻地址。调用方已经用 access 取得了可见的单位。"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from urllib.parse import urlencode

from django.core.cache import cache
from django.db.models import OuterRef, Subquery
from django.urls import reverse

from xinfang.core import clock, cursors
from xinfang.org.models import Department
from xinfang.petitions.models import Category, Channel, Matter, Opinion, OpinionKind
from xinfang.petitions.workflow import OPEN_STATES
from xinfang.supervision.models import OrderStatus, OrderTarget

from . import aggregates
from .compute import TOTAL, compute_period
from .funnel import LABELS, funnel
from .registry import BY_KEY as BY_KEY_, METRICS

FUNNEL_METRIC = "handling_on_time"


def subtree_ids(unit: Department) -> list[int]:
    return list(Department.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))


def figures_for(unit: Department, start: date, end: date, *, as_of: date | None = None) -> dict:
    """该单位子树的全部指标（缓存到统计日结束，或下次重算）。"""
    as_of = as_of or clock.today()
    key = f"assessment:figures:{unit.pk}:{unit.path}:{start}:{end}:{as_of}"
    hit = cache.get(key)
    if hit is None:
        hit = compute_period(start, end, as_of=as_of, department_ids=subtree_ids(unit))
        cache.set(key, hit, CACHE_SECONDS)
    return hit


CACHE_SECONDS = 2 * 3600


def warm_cache() -> int:
    """后台任务：把看板默认期间（本年至今）的指标预先算好放进缓存，第一次打开看板就不必现算。
    返回预热的单位数。"""
    today = clock.today()
    start = today.replace(month=1, day=1)
    units = list(Department.objects.filter(depth__lte=1, is_active=True))
    for unit in units:
        key = f"assessment:figures:{unit.pk}:{unit.path}:{start}:{today}:{today}"
        cache.set(key, compute_period(start, today, as_of=today, department_ids=subtree_ids(unit)), CACHE_SECONDS)
    return len(units)


def _url(name: str, unit: Department, start: date, end: date, *, key: str = "", **extra) -> str:
    query = {"from": start.isoformat(), "to": end.isoformat(), **{k: v for k, v in extra.items() if v}}
    return _path(name, unit.pk, key) + "?" + urlencode(query)


def _path(name: str, pk: int, key: str) -> str:
    # 一张图上几百个点：reverse 每次都要匹配路由表，同一单位的路径只解析一次（换成编号占位再替换）。
    template = _PATHS.get((name, bool(key)))
    if template is None:
        template = _PATHS[(name, bool(key))] = reverse(name, args=[987654321, "KEYKEYKEY"] if key else [987654321])
    return template.replace("987654321", str(pk)).replace("KEYKEYKEY", key)


_PATHS: dict = {}


def facts_version() -> int:
    """看板事实的版本：预聚合任务的游标位置（每跟上一批办理记录就变）。"""
    return cursors.position(aggregates.CURSOR) or 0


CHART_CACHE_SECONDS = 10 * 60


def chart_data(unit: Department, start: date, end: date) -> dict:
    """概况页的全部图（见 _chart_data）。按（单位、期间、今天、看板事实版本）缓存：事实一变、日子一换就重算；
    超期与督办不经事实，最多晚 CHART_CACHE_SECONDS 秒。"""
    today = clock.today()
    key = f"assessment:charts:{unit.pk}:{unit.path}:{start}:{end}:{today}:{facts_version()}"
    hit = cache.get(key)
    if hit is None:
        hit = _chart_data(unit, start, end)
        cache.set(key, hit, CHART_CACHE_SECONDS)
    return hit


def _chart_data(unit: Department, start: date, end: date) -> dict:
    """概况页的全部图：按月趋势、按类别、按渠道、按下级单位、超期与督办、漏斗图。"""
    subtree = list(Department.objects.filter(path__startswith=unit.path).order_by("path"))
    ids = [d.pk for d in subtree]
    everything = ids if unit.parent_id else None  # 根部门：不带单位条件（免得一长串 IN）
    children = [d for d in subtree if d.parent_id == unit.pk] or [unit]
    owner = {}
    for d in subtree:  # 每个部门归到它所在的那个直接下级（按 path 前缀）
        for child in children:
            if d.path.startswith(child.path):
                owner[d.pk] = child
                break
    months, by_measure, by_child = defaultdict(lambda: defaultdict(int)), defaultdict(int), defaultdict(int)
    for day, dept, measure, count in aggregates.totals(start, end, department_ids=everything):
        if ":" in measure:
            by_measure[measure] += count
            continue
        months[measure][day] += count
        if measure == "received" and dept in owner:
            by_child[owner[dept].pk] += count
    all_months = sorted({m for series in months.values() for m in series})
    records = "assessment:records"
    trend = {
        "months": all_months,
        "series": [{"name": label, "data": [{"value": months[m][mo], "url": _url(
            records, unit, *_month_range(mo, start, end), measure=m)} for mo in all_months]}
                   for m, label in (("received", "收到"), ("replied", "答复"), ("closed", "办结"))],
    }
    categories = dict(Category.objects.values_list("pk", "name"))
    by_category = sorted(((categories.get(int(k.split(":")[1]), "未分类"), v, int(k.split(":")[1]))
                          for k, v in by_measure.items() if k.startswith("category:")), key=lambda r: -r[1])
    by_channel = sorted(((Channel(k.split(":")[1]).label, v, k.split(":")[1])
                         for k, v in by_measure.items() if k.startswith("channel:")), key=lambda r: -r[1])
    today = clock.today()
    overdue, supervised = defaultdict(int), defaultdict(int)
    for dept, n in _overdue(ids, today):
        if dept in owner:
            overdue[owner[dept].pk] += n
    for dept in OrderTarget.objects.filter(department_id__in=ids, order__status=OrderStatus.OPEN,
                                           role="lead").values_list("department_id", flat=True):
        if dept in owner:
            supervised[owner[dept].pk] += 1
    figures = figures_for(unit, start, end)
    funnel_points = [(c, figures[FUNNEL_METRIC].get(c.pk)) for c in children]
    plot = funnel([(c, f.numerator, f.denominator) for c, f in funnel_points if f and f.denominator])
    return {
        "trend": trend,
        "category": [{"name": n, "value": v, "url": _url(records, unit, start, end, measure="received", category=pk)}
                     for n, v, pk in by_category[:12]],
        "channel": [{"name": n, "value": v, "url": _url(records, unit, start, end, measure="received", channel=code)}
                    for n, v, code in by_channel],
        "units": {
            "names": [c.name for c in children],
            "received": [{"value": by_child[c.pk], "url": _url("assessment:unit", c, start, end)} for c in children],
            "overdue": [{"value": overdue[c.pk], "url": _url(records, c, start, end, measure="overdue")}
                        for c in children],
            "supervised": [{"value": supervised[c.pk], "url": _url(records, c, start, end, measure="supervised")}
                           for c in children],
        },
        "funnel": {
            "metric": "按期办结率", "target": round(plot["target"], 2),
            "points": [{"name": p.unit.name, "value": [p.denominator, round(100 * p.numerator / p.denominator, 2)],
                        "flag": LABELS[p.flag],
                        "url": _url("assessment:metric", p.unit, start, end, key=FUNNEL_METRIC)}
                       for p in plot["points"]],
            "curves": [{"n": c["n"], "alert": c["alert"], "alarm": c["alarm"]} for c in plot["curves"]],
        },
    }


def _month_range(month: str, start: date, end: date) -> tuple[date, date]:
    from .bulletin import month_bounds

    y, m = map(int, month.split("-"))
    first, last = month_bounds(y, m)
    return max(first, start), min(last, end)


def _overdue(ids, today):
    from django.db.models import Count

    return (Matter.objects.filter(department_id__in=ids, current_due__lt=today, status__in=list(OPEN_STATES))
            .values_list("department_id").annotate(n=Count("pk")).order_by())


def indicator_table(unit: Department, start: date, end: date) -> list[dict]:
    figures = figures_for(unit, start, end)
    rows = []
    for m in METRICS:
        fig = figures[m.key].get(unit.pk) or figures[m.key].get(TOTAL)
        rows.append({"metric": m, "figure": fig, "url": _url("assessment:metric", unit, start, end, key=m.key)})
    return rows


def records(unit: Department, start: date, end: date, *, measure: str, category: str = "", channel: str = ""):
    """件数背后的事项（与每日单位事实同一口径：按本单位子树、按日期）。"""
    ids = subtree_ids(unit)
    q = Matter.objects.filter(department_id__in=ids)
    if measure == "received":
        q = q.filter(received_on__range=(start, end))
        if category:
            q = q.filter(category_id=category)
        if channel:
            q = q.filter(petitions__is_repeat=False, petitions__channel=channel)
    elif measure == "replied":
        # 与每日单位事实同一口径：最近一项处理意见的作出日期（见 aggregates._current）
        last_reply = (Opinion.objects.filter(matter=OuterRef("pk"), kind=OpinionKind.REPLY)
                      .order_by("-decided_on", "-id").values("decided_on")[:1])
        q = q.annotate(reply_decided_on=Subquery(last_reply)).filter(reply_decided_on__range=(start, end))
    elif measure == "closed":
        q = q.filter(closed_on__range=(start, end))
    elif measure == "overdue":
        q = q.filter(current_due__lt=clock.today(), status__in=list(OPEN_STATES))
    elif measure == "supervised":
        q = q.filter(orders__status=OrderStatus.OPEN, orders__targets__role="lead",
                     orders__targets__department_id__in=ids)
    else:
        return Matter.objects.none()
    return q.order_by("-received_on", "-pk").distinct()


MEASURE_LABELS = {"received": "收到", "replied": "答复", "closed": "办结", "overdue": "当前超期",
                  "supervised": "督办中"}


def open_warnings(user, unit: Department, *, limit: int = 10) -> list:
    """本单位子树里未关闭的上升与热点预警（有预警模块时），最新的在前，每条链到预警页。"""
    from django.apps import apps

    if not apps.is_installed("xinfang.warning"):
        return []
    from xinfang.warning.models import OPEN_STATES as OPEN_WARNINGS, WarningKind
    from xinfang.warning.selectors import visible_warnings

    q = visible_warnings(user).filter(status__in=OPEN_WARNINGS, kind__in=(WarningKind.RISE, WarningKind.HOT_ISSUE))
    if unit.parent_id:
        q = q.filter(department__path__startswith=unit.path)
    return list(q.order_by("-created_at")[:limit])


STAFF_METRICS = ("acceptance_notice_on_time", "handling_on_time", "first_time_resolution", "return_visit_rate",
                 "satisfaction_rate", "screening_completion", "screening_on_time")


def staff_table(unit: Department, start: date, end: date, *, as_of: date | None = None) -> list[dict]:
    """按承办人（排查按办案民警）统计的主要指标：本单位子树内的人员，有数据的才列出。根部门不列（人太多）。"""
    from xinfang.org.models import Staff

    if not unit.parent_id:
        return []
    as_of = as_of or clock.today()
    key = f"assessment:staff:{unit.pk}:{unit.path}:{start}:{end}:{as_of}"
    figures = cache.get(key)
    if figures is None:
        figures = compute_period(start, end, as_of=as_of, department_ids=subtree_ids(unit), group_by="handler",
                                 rollup=False)
        figures = {k: figures[k] for k in STAFF_METRICS}
        cache.set(key, figures, CACHE_SECONDS)
    people = {s.pk: s for s in Staff.objects.filter(department__path__startswith=unit.path).order_by("name")}
    rows = []
    for pk, person in people.items():
        cells = [(BY_KEY_[k], figures[k].get(pk)) for k in STAFF_METRICS]
        if any(f is not None for _, f in cells):
            rows.append({"staff": person, "cells": cells})
    return rows
