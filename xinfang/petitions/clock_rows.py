"""事项页右侧的"时限"表：还在走的写剩几天；走完了的写在哪天完成、按期还是逾期，不再倒数。"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

# 每个期限由哪些事件完成（取最早一次）。复查、复核申请截止是信访人的期限：请求了就算"已请求"。
_DONE_BY = {
    "acceptance_due": ("accept", "decline", "transfer", "divert"),
    "handling_due": ("approve_reply",),
    "review_due": ("issue_review", "record_external_review"),
    "re_review_due": ("issue_re_review", "record_external_re_review"),
}
_WINDOWS = {"review_request_closes": "review_requested_on", "re_review_request_closes": "re_review_requested_on"}
_ROWS = (
    ("告知受理期限", "acceptance_due"), ("办理期限", "handling_due"),
    ("复查申请截止", "review_request_closes"), ("复查期限", "review_due"),
    ("复核申请截止", "re_review_request_closes"), ("复核期限", "re_review_due"),
)


@dataclass(frozen=True)
class ClockRow:
    label: str
    due: date
    state: str  # running / overdue / met / missed / requested / lapsed
    text: str
    done_on: date | None = None


def rows(matter, events, today: date) -> list[ClockRow]:
    """events：事项的事件（已取出的列表，按时间先后）。"""
    first: dict[str, date] = {}
    for event in events:
        first.setdefault(event.action, timezone.localdate(event.at))
    out = []
    for label, column in _ROWS:
        due = getattr(matter, column)
        if not due:
            continue
        if column in _WINDOWS:
            asked = getattr(matter, _WINDOWS[column])
            if asked:
                out.append(ClockRow(label, due, "requested", f"已于 {asked:%Y-%m-%d} 请求", asked))
            elif due < today:
                out.append(ClockRow(label, due, "lapsed", "已届满，未请求"))
            else:
                out.append(ClockRow(label, due, "running", f"剩 {(due - today).days} 天"))
            continue
        done = [first[a] for a in _DONE_BY[column] if a in first]
        if done:
            on = min(done)
            if on <= due:
                out.append(ClockRow(label, due, "met", f"按期：{on:%Y-%m-%d} 完成", on))
            else:
                out.append(ClockRow(label, due, "missed", f"逾期 {(on - due).days} 天：{on:%Y-%m-%d} 完成", on))
        elif due < today:
            out.append(ClockRow(label, due, "overdue", f"已超期 {(today - due).days} 天"))
        else:
            out.append(ClockRow(label, due, "running", f"剩 {(due - today).days} 天"))
    return out + _referral_rows(matter, today)


def _referral_rows(matter, today: date) -> list[ClockRow]:
    """转送、交办来文的两个期限：提出异议截止（第二十三条，只在待受理时）与交办办结报告期限（第二十二条）。"""
    from .models import Referral, Status

    referral = Referral.objects.filter(matter=matter).first()
    if referral is None:
        return []
    out = []
    if matter.status == Status.REGISTERED and referral.objected_on is None and referral.objection_closes:
        due = referral.objection_closes
        out.append(ClockRow("提出异议截止（第二十三条）", due, "lapsed" if due < today else "running",
                            "已届满" if due < today else f"剩 {(due - today).days} 天"))
    if referral.report_due:
        due, on = referral.report_due, referral.reported_on
        if on:
            out.append(ClockRow("交办办结报告期限（第二十二条）", due, "met" if on <= due else "missed",
                                f"{'按期' if on <= due else f'逾期 {(on - due).days} 天'}：{on:%Y-%m-%d} 报告", on))
        elif due < today:
            out.append(ClockRow("交办办结报告期限（第二十二条）", due, "overdue", f"已超期 {(today - due).days} 天"))
        else:
            out.append(ClockRow("交办办结报告期限（第二十二条）", due, "running", f"剩 {(due - today).days} 天"))
    return out
