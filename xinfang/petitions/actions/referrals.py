"""转送、交办来的事项（《信访工作条例》第二十二条、第二十三条）。

- 登记来文：哪个机关转送或交办、何时收到、来文编号；交办的写明上报办结报告的期限（第二十二条）。
- 异议：不属于本机关职权范围的，自收到之日起5个工作日内提出，详细说明理由（第二十三条）；
  经转送、交办机关核实同意后交还材料，不同意的继续办理。逾5个工作日不再接受异议（本机关应当办理）。
- 办结报告：交办的事项答复后，向交办机关提交办结报告（文书 + 记录）。
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch

from xinfang.audit.services import plain, record
from xinfang.core import clock
from xinfang.core.calendar import current_calendar
from xinfang.org import permissions

from .. import documents, events
from ..models import DocumentKind, Matter, MatterEvent, Referral, ReferralKind, Status
from ..selectors import visible_matters
from ..workflow import ActionNotAllowed, transition
from .opinions import check_date

OBJECTION_WORKDAYS = 5
_ART22 = "《信访工作条例》第二十二条"  # 交办：指定期限内反馈结果、提交办结报告
_ART23 = "《信访工作条例》第二十三条"  # 转送、交办来的：5个工作日内提出异议


def objection_closes(received_on: date) -> date:
    """提出异议的截止日：收到之日起5个工作日（第二十三条），按节假日表计。"""
    return current_calendar().add_workdays(received_on, OBJECTION_WORKDAYS)


@transaction.atomic
def record_referral(matter: Matter, *, by, kind: str, source: str, received_on: date, reference: str = "",
                    report_due: date | None = None) -> Referral:
    """登记事项是上级或其他机关转送、交办来的：来文机关、收到日期、来文编号；交办的有办结报告期限。"""
    errors = {}
    if kind not in ReferralKind.values:
        errors["kind"] = "请选择转送或交办"
    if not (source or "").strip():
        errors["source"] = f"请写明转送、交办机关的全称（{_ART22}、第二十三条）"
    if kind == ReferralKind.ASSIGN and report_due is None:
        errors["report_due"] = f"交办的事项须写明交办机关指定的办结报告期限（{_ART22}）"
    if errors:
        raise ValidationError(errors)
    locked = visible_matters(by).select_for_update(of=("self",)).filter(pk=matter.pk).first()
    if locked is None:
        raise ValidationError({"__all__": "信访事项不存在"})
    if refused := permissions.refusal(by, "matter.referral", locked):
        raise ActionNotAllowed(refused)
    if Referral.objects.filter(matter=locked).exists():
        raise ActionNotAllowed("该事项已登记过转送、交办来文。")
    check_date(received_on, field="received_on", label="收到转送、交办日期", after=None, basis=_ART23)
    if report_due is not None and report_due < received_on:
        raise ValidationError({"report_due": f"办结报告期限（{report_due:%Y-%m-%d}）不能早于收到日期"
                                             f"（{received_on:%Y-%m-%d}）（{_ART22}）"})
    referral = Referral.objects.create(
        matter=locked, kind=kind, source=source.strip()[:150], reference=(reference or "").strip()[:100],
        received_on=received_on, report_due=report_due if kind == ReferralKind.ASSIGN else None,
        objection_closes=objection_closes(received_on), created_by=by, created_at=clock.now(),
    )
    MatterEvent.objects.create(matter=locked, at=clock.now(), actor=by, action="referral",
                               from_status=locked.status, to_status=locked.status,
                               reason=f"{referral.source}{referral.get_kind_display()}",
                               data={k: plain(v) for k, v in events.referral_recorded(referral).items()})
    record(actor=by, action="matter.referral", obj=locked, changes={
        "source": [None, referral.source], "kind": [None, kind], "received_on": [None, received_on.isoformat()],
        "report_due": [None, report_due.isoformat() if referral.report_due else None]})
    return referral


def _referral(m: Matter) -> Referral:
    referral = Referral.objects.filter(matter=m).first()
    if referral is None:
        raise ActionNotAllowed("该事项不是转送、交办来的（未登记来文），不能提出异议；不属本机关职权范围的，"
                               f"请转送有权处理的机关（{_ART23}）。")
    return referral


@transaction.atomic
def object_to_referral(matter: Matter, *, by, reason: str, on: date | None = None,
                       expected_version: int | None = None) -> Matter:
    """提出异议：收到之日起5个工作日内，详细说明理由；出具异议书，等待转送、交办机关核实。"""
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise ValidationError({"reason": f"请详细说明不属于本机关职权范围的理由（至少10个字，{_ART23}）"})
    on = on or clock.today()
    holder = {}

    def apply(m: Matter) -> dict:
        referral = holder["referral"] = _referral(m)
        check_date(on, field="on", label="提出异议日期", after=referral.received_on, after_label="收到转送、交办日期",
                   basis=_ART23)
        closes = referral.objection_closes or objection_closes(referral.received_on)
        if on > closes:
            raise ValidationError({"on": f"提出异议的期限已于 {closes:%Y-%m-%d} 届满（收到之日起5个工作日，{_ART23}），"
                                         "本机关应当办理该事项"})
        referral.objected_on, referral.objection_reason = on, reason
        referral.save(update_fields=["objected_on", "objection_reason"])
        return events.referral_objected(referral)

    matter = transition(matter, "object_referral", by=by, expected_version=expected_version, reason=reason,
                        apply=apply)
    referral = holder["referral"]
    referral.objection_document = documents.issue_document(matter, DocumentKind.OBJECTION, by=by)
    referral.save(update_fields=["objection_document"])
    return matter


def _answer(matter: Matter, *, by, agreed: bool, on: date, note: str, expected_version) -> Matter:
    action = "objection_agreed" if agreed else "objection_refused"

    def apply(m: Matter) -> dict:
        referral = _referral(m)
        check_date(on, field="on", label="收到核实结果日期", after=referral.objected_on, after_label="提出异议日期",
                   basis=_ART23)
        referral.objection_agreed, referral.objection_answered_on = agreed, on
        referral.save(update_fields=["objection_agreed", "objection_answered_on"])
        if agreed:
            m.closed_on = on
        return events.objection_answered(referral)

    return transition(matter, action, by=by, expected_version=expected_version, reason=(note or "").strip(),
                      apply=apply)


@transaction.atomic
def objection_agreed(matter: Matter, *, by, on: date | None = None, note: str = "",
                     expected_version: int | None = None) -> Matter:
    """转送、交办机关核实同意：交还相关材料，本机关不再办理。"""
    return _answer(matter, by=by, agreed=True, on=on or clock.today(), note=note, expected_version=expected_version)


@transaction.atomic
def objection_refused(matter: Matter, *, by, on: date | None = None, note: str = "",
                      expected_version: int | None = None) -> Matter:
    """转送、交办机关不同意异议：继续办理，告知受理的期限仍自收到之日起算。"""
    return _answer(matter, by=by, agreed=False, on=on or clock.today(), note=note, expected_version=expected_version)


@transaction.atomic
def report_completion(matter: Matter, *, by, text: str, expected_version: int | None = None) -> Matter:
    """向交办机关提交办结报告（第二十二条）：记下报告日期与内容，出具办结报告。"""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": f"请填写办结报告的内容（{_ART22}）"})
    holder = {}

    def apply(m: Matter) -> dict:
        referral = holder["referral"] = Referral.objects.filter(matter=m, kind=ReferralKind.ASSIGN).first()
        if referral is None:
            raise ActionNotAllowed(f"该事项不是上级交办的，无需提交办结报告（{_ART22}）。")
        if referral.reported_on is not None:
            raise ActionNotAllowed(f"办结报告已于 {referral.reported_on:%Y-%m-%d} 提交。")
        referral.reported_on, referral.report_text = clock.today(), text
        referral.save(update_fields=["reported_on", "report_text"])
        return events.completion_reported(referral)

    matter = transition(matter, "report_completion", by=by, expected_version=expected_version, apply=apply)
    referral = holder["referral"]
    referral.report_document = documents.issue_document(matter, DocumentKind.COMPLETION_REPORT, by=by)
    referral.save(update_fields=["report_document"])
    return matter


def reports_due(user, *, limit: int = 50) -> list[Referral]:
    """工作台：本人可见的交办事项中尚未提交办结报告的，按报告期限先后。"""
    # 从待报告的交办出发（报告期限索引），可见性与状态按每条交办的事项主键核对（EXISTS），事项另取一次。
    # 不写成 matter__in=可见事项、也不 JOIN 事项表：那样 SQLite 会先扫完整张事项表、逐行跑协办子查询
    # （10 万件时工作台每次约半秒，百万件时数秒），而待报告的交办总共没几条。
    visible = visible_matters(user).filter(pk=OuterRef("matter_id")).exclude(status=Status.RETURNED)
    return list(Referral.objects.filter(Exists(visible), kind=ReferralKind.ASSIGN,
                                        reported_on__isnull=True, report_due__isnull=False)
                .prefetch_related(Prefetch("matter", Matter.objects.only("number", "title")))
                .order_by("report_due", "id")[:limit])
