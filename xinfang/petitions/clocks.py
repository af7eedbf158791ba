"""事项上的期限列：由起算日期重新计算并存储（可索引），每次状态变化都调用 `recompute`。"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings

from xinfang.core.calendar import current_calendar
from xinfang.core.workcalendar import WorkCalendar

from . import deadlines
from .models import Matter, MatterType, Status

# 办理期间的听证不停 60 日办理期限（《信访工作条例》第三十四条；只有复核的听证不计入期限，第三十六条）。
HANDLING_STATES = frozenset({Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS, Status.HEARING,
                             Status.REPLY_DRAFTED})


def recompute(matter: Matter, *, calendar: WorkCalendar | None = None) -> Matter:
    """按事项记录的起算日期算出各期限，并据状态定出"当前期限"。只改内存中的对象，由调用方保存。"""
    calendar = calendar or current_calendar()
    limits = settings.DEADLINE_LIMITS
    provisional: list[str] = []

    def compute(field: str, start: date | None, fn, **kwargs) -> date | None:
        if start is None:
            return None
        result = fn(start, calendar=calendar, limits=limits, **kwargs)
        if result.provisional:
            provisional.append(field)
        return result.day

    matter.acceptance_due = compute("acceptance_due", matter.received_on, deadlines.acceptance_due)
    # 只有申诉求决类走60日办理期限（《信访工作条例》第三十一条第六项、第三十四条）；办理中的听证不停钟。
    runs_handling = matter.matter_type == MatterType.COMPLAINT
    matter.handling_due = compute("handling_due", matter.accepted_on if runs_handling else None,
                                  deadlines.handling_due, extension_days=matter.extension_days)
    matter.review_request_closes = compute(
        "review_request_closes", matter.reply_delivered_on, deadlines.review_request_closes)
    matter.review_due = compute("review_due", matter.review_requested_on, deadlines.review_due)
    matter.re_review_request_closes = compute(
        "re_review_request_closes", matter.review_delivered_on, deadlines.re_review_request_closes)
    matter.re_review_due = compute(
        "re_review_due", matter.re_review_requested_on, deadlines.re_review_due,
        paused_days=matter.re_review_paused_days,
    )
    matter.current_due = current_due(matter)
    matter.provisional_dues = ",".join(provisional)
    # 暂定与否看当前阶段那一个时钟：已确定的办理期限不因复查申请截止日落在未录入的年份而"暂定"。
    matter.due_provisional = current_clock(matter) in provisional
    return matter


def provisional_clocks(matter: Matter) -> frozenset[str]:
    """期限列中按推算的节假日算出、尚待国务院通知确认的那些（列名）。"""
    return frozenset(name for name in matter.provisional_dues.split(",") if name)


def current_clock(matter: Matter) -> str | None:
    """当前阶段在走的时钟（期限列名）；听证中、已办结、已分流等没有时钟在走的状态为 None。"""
    # 异议待核实期间，告知受理的期限照走：不因本机关提出异议而让信访人多等（第二十三条）。
    if matter.status in (Status.REGISTERED, Status.OBJECTED):
        return "acceptance_due"
    if matter.status in HANDLING_STATES:
        return "handling_due"
    if matter.status == Status.REVIEWING:
        return "review_due"
    if matter.status == Status.RE_REVIEWING:
        return "re_review_due"
    return None


def current_due(matter: Matter) -> date | None:
    """当前阶段的期限；复核听证中、已转送系统外机关、已办结、已分流等没有本系统的时钟在走的状态为 None。"""
    clock = current_clock(matter)
    return None if clock is None else getattr(matter, clock)


def hearing_overlong(matter: Matter, today: date, *, limit_days: int | None = None) -> int | None:
    """听证已开了多少天，超过 XINFANG_HEARING_FLAG_DAYS（默认30日）时返回天数，否则 None。

    办理期间的听证不停钟，开得太久会拖垮60日期限；复核听证虽不计入期限，也不能无限期拖着。
    """
    if matter.hearing_started_on is None or matter.status not in (Status.HEARING, Status.RE_REVIEW_HEARING):
        return None
    limit = limit_days if limit_days is not None else getattr(settings, "HEARING_FLAG_DAYS", 30)
    days = (today - matter.hearing_started_on).days
    return days if days > limit else None


def days_left(due: date | None, today: date) -> int | None:
    return None if due is None else (due - today).days


def light(due: date | None, today: date, *, calendar: WorkCalendar | None = None) -> str:
    """红黄绿：已过期限为红；距期限不足 N 个工作日为黄；否则绿。无期限为空串。"""
    if due is None:
        return ""
    if due < today:
        return "red"
    calendar = calendar or current_calendar()
    if calendar.add_workdays(today, settings.WARNING_WORKDAYS) >= due:
        return "yellow"
    return "green"


@dataclass(frozen=True)
class ClockLabel:
    due: date | None
    light: str
    text: str


def describe(due: date | None, today: date, *, calendar: WorkCalendar | None = None) -> ClockLabel:
    """界面上的期限：红黄绿与"剩 3 天 / 今天到期 / 超期 5 天"。"""
    left = days_left(due, today)
    if left is None:
        text = ""
    elif left < 0:
        text = f"超期 {-left} 天"
    elif left == 0:
        text = "今天到期"
    else:
        text = f"剩 {left} 天"
    return ClockLabel(due, light(due, today, calendar=calendar), text)
