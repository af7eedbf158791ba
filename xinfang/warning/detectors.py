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

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from xinfang.core import clock
from xinfang.core.calendar import current_calendar
from xinfang.ml.spikes import DetectorOptions, detect_last
from xinfang.ml.warning_cli import _holiday_share
from xinfang.org.models import Department, DepartmentKind
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
    window = Petition.objects.filter(received_at__gte=_start_of(first),
                                     received_at__lt=_start_of(last_week + timedelta(days=7)))
    series: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0] * weeks)
    # One grouped query per series family (key × local day), summed into weeks here: the database
    # counts, Python only sees one row per key and day instead of one per petition.
    day = _local_day("received_at")
    # Department series are the handling units' (大队、中队) only: a matter not yet assigned, or closed at
    # registration (不予受理、转送、分流), sits with the petition office or the leaders' desk, whose counts
    # say how much was received, not that something rose in one unit's work — the category series cover that.
    handling = {"matter__department__kind__in": (DepartmentKind.BRIGADE, DepartmentKind.SQUADRON)}
    for family, field, only in (("department", "matter__department_id", handling),
                                ("category", "matter__category_id", {})):
        rows = (window.filter(**{f"{field}__isnull": False}, **only).annotate(day=day).order_by()
                .values_list(field, "day").annotate(n=Count("id")))
        for key, local_day, n in rows.iterator(chunk_size=20000):
            series[(family, key)][(local_day - first).days // 7] += n
    return dict(series)


def _local_day(field: str):
    """The local calendar day of a timestamp, computed by the database. On SQLite, Django's TruncDate
    calls a Python function per row; Asia/Shanghai keeps one UTC offset (no DST since 1991), so the
    native date(ts, '+480 minutes') gives the same day at C speed. Elsewhere (PostgreSQL) TruncDate."""
    from django.db import connection
    from django.db.models import DateField, F, Func, Value

    zone = timezone.get_current_timezone()
    if connection.vendor == "sqlite":
        offsets = {zone.utcoffset(datetime(year, month, 1)) for year in range(2000, 2041) for month in (1, 7)}
        if len(offsets) == 1:
            minutes = int(offsets.pop().total_seconds() // 60)
            return Func(F(field), Value(f"{minutes:+d} minutes"), function="date", output_field=DateField())
    return TruncDate(field, tzinfo=zone)


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


def _sensitive_hot(today: date):
    """敏感时期里共同诉求预警的人数（``thresholds(...).hot_petitioners``），按单位缓存；None：不在时期内。"""
    from .periods import thresholds

    cache: dict[int | None, int | None] = {}

    def hot(department_id: int | None) -> int | None:
        if department_id not in cache:
            cache[department_id] = thresholds(department_id, today).hot_petitioners
        return cache[department_id]

    return hot


_METHOD_TEXT = {
    "farrington": "方法：改进 Farrington 准泊松模型。",
    "local": "方法：近期局部准泊松模型（历史不足两年）。",
    "cusum": "方法：负二项累积和（历史不足两年）。",
}


def _count(value: float) -> str:
    """预期件数：小于 10 时保留一位小数（"预期约 0.1 件"，不写成"约 0 件"）。"""
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"


def _raise_rise(kind, pk, week: date, result, departments, categories) -> int:
    if kind == "department":
        department = departments.get(pk)
        where, filters = str(department), {"matter__department_id": pk}
    else:
        department = None
        where, filters = f"类别“{categories.get(pk)}”", {"matter__category_id": pk}
    # 两周合并检验报警的（单看本周未过线，连同上周一起过线），说的是两周，列的也是两周的信访件。
    pair = result.reason == "pair"
    since = week - timedelta(days=7) if pair else week
    petitions = list(Petition.objects.filter(received_at__gte=_start_of(since),
                                             received_at__lt=_start_of(week + timedelta(days=7)), **filters)
                     .order_by("received_at").values_list("pk", flat=True)[:MAX_LISTED])
    if pair:
        observed, expected, upper = result.pair_observed, result.pair_expected, result.pair_upper
        span = f"{since:%Y年%m月%d日}起两周"
    else:
        observed, expected, upper = result.observed, result.expected, result.upper
        span = f"{week:%Y年%m月%d日}起一周"
    ratio = observed / expected if expected > 0 else None
    detail = (f"{span}，{where}收到信访 {observed} 件，"
              f"按往年同期与近期趋势预期约 {_count(expected)} 件"
              + (f"（{ratio:.1f} 倍）" if ratio else "")
              + f"，超过预警线 {upper:.0f} 件。"
              + _METHOD_TEXT.get(result.method, "")
              + "请研判是否为苗头性、倾向性问题，及早化解。")
    warning = raise_warning(
        kind=WarningKind.RISE, key=f"rise:{kind}:{pk}:week:{week.isoformat()}",
        title=f"{where}信访件上升：{'近两周' if pair else ''}{observed} 件，预期约 {_count(expected)} 件",
        detail=detail, department=department, period_start=week,
        observed=observed, expected=expected, upper=upper, petition_ids=petitions,
    )
    return 1 if warning else 0


def run_daily() -> int:
    """SCHEDULE 的入口：每天运行全部检测器。"""
    return run_rise_detection() + run_hot_issue_detection() + run_officer_flags()


# ----------------------------------------------------------------------------- shared grievances


HOT_SUGGESTION = ("同一问题多人反映：建议由单位负责人牵头统一研判，一次联合答复全部信访人；"
                  "涉及政策或设施的，向社会公开说明；诉求分歧较大的，召开听证。")


def run_hot_issue_detection(today: date | None = None, *, window_days: int | None = None,
                            min_petitioners: int | None = None) -> int:
    """近 ``window_days`` 天的信访件按问题聚类；不同信访人达到 ``min_petitioners`` 的问题，
    在成为集体访之前预警该单位负责人与分管领导，并建议联合处置。返回新提出的预警数。

    信访人只计数（用信访件的信访人关联区分"不同的人"），从不列出、不追踪。
    """
    import hashlib

    from django.conf import settings

    from xinfang.ml.hot import Message, hot_issues

    today = today or clock.today()
    window_days = window_days or settings.HOT_ISSUE_WINDOW_DAYS
    min_petitioners = min_petitioners or settings.HOT_ISSUE_PETITIONERS
    since = _start_of(today - timedelta(days=window_days))
    rows = list(Petition.objects.filter(received_at__gte=since, received_at__lt=_start_of(today + timedelta(days=1)))
                .values_list("pk", "content", "matter_id", "received_at", "matter__department_id",
                             "involved_department_id"))
    if not rows:
        return 0
    first_petitioner = dict(
        Petition.petitioners.through.objects.filter(petition_id__in=[r[0] for r in rows])
        .order_by("petition_id", "petitioner_id").values_list("petition_id", "petitioner_id"))
    messages = [Message(str(pk), content[:30], content, f"p{first_petitioner.get(pk, f'm{matter}')}",
                        clock.localtime(at).replace(tzinfo=None))
                for pk, content, matter, at, _dept, _involved in rows]
    department_of = {str(pk): dept or involved for pk, _c, _m, _a, dept, involved in rows}
    issues = hot_issues(messages, top=len(messages))
    departments = Department.objects.in_bulk({d for d in department_of.values() if d})
    sensitive = _sensitive_hot(today)
    raised = 0
    for issue in issues:
        counts: dict[int, int] = defaultdict(int)
        for mid in issue.message_ids:
            if department_of.get(mid):
                counts[department_of[mid]] += 1
        department = departments.get(max(counts, key=counts.get)) if counts else None
        # 敏感时期里该单位（无单位时看全局时期）更紧的人数；平时的设置仍是上限。
        tighter = sensitive(department.pk if department else None)
        needed = min(min_petitioners, tighter) if tighter else min_petitioners
        if issue.petitioners < needed:
            continue
        digest = hashlib.sha1(f"{issue.place}|{issue.description}".encode()).hexdigest()[:16]
        where = issue.place or (str(department) if department else "")
        detail = (f"近 {window_days} 天{('“' + where + '”') if where else ''}有 {issue.petitioners} 名信访人"
                  f"反映同一问题（{len(issue.message_ids)} 件，{issue.first:%m月%d日}至{issue.last:%m月%d日}）："
                  f"{issue.description}。达到预警人数 {needed}"
                  + ("（敏感时期）" if tighter and tighter < min_petitioners else "")
                  + "，请在形成集体访之前统一化解。")
        warning = raise_warning(
            kind=WarningKind.HOT_ISSUE, key=f"hot:{department.pk if department else 0}:{digest}",
            title=f"共同诉求：{issue.description}（{issue.petitioners} 人）", detail=detail, department=department,
            period_start=today - timedelta(days=window_days), observed=len(issue.message_ids),
            petitioners=issue.petitioners, suggestion=HOT_SUGGESTION,
            petition_ids=[int(m) for m in issue.message_ids[:MAX_LISTED]], notify=True,
        )
        raised += 1 if warning else 0
    log.info("热点检测：%s 件信访，%s 个问题，新预警 %s 条", len(rows), len(issues), raised)
    return raised


# ----------------------------------------------------------------------------- officers


def officer_activity(today: date, days: int = 180) -> list:
    """近 ``days`` 天每位民警的执法量（执法案件，导入了才有）与涉及该民警的投诉件数；同类组为办案单位。"""
    from django.db.models import Count

    from xinfang.ml.officers import OfficerActivity
    from xinfang.screening.models import EnforcementCase

    since = _start_of(today - timedelta(days=days))
    until = _start_of(today + timedelta(days=1))
    complaints = dict(Petition.objects.filter(received_at__gte=since, received_at__lt=until)
                      .exclude(involved_officer="").order_by().values_list("involved_officer")
                      .annotate(n=Count("id")))
    actions: dict[str, list] = {}
    for officer_no, department_id, n in (EnforcementCase.objects.filter(decided_at__gte=since, decided_at__lt=until)
                                         .order_by().values_list("officer_no", "department_id")
                                         .annotate(n=Count("id"))):
        entry = actions.setdefault(officer_no, [department_id, 0])
        entry[1] += n
    if not actions:
        return []  # no exposure: flags without it would flag the busy (issue: normalised by exposure)
    return [OfficerActivity(no, str(dept), float(n), int(complaints.get(no, 0))) for no, (dept, n) in actions.items()]


def run_officer_flags(today: date | None = None) -> int:
    """民警需要支持：按执法量与同类组的经验贝叶斯率（xinfang.ml.officers）；warning / critical 写成预警。"""
    from xinfang.ml.officers import flag_officers

    today = today or clock.today()
    activity = officer_activity(today)
    if not activity:
        return 0
    departments = Department.objects.in_bulk({int(a.peer_group) for a in activity})
    quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    raised = 0
    for flag in flag_officers(activity):
        if flag.level == "none":
            continue
        department = departments.get(int(flag.peer_group))
        label = "严重" if flag.level == "critical" else "提示"
        warning = raise_warning(
            kind=WarningKind.OFFICER_SUPPORT, key=f"officer:{flag.officer_no}:{quarter.isoformat()}",
            title=f"民警 {flag.officer_no} 可能需要支持（{label}）", detail=flag.reasons, department=department,
            period_start=today - timedelta(days=180), observed=round(flag.score, 3), expected=1.0,
            officer_no=flag.officer_no, level=flag.level,
            suggestion="由主管领导研判：谈心谈话、培训、调整岗位，或认定误报。提示不是处分。",
        )
        raised += 1 if warning else 0
    return raised
