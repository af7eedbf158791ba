"""每日预警任务：把信访库里的周计数交给 xinfang.ml.spikes，上升的写成预警。

序列：每个责任单位、每个类别各一条周序列（周一起算，Asia/Shanghai 日期），最长取近 5 年；
节假日与调休按部署的工作日历（chinesecalendar 加管理员维护的表）作为协变量。只判断最近一个
完整的周：每天运行，周一产生新的判断，其余几天重复运行不会重复预警（去重键）。
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from django.db.models import F
from django.utils import timezone

from xinfang.core import clock
from xinfang.core.calendar import current_calendar
from xinfang.ml.spikes import DetectorOptions, detect_last
from xinfang.ml.warning_cli import _holiday_share
from xinfang.org.models import Department
from xinfang.petitions.models import Category, Petition

from .models import WarningKind
from .services import raise_warning

log = logging.getLogger("xinfang.warning")

HISTORY_WEEKS = 5 * 52 + 3
MAX_LISTED = 200  # petitions attached to one warning


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def weekly_series(last_week: date, weeks: int = HISTORY_WEEKS) -> dict[tuple[str, int], list[int]]:
    """{("department"|"category", id): [count per week, oldest first]} for the ``weeks`` weeks ending ``last_week``."""
    first = last_week - timedelta(weeks=weeks - 1)
    rows = (Petition.objects
            .filter(received_at__gte=_start_of(first), received_at__lt=_start_of(last_week + timedelta(days=7)))
            .values_list("received_at", F("matter__department_id"), F("matter__category_id")))
    series: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0] * weeks)
    for received_at, department_id, category_id in rows.iterator(chunk_size=20000):
        index = (clock.local_date(received_at) - first).days // 7
        if department_id:
            series[("department", department_id)][index] += 1
        if category_id:
            series[("category", category_id)][index] += 1
    return dict(series)


def run_rise_detection(today: date | None = None) -> int:
    """检测最近一个完整周的上升；返回新提出的预警数。"""
    today = today or clock.today()
    last_week = _monday(today) - timedelta(days=7)
    series = weekly_series(last_week)
    if not series:
        return 0
    first = last_week - timedelta(weeks=HISTORY_WEEKS - 1)
    calendar = current_calendar()
    holiday = [_holiday_share(first + timedelta(weeks=i), 7, calendar) for i in range(HISTORY_WEEKS)]
    departments = Department.objects.in_bulk([k for kind, k in series if kind == "department"])
    categories = Category.objects.in_bulk([k for kind, k in series if kind == "category"])
    options = DetectorOptions(period="week")
    sensitive = _sensitive_alpha(today)
    raised = 0
    for (kind, pk), counts in series.items():
        # Leading weeks before the first petition of the series are not history: cut them off.
        start = next((i for i, c in enumerate(counts) if c), len(counts))
        counts, hol = counts[start:], holiday[start:]
        if len(counts) < 2:
            continue
        alpha = sensitive(pk if kind == "department" else None)
        result = detect_last(counts, options if alpha is None else replace(options, alpha=alpha), holiday=hol)
        if not result.alarm:
            continue
        raised += _raise_rise(kind, pk, last_week, result, departments, categories)
    log.info("上升检测：%s 条序列，新预警 %s 条", len(series), raised)
    return raised


def _sensitive_alpha(today: date):
    """敏感时期里更敏感的预警线（该时期设置的显著性水平）；类别序列只看全局的时期。按单位缓存。"""
    from .periods import thresholds

    cache: dict[int | None, float | None] = {}

    def alpha(department_id: int | None) -> float | None:
        if department_id not in cache:
            cache[department_id] = thresholds(department_id, today).rise_alpha
        return cache[department_id]

    return alpha


def _raise_rise(kind, pk, week: date, result, departments, categories) -> int:
    if kind == "department":
        department = departments.get(pk)
        where, filters = str(department), {"matter__department_id": pk}
    else:
        department = None
        where, filters = f"类别“{categories.get(pk)}”", {"matter__category_id": pk}
    petitions = list(Petition.objects.filter(received_at__gte=_start_of(week),
                                             received_at__lt=_start_of(week + timedelta(days=7)), **filters)
                     .order_by("received_at").values_list("pk", flat=True)[:MAX_LISTED])
    ratio = result.observed / result.expected if result.expected > 0 else None
    detail = (f"{week:%Y年%m月%d日}起一周，{where}收到信访 {result.observed} 件，"
              f"按往年同期与近期趋势预期约 {result.expected:.1f} 件"
              + (f"（{ratio:.1f} 倍）" if ratio else "")
              + f"，超过预警线 {result.upper:.0f} 件。"
              + ("方法：改进 Farrington 准泊松模型。" if result.method == "farrington" else "方法：负二项累积和（历史不足两年）。")
              + "请研判是否为苗头性、倾向性问题，及早化解。")
    warning = raise_warning(
        kind=WarningKind.RISE, key=f"rise:{kind}:{pk}:week:{week.isoformat()}",
        title=f"{where}信访件上升：{result.observed} 件，预期约 {result.expected:.0f} 件",
        detail=detail, department=department, period_start=week,
        observed=result.observed, expected=result.expected, upper=result.upper, petition_ids=petitions,
    )
    return 1 if warning else 0


def run_daily() -> int:
    """SCHEDULE 的入口：每天运行全部检测器。"""
    return run_rise_detection()
