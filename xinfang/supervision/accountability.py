"""责任追究（《信访工作条例》第四十四条至第四十六条）：从办理记录中发现线索、认定或不予追究、落实。

线索的来源：
- 超过期限未办结：由期限扫描（sweep）提出；
- 办理不当的事项又来了集体访或越级访、复查推翻了原处理意见：本模块按 id 顺序增量读取
  ``petitions.MatterEvent``（游标记在 core 的 JobCursor 里），不用信号，信访模块也不必知道本模块。

"办理不当"指：该事项已有未被否定（非"不予追究"）的追责线索，或来访时已经超期。
只有审计（纪检）人员与局领导能看到、认定这些记录；其他人一律 404。
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse

from xinfang.audit.services import record
from xinfang.core import clock, cursors
from xinfang.org.access import has_role
from xinfang.org.models import RoleCode, Staff
from xinfang.petitions import events as petition_events, organs
from xinfang.petitions.models import Matter, MatterEvent, Opinion, OpinionKind, ReviewOutcome

from . import notifications
from .models import AccountabilityRecord, Ground, Kind, Measure, RecordStatus

CURSOR = "matter-events"
REVIEW_EVENTS = ("issue_review", "record_external_review")
# 告知受理与否的动作（第二十三条的15日）与作出意见的动作（第三十四条至第三十六条的期限）：做得晚了，
# 动作发生时即提出线索，不必等扫描。
ACCEPTANCE_EVENTS = ("accept", "decline", "transfer", "divert")
DECISION_EVENTS = ("approve_reply", "issue_review", "issue_re_review")
WATCHED = ("register", "repeat", *REVIEW_EVENTS, *ACCEPTANCE_EVENTS, *DECISION_EVENTS)
ACCOUNTABILITY_ROLES = (RoleCode.AUDITOR, RoleCode.BUREAU_LEADER)


# -- 谁能看 ------------------------------------------------------------------------------


def may_see(user) -> bool:
    return has_role(user, *ACCOUNTABILITY_ROLES)


def records_for(user) -> QuerySet[AccountabilityRecord]:
    """可见的责任追究记录：审计员与局领导看全部，其他人什么也看不到（视图据此答 404）。"""
    if not may_see(user):
        raise Http404("记录不存在")
    return AccountabilityRecord.objects.select_related("matter", "department", "decided_by")


def access_record(user, pk: int) -> AccountabilityRecord:
    try:
        return records_for(user).get(pk=pk)
    except AccountabilityRecord.DoesNotExist:
        raise Http404("记录不存在") from None


# -- 线索 --------------------------------------------------------------------------------


def _mishandled(matter: Matter, event: MatterEvent) -> bool:
    if AccountabilityRecord.objects.filter(matter=matter).exclude(status=RecordStatus.DISMISSED).exists():
        return True
    return matter.current_due is not None and matter.current_due < clock.local_date(event.at)


def _opinion(event: MatterEvent) -> Opinion | None:
    pk = (event.data or {}).get(petition_events.OPINION_ID)
    return Opinion.objects.filter(pk=pk).select_related("deciding_organ").first() if pk else None


def _overturned(event: MatterEvent, matter: Matter) -> bool:
    """复查意见变更或撤销了原处理意见（读意见行的结论）。"""
    opinion = _opinion(event)
    return opinion is not None and opinion.review_outcome in (ReviewOutcome.VARY, ReviewOutcome.QUASH)


def _late(event: MatterEvent, matter: Matter) -> list[tuple[str, str, int | None]]:
    """动作本身晚了：告知超期（第四十四条第三项）、办结超期（第四十五条第一项），归到当时负责的机关。"""
    day = clock.local_date(event.at)
    if event.action in ACCEPTANCE_EVENTS:
        due = matter.acceptance_due
        if due is None or day <= due:
            return []
        organ = (event.data or {}).get(petition_events.ORGAN_ID) or organs.organ_of(matter.department).pk
        return [(Ground.ACCEPTANCE_LATE, f"告知超期：应于 {due:%Y-%m-%d} 前书面告知信访人是否受理，"
                                         f"{day:%Y-%m-%d} 才告知（《信访工作条例》第四十四条第三项）。", organ)]
    if event.action in DECISION_EVENTS:
        opinion = _opinion(event)
        due = {"approve_reply": matter.handling_due, "issue_review": matter.review_due,
               "issue_re_review": matter.re_review_due}[event.action]
        if opinion is None or due is None or opinion.decided_on <= due:
            return []
        what = opinion.get_kind_display()
        return [(Ground.HANDLING_LATE, f"办结超期：{what}应于 {due:%Y-%m-%d} 前作出，{opinion.decided_on:%Y-%m-%d} 才作出"
                                       f"（《信访工作条例》第四十五条第一项）。", opinion.deciding_organ_id)]
    return []


def _grounds(event: MatterEvent, matter: Matter) -> list[tuple[str, str]]:
    data = event.data or {}
    if event.action in ACCEPTANCE_EVENTS or (event.action in DECISION_EVENTS and event.action not in REVIEW_EVENTS):
        return []
    if event.action in REVIEW_EVENTS:
        if _overturned(event, matter):
            opinion = _opinion(event)
            reply = matter.opinions.filter(kind=OpinionKind.REPLY).order_by("-decided_on", "-id").first()
            original = reply.get_decision_display() if reply and reply.decision else "（无）"
            return [(Ground.OVERTURNED, f"原处理意见“{original}”，{opinion.organ_name}的复查意见为"
                                        f"“{opinion.get_review_outcome_display()}”。")]
        return []
    found = []
    if data.get("collective") and _mishandled(matter, event):
        found.append((Ground.COLLECTIVE, "办理不当的事项又来集体访。"))
    if data.get("skip_level") and _mishandled(matter, event):
        found.append((Ground.SKIP_LEVEL, "办理不当的事项又来越级访。"))
    return found


def scan_events(*, batch: int = 2000) -> int:
    """读取游标之后（含安全窗口，见 core.cursors.drain）的新办理记录，提出追责线索、复查推翻时重开已办结的
    督办单；返回新提的线索数。重读到的事件不会重复提线索（按事件与依据的唯一键），也不会重复重开。"""
    from .orders import reopen_overturned

    def handle(events: list[MatterEvent]) -> int:
        proposed = 0
        now = clock.now()
        for event in events:
            matter = Matter.objects.select_related("department").get(pk=event.matter_id)
            for ground, detail in _grounds(event, matter):
                proposed += _propose(matter, event, ground, detail, now)
            for ground, detail, organ_id in _late(event, matter):
                proposed += _propose(matter, event, ground, detail, now, department_id=organ_id)
            if event.action in REVIEW_EVENTS and _overturned(event, matter):
                reopen_overturned(matter, event=event)
        return proposed

    return cursors.drain(CURSOR, MatterEvent.objects.filter(action__in=WATCHED), handle, batch=batch)


def _propose(matter: Matter, event: MatterEvent, ground: str, detail: str, now, *,
             department_id: int | None = None) -> int:
    key = f"event:{event.pk}:{ground}"
    record_, created = AccountabilityRecord.objects.get_or_create(key=key, defaults=dict(
        matter=matter, department_id=department_id or matter.department_id, ground=ground, detail=detail,
        source_event=event, proposed_at=now,
    ))
    if not created:
        return 0
    record(actor=None, action="accountability.propose", obj=record_,
           changes={"matter": [None, matter.number], "ground": [None, ground]})
    people = Staff.objects.filter(roles__code__in=ACCOUNTABILITY_ROLES, is_active=True).values_list("pk", flat=True)
    notifications.create([
        notifications.Draft(recipient_id=pk, kind=Kind.ACCOUNTABILITY, matter_id=matter.pk,
                            title=f"责任追究线索：{matter.number} {Ground(ground).label}",
                            url=reverse("supervision:record", args=[record_.pk]))
        for pk in set(people)
    ], now=now)
    return 1


# -- 认定与落实 --------------------------------------------------------------------------


def _decider(by) -> None:
    if not may_see(by):
        raise Http404("记录不存在")


def _reason(reason: str) -> str:
    if not reason.strip():
        raise ValidationError({"reason": "请写明理由：认定或不予追究都须说明依据。"})
    return reason.strip()


def _locked(record_: AccountabilityRecord, *allowed: str) -> AccountabilityRecord:
    locked = AccountabilityRecord.objects.select_for_update().get(pk=record_.pk)
    if locked.status not in allowed:
        raise ValidationError({"__all__": f"该记录当前为“{locked.get_status_display()}”，不能再作此处理。"})
    return locked


@transaction.atomic
def confirm_record(record_: AccountabilityRecord, *, by, reason: str, responsible: Iterable[Staff],
                   measures: Iterable[str]) -> AccountabilityRecord:
    """认定应予追究：写明理由，点名责任人，定下追责措施（批评教育、通报、约谈……）。"""
    _decider(by)
    reason = _reason(reason)
    responsible, measures = list(responsible), list(dict.fromkeys(measures))
    if not responsible:
        raise ValidationError({"responsible": "请至少指明一名责任人。"})
    unknown = [m for m in measures if m not in Measure.values]
    if not measures or unknown:
        raise ValidationError({"measures": "请选择追责措施。" if not unknown else f"未知的追责措施：{'、'.join(unknown)}"})
    locked = _locked(record_, RecordStatus.PROPOSED)
    locked.status, locked.reason, locked.measures = RecordStatus.CONFIRMED, reason, measures
    locked.decided_by, locked.decided_at = by, clock.now()
    locked.save()
    locked.responsible.set(responsible)
    record(actor=by, action="accountability.confirm", obj=locked, changes={
        "status": [RecordStatus.PROPOSED, RecordStatus.CONFIRMED], "reason": [None, reason],
        "responsible": [None, sorted(str(p) for p in responsible)], "measures": [None, measures],
    })
    return locked


@transaction.atomic
def dismiss_record(record_: AccountabilityRecord, *, by, reason: str) -> AccountabilityRecord:
    """不予追究：须写明理由。"""
    _decider(by)
    reason = _reason(reason)
    locked = _locked(record_, RecordStatus.PROPOSED)
    locked.status, locked.reason, locked.decided_by, locked.decided_at = (
        RecordStatus.DISMISSED, reason, by, clock.now())
    locked.save()
    record(actor=by, action="accountability.dismiss", obj=locked,
           changes={"status": [RecordStatus.PROPOSED, RecordStatus.DISMISSED], "reason": [None, reason]})
    return locked


@transaction.atomic
def complete_record(record_: AccountabilityRecord, *, by, note: str) -> AccountabilityRecord:
    """追责措施落实到位：写明落实情况。"""
    _decider(by)
    if not note.strip():
        raise ValidationError({"note": "请写明措施落实情况。"})
    locked = _locked(record_, RecordStatus.CONFIRMED)
    locked.status, locked.completion_note, locked.completed_at = RecordStatus.COMPLETED, note.strip(), clock.now()
    locked.save()
    record(actor=by, action="accountability.complete", obj=locked,
           changes={"status": [RecordStatus.CONFIRMED, RecordStatus.COMPLETED], "note": [None, note.strip()]})
    return locked
