"""办理：开始办理、办理记录、听证、起草与审批答复、延期、办结（《信访工作条例》第三十一条至第三十四条）。"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from xinfang.audit.services import record
from xinfang.core import clock
from xinfang.org import permissions

from .. import documents
from ..models import DocumentKind, Matter, MatterEvent, Outcome
from ..selectors import visible_matters
from ..workflow import OPEN_STATES, ActionNotAllowed, transition

MAX_EXTENSION_DAYS = 30


@transaction.atomic
def start_handling(matter: Matter, *, by, expected_version: int | None = None) -> Matter:
    """开始办理；尚未指定承办人时，由开始办理的人承办。"""

    def apply(m: Matter) -> dict:
        if m.handler_id is None:
            m.handler = by
        return {"handler": m.handler.name}

    return transition(matter, "start", by=by, expected_version=expected_version, apply=apply)


@transaction.atomic
def add_note(matter: Matter, *, by, text: str) -> MatterEvent:
    """记一条调查或办理情况（不改变状态）。"""
    if not text.strip():
        raise ValidationError({"text": "请填写办理情况"})
    matter = visible_matters(by).select_for_update(of=("self",)).get(pk=matter.pk)
    # 审计员看得到却不能写；协办单位可以反馈（见 org/permissions.py 的 matter.note）。
    refused = permissions.refusal(by, "matter.note", matter)
    if refused:
        raise ActionNotAllowed(refused)
    if matter.status not in OPEN_STATES:
        raise ActionNotAllowed(f"事项当前为“{matter.get_status_display()}”，不能再记办理情况。")
    event = MatterEvent.objects.create(matter=matter, at=clock.now(), actor=by, action="note",
                                       from_status=matter.status, to_status=matter.status, reason=text.strip())
    record(actor=by, action="matter.note", obj=matter, changes={"note": [None, text.strip()[:200]]})
    return event


def hearing_started(on: date):
    """听证开始：记下开始日期（期间时钟停止）。办理与复核阶段共用。"""

    def apply(m: Matter) -> dict:
        m.hearing_started_on = on
        return {"hearing_started_on": on}

    return apply


def hearing_ended(on: date, paused_field: str):
    """听证结束：所用天数记入 `paused_field`，不计入期限。办理与复核阶段共用。"""

    def apply(m: Matter) -> dict:
        if on < m.hearing_started_on:
            raise ValidationError({"on": f"听证结束日期不能早于开始日期 {m.hearing_started_on:%Y-%m-%d}"})
        days = (on - m.hearing_started_on).days
        setattr(m, paused_field, getattr(m, paused_field) + days)
        m.hearing_started_on = None
        return {"hearing_days": days}

    return apply


@transaction.atomic
def start_hearing(matter: Matter, *, by, on: date | None = None, expected_version: int | None = None) -> Matter:
    """组织听证：听证期间办理期限停止计算。"""
    return transition(matter, "start_hearing", by=by, expected_version=expected_version,
                      apply=hearing_started(on or clock.today()))


@transaction.atomic
def end_hearing(matter: Matter, *, by, on: date | None = None, expected_version: int | None = None) -> Matter:
    """结束听证：听证所用天数不计入办理期限，期限顺延。"""
    return transition(matter, "end_hearing", by=by, expected_version=expected_version,
                      apply=hearing_ended(on or clock.today(), "paused_days"))


@transaction.atomic
def draft_reply(
    matter: Matter, *, by, outcome: str, text: str, compensation: bool = False, apology: bool = False,
    correction: bool = False, expected_version: int | None = None,
) -> Matter:
    """起草处理意见（支持 / 部分支持 / 不支持 / 解释说明）及补救措施，送单位负责人审批。"""
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": "请选择处理意见"})
    if not text.strip():
        raise ValidationError({"text": "请填写答复内容"})

    def apply(m: Matter) -> dict:
        m.outcome, m.reply_text = outcome, text.strip()
        m.remedy_compensation, m.remedy_apology, m.remedy_correction = compensation, apology, correction
        return {"outcome": outcome, "compensation": compensation, "apology": apology, "correction": correction}

    return transition(matter, "draft_reply", by=by, expected_version=expected_version, apply=apply)


@transaction.atomic
def return_draft(matter: Matter, *, by, reason: str, expected_version: int | None = None) -> Matter:
    """退回答复草稿，写明修改意见。"""
    if not reason.strip():
        raise ValidationError({"reason": "请写明退回理由"})
    return transition(matter, "return_draft", by=by, expected_version=expected_version, reason=reason.strip())


@transaction.atomic
def approve_reply(matter: Matter, *, by, delivered_on: date | None = None, expected_version: int | None = None) -> Matter:
    """审批并答复：生成处理意见书；自送达之日起算复查申请期限。"""
    delivered_on = delivered_on or clock.today()

    def apply(m: Matter) -> dict:
        m.reply_delivered_on = delivered_on
        return {"reply_delivered_on": delivered_on}

    matter = transition(matter, "approve_reply", by=by, expected_version=expected_version, apply=apply)
    documents.issue_document(matter, DocumentKind.REPLY, by=by)
    return matter


@transaction.atomic
def extend_matter(matter: Matter, *, by, days: int, reason: str, expected_version: int | None = None) -> Matter:
    """延期：单位负责人批准，至多 30 日，只批一次；生成延期告知书，把理由告诉信访人（第三十四条）。"""
    if not reason.strip():
        raise ValidationError({"reason": "请写明延期理由，它将告知信访人"})
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise ValidationError({"days": f"延期天数须在 1 至 {MAX_EXTENSION_DAYS} 日之间（《信访工作条例》第三十四条）"})

    def apply(m: Matter) -> dict:
        if m.extension_days:
            raise ActionNotAllowed(f"该事项已延期 {m.extension_days} 日，不能再次延期。")
        m.extension_days = days
        return {"extension_days": days, "reason": reason.strip()}

    matter = transition(matter, "extend", by=by, expected_version=expected_version, reason=reason.strip(), apply=apply)
    documents.issue_document(matter, DocumentKind.EXTENSION, by=by, extra={"延期理由": reason.strip()})
    return matter


@transaction.atomic
def close_matter(matter: Matter, *, by, expected_version: int | None = None) -> Matter:
    """办结。"""

    def apply(m: Matter) -> dict:
        m.closed_on = clock.today()
        return {"closed_on": m.closed_on}

    return transition(matter, "close", by=by, expected_version=expected_version, apply=apply)
