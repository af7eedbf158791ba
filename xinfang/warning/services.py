"""预警的写操作：提出、确认、关闭。每个都在一个事务里写审计记录。"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from xinfang.audit.services import record
from xinfang.core import clock

from .models import Disposition, OfficerDisposition, Warning, WarningKind, WarningStatus


def raise_warning(*, kind: WarningKind, key: str, title: str, detail: str, department=None,
                  period_start: date | None = None, observed: float | None = None, expected: float | None = None,
                  upper: float | None = None, petition_ids: Iterable[int] = (), petitioners: int | None = None,
                  suggestion: str = "", officer_no: str = "", level: str = "",
                  notify: bool = False) -> Warning | None:
    """提出一条预警；同一去重键已有的返回 None（检测任务重复运行不重复预警）。

    ``notify``：同时给该单位负责人与分管领导发站内通知（及其选择的短信、邮件渠道）。
    """
    if Warning.objects.filter(key=key).exists():
        return None
    try:
        with transaction.atomic():
            warning = Warning.objects.create(
                kind=kind, key=key, title=title[:200], detail=detail, department=department,
                period_start=period_start, observed=observed, expected=expected, upper=upper,
                petitioners=petitioners, suggestion=suggestion, officer_no=officer_no, level=level,
                created_at=clock.now(),
            )
            ids = list(petition_ids)
            if ids:
                warning.petitions.add(*ids)
            record(actor=None, action="warning.raise", obj=warning)
            if notify:
                _notify_heads(warning)
    except IntegrityError:  # 两个任务同时提出同一预警：只留一条
        return None
    return warning


def responsible_people(department) -> list[int]:
    """该单位的负责人与分管信访的领导（部门配置的 head、petition_leader，另加该单位的单位负责人角色）；
    无单位的预警给分管领导与局领导。"""
    from xinfang.org.models import RoleCode, Staff

    people = Staff.objects.filter(is_active=True)
    if department is None:
        return sorted(set(people.filter(roles__code__in=[RoleCode.LEADER, RoleCode.BUREAU_LEADER])
                          .values_list("pk", flat=True)))
    named = {pk for pk in (department.head_id, department.petition_leader_id) if pk}
    heads = set(people.filter(roles__code=RoleCode.UNIT_HEAD, department=department).values_list("pk", flat=True))
    return sorted(heads | set(people.filter(pk__in=named).values_list("pk", flat=True)))


def _notify_heads(warning: Warning) -> None:
    from django.urls import reverse

    from xinfang.supervision import notifications
    from xinfang.supervision.models import Kind

    url = reverse("warning:detail", args=[warning.pk])
    body = warning.detail + (f"\n建议：{warning.suggestion}" if warning.suggestion else "")
    notifications.create([
        notifications.Draft(recipient_id=pk, kind=Kind.WARNING, title=f"预警：{warning.title}"[:200], body=body, url=url,
                            data={"warning": warning.pk})
        for pk in responsible_people(warning.department)
    ])


def record_disposition(warning: Warning, *, by, disposition: str, note: str = "") -> OfficerDisposition:
    """主管领导对"民警需要支持"预警的决定（谈心谈话 / 培训 / 调整岗位 / 误报）；同时关闭该预警。

    决定与提示时的分数、级别一起保留，作为日后评估提示的标签。任何提示都不是处分。
    """
    note = (note or "").strip()
    if warning.kind != WarningKind.OFFICER_SUPPORT:
        raise ValidationError({"disposition": "只有“民警需要支持”的预警需要记录处置决定"})
    if disposition not in Disposition.values:
        raise ValidationError({"disposition": "处置：请选择谈心谈话、培训、调整岗位或误报"})
    if disposition == Disposition.REASSIGN and len(note) < 4:
        raise ValidationError({"note": "说明：调整岗位须写明理由（至少 4 个字）"})
    label = Disposition(disposition).label
    with transaction.atomic():
        locked = Warning.objects.select_for_update().get(pk=warning.pk)
        if OfficerDisposition.objects.filter(warning=locked).exists():
            raise ValidationError({"disposition": "该预警已记录处置决定"})
        if locked.status == WarningStatus.CLOSED:
            raise ValidationError({"status": "该预警已关闭"})
        decision = OfficerDisposition.objects.create(
            warning=locked, officer_no=locked.officer_no, disposition=disposition, note=note,
            score=locked.observed, level=locked.level, decided_by=by, decided_at=clock.now(),
        )
        record(actor=by, action="warning.disposition", obj=locked,
               changes={"disposition": ["", disposition], "note": ["", note]})
        close_warning(locked, by=by, outcome=f"处置：{label}" + (f"。{note}" if note else ""))
    return decision


def acknowledge_warning(warning: Warning, *, by) -> Warning:
    """确认：表示有人接手处置。"""
    with transaction.atomic():
        warning = Warning.objects.select_for_update().get(pk=warning.pk)
        if warning.status != WarningStatus.OPEN:
            raise ValidationError({"status": f"该预警当前为“{warning.get_status_display()}”，不能再确认"})
        warning.status = WarningStatus.ACKNOWLEDGED
        warning.acknowledged_at = clock.now()
        warning.acknowledged_by = by
        warning.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
        record(actor=by, action="warning.acknowledge", obj=warning,
               changes={"status": [WarningStatus.OPEN, WarningStatus.ACKNOWLEDGED]})
    return warning


def close_warning(warning: Warning, *, by, outcome: str) -> Warning:
    """关闭：写明做了什么（如"已联合答复并公开说明"、"经核实为误报"）。"""
    outcome = (outcome or "").strip()
    if len(outcome) < 4:
        raise ValidationError({"outcome": "处置情况：请写明做了什么（至少 4 个字）"})
    with transaction.atomic():
        warning = Warning.objects.select_for_update().get(pk=warning.pk)
        if warning.status == WarningStatus.CLOSED:
            raise ValidationError({"status": "该预警已关闭"})
        before = warning.status
        now = clock.now()
        if warning.acknowledged_at is None:
            warning.acknowledged_at, warning.acknowledged_by = now, by
        warning.status = WarningStatus.CLOSED
        warning.closed_at, warning.closed_by, warning.outcome = now, by, outcome
        warning.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "closed_at", "closed_by",
                                    "outcome"])
        record(actor=by, action="warning.close", obj=warning,
               changes={"status": [before, WarningStatus.CLOSED], "outcome": ["", outcome]})
    return warning
