"""预警的写操作：提出、确认、关闭。每个都在一个事务里写审计记录。"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from xinfang.audit.services import record
from xinfang.core import clock

from .models import Warning, WarningKind, WarningStatus


def raise_warning(*, kind: WarningKind, key: str, title: str, detail: str, department=None,
                  period_start: date | None = None, observed: float | None = None, expected: float | None = None,
                  upper: float | None = None, petition_ids: Iterable[int] = ()) -> Warning | None:
    """提出一条预警；同一去重键已有的返回 None（检测任务重复运行不重复预警）。"""
    if Warning.objects.filter(key=key).exists():
        return None
    try:
        with transaction.atomic():
            warning = Warning.objects.create(
                kind=kind, key=key, title=title[:200], detail=detail, department=department,
                period_start=period_start, observed=observed, expected=expected, upper=upper,
                created_at=clock.now(),
            )
            ids = list(petition_ids)
            if ids:
                warning.petitions.add(*ids)
            record(actor=None, action="warning.raise", obj=warning)
    except IntegrityError:  # 两个任务同时提出同一预警：只留一条
        return None
    return warning


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
