"""办理：开始办理、办理记录、听证、起草与审批答复（《信访工作条例》第三十二条）、延期与办结（第三十四条）。"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from xinfang.audit.services import record
from xinfang.core import clock
from xinfang.org import permissions

from .. import documents, events, organs
from ..models import DeliveryMethod, DocumentKind, Matter, MatterEvent, OpinionKind, Outcome
from ..selectors import visible_matters
from ..workflow import OPEN_STATES, ActionNotAllowed, transition
from . import intake_rules
from .opinions import RequestDecision, check_date, check_items, create_opinion, record_delivery

MAX_EXTENSION_DAYS = 30


@transaction.atomic
def start_handling(matter: Matter, *, by, expected_version: int | None = None) -> Matter:
    """开始办理；尚未指定承办人时，由开始办理的人承办。"""

    def apply(m: Matter) -> dict:
        if m.handler_id is None:
            # 回避（第二十八条）：被反映的民警不能因为"谁开始办理谁承办"而成了自己的承办人。
            if problem := intake_rules.recusal_problem(m.petitions.values_list("involved_officer", flat=True), by):
                raise ValidationError({"handler": problem})
            m.handler = by
        return events.handler_set(m.handler.name)

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


def hearing_started(on: date, *, after: date | None, after_label: str, basis: str):
    """听证开始：记下开始日期（须在上一节点与今天之间）。办理与复核阶段共用。"""

    def apply(m: Matter) -> dict:
        check_date(on, field="on", label="听证开始日期", after=after(m) if callable(after) else after,
                   after_label=after_label, basis=basis)
        m.hearing_started_on = on
        return events.hearing_started(on)

    return apply


def hearing_ended(on: date, paused_field: str | None):
    """听证结束：复核阶段所用天数记入 `paused_field`，不计入复核期限（第三十六条）；
    办理阶段为 None——办理期间的听证不停60日办理期限（第三十四条），天数只记在事件里。"""

    def apply(m: Matter) -> dict:
        check_date(on, field="on", label="听证结束日期", after=m.hearing_started_on, after_label="听证开始日期")
        days = (on - m.hearing_started_on).days
        if paused_field:
            setattr(m, paused_field, getattr(m, paused_field) + days)
        m.hearing_started_on = None
        return events.hearing_ended(on, days)

    return apply


@transaction.atomic
def start_hearing(matter: Matter, *, by, on: date | None = None, expected_version: int | None = None) -> Matter:
    """组织听证。办理期间的听证不停止60日办理期限（《信访工作条例》第三十四条），超过设定天数在事项页标出。"""
    return transition(matter, "start_hearing", by=by, expected_version=expected_version,
                      apply=hearing_started(on or clock.today(), after=lambda m: m.accepted_on,
                                            after_label="受理日期（办理期限自此起算）",
                                            basis="《信访工作条例》第三十四条"))


@transaction.atomic
def end_hearing(matter: Matter, *, by, on: date | None = None, expected_version: int | None = None) -> Matter:
    """结束听证（办理期限照常计算）。"""
    return transition(matter, "end_hearing", by=by, expected_version=expected_version,
                      apply=hearing_ended(on or clock.today(), None))


@transaction.atomic
def draft_reply(
    matter: Matter, *, by, outcome: str, text: str, compensation: bool = False, apology: bool = False,
    correction: bool = False, items: list[RequestDecision] = (), expected_version: int | None = None,
) -> Matter:
    """起草处理意见（予以支持 / 解释说明 / 不予支持，《信访工作条例》第三十二条）及补救措施，送单位负责人审批。

    一件信访提出几项请求的，``items`` 逐项写明决定（部分支持的写明支持的部分）。
    """
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": "请选择处理意见：予以支持、解释说明或不予支持（《信访工作条例》第三十二条）"})
    if not text.strip():
        raise ValidationError({"text": "请填写答复内容"})
    items = list(items or ())
    check_items(items, outcome)
    if (compensation or apology or correction) and outcome != Outcome.SUPPORT:
        raise ValidationError({"outcome": "赔偿、道歉、纠正只能随“予以支持”的意见作出（《信访工作条例》第三十二条）"})

    def apply(m: Matter) -> dict:
        m.outcome, m.reply_text = outcome, text.strip()
        m.remedy_compensation, m.remedy_apology, m.remedy_correction = compensation, apology, correction
        m.reply_items = [{"request": i.request, "decision": i.decision, "supported_part": i.supported_part}
                         for i in items]
        return events.reply_drafted(outcome, compensation, apology, correction)

    return transition(matter, "draft_reply", by=by, expected_version=expected_version, apply=apply)


@transaction.atomic
def return_draft(matter: Matter, *, by, reason: str, expected_version: int | None = None) -> Matter:
    """退回答复草稿，写明修改意见。"""
    if not reason.strip():
        raise ValidationError({"reason": "请写明退回理由"})
    return transition(matter, "return_draft", by=by, expected_version=expected_version, reason=reason.strip())


@transaction.atomic
def approve_reply(matter: Matter, *, by, delivered_on: date | None = None, delivery_method: str = "",
                  delivery_proof: str = "", expected_version: int | None = None, approval_note: str = "") -> Matter:
    """审批并答复：以承办单位所属机关的名义作出处理意见（一行 Opinion），生成处理意见书。

    ``approval_note`` 是负责人的审批意见，记在审批事件的说明里（时间线上可见）。

    复查请求期限自信访人收到之日起算（第三十五条）：另行"登记送达"；当场交给信访人的，
    可随审批一并登记（给出 ``delivered_on``、方式与凭证）。
    """
    holder: dict = {}

    def apply(m: Matter) -> dict:
        organ = organs.organ_of(m.department)
        items = [RequestDecision(i["request"], i["decision"], i.get("supported_part", "")) for i in m.reply_items]
        holder["opinion"] = opinion = create_opinion(
            m, kind=OpinionKind.REPLY, organ=organ, by=by, decision=m.outcome, text=m.reply_text,
            remedies=(m.remedy_compensation, m.remedy_apology, m.remedy_correction), items=items,
        )
        return events.opinion_issued(opinion)

    matter = transition(matter, "approve_reply", by=by, expected_version=expected_version,
                        reason=approval_note.strip(), apply=apply)
    opinion = holder["opinion"]
    opinion.document = documents.issue_document(matter, DocumentKind.REPLY, by=by, opinion=opinion,
                                                organ=opinion.deciding_organ)
    opinion.save(update_fields=["document"])
    if delivered_on is not None:
        matter = record_delivery(matter, by=by, method=delivery_method or DeliveryMethod.IN_PERSON,
                                 delivered_on=delivered_on, proof=delivery_proof or "当场签收", opinion=opinion)
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
        if m.handling_due is not None and m.handling_due < clock.today():
            raise ActionNotAllowed(f"办理期限已于 {m.handling_due:%Y-%m-%d} 届满，不能再延期："
                                   "延长办理期限须在期限内批准（《信访工作条例》第三十四条）。")
        m.extension_days = days
        return events.extended(days, reason.strip())

    matter = transition(matter, "extend", by=by, expected_version=expected_version, reason=reason.strip(), apply=apply)
    documents.issue_document(matter, DocumentKind.EXTENSION, by=by, extra={"延期理由": reason.strip()})
    return matter


@transaction.atomic
def close_matter(matter: Matter, *, by, expected_version: int | None = None) -> Matter:
    """办结。"""

    def apply(m: Matter) -> dict:
        m.closed_on = clock.today()
        return events.closed(m.closed_on)

    return transition(matter, "close", by=by, expected_version=expected_version, apply=apply)
