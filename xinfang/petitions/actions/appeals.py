"""复查（《信访工作条例》第三十五条）与复核（第三十六条），以及复核后的不再受理。

- 复查由作出处理意见的机关的上一级机关作出，复核由复查机关的上一级机关作出（``organs``）；
  原办理机关的人员不能作出。上一级机关在系统外的，请求按名称转送，登记转送日期与其答复。
- 请求期限自信访人收到（送达）之日起算；尚未登记送达的，期限尚未起算，请求照收。
- 逾期的请求也登记，并出具不予受理告知书写明期限届满之日；期限届满日是暂定的（该年放假安排
  尚未录入），不据以拒收：受理并标记。
- 办结不截断仍在期内的请求权：已办结的事项仍可在期内请求复查、复核。
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from xinfang.core import clock
from xinfang.core.calendar import current_calendar

from .. import deadlines, documents, events, organs
from ..models import AppealRequest, DocumentKind, Matter, MatterType, Opinion, OpinionKind, Outcome, ReviewOutcome
from ..workflow import ActionNotAllowed, transition
from .handling import hearing_ended, hearing_started
from .opinions import check_date, create_opinion

# 复查依第三十五条，复核依第三十六条。
_ARTICLE = {OpinionKind.REVIEW: "《信访工作条例》第三十五条", OpinionKind.RE_REVIEW: "《信访工作条例》第三十六条"}
_WHAT = {OpinionKind.REVIEW: "复查", OpinionKind.RE_REVIEW: "复核"}


class _Late(Exception):
    def __init__(self, closes: date):
        self.closes = closes


def _earlier_opinion(m: Matter, kind: str) -> Opinion | None:
    earlier = OpinionKind.REPLY if kind == OpinionKind.REVIEW else OpinionKind.REVIEW
    return organs.latest_opinion(m, earlier)


def _window(m: Matter, kind: str) -> tuple[date | None, bool]:
    """请求期限届满日与它是否暂定；尚未送达（期限未起算）为 (None, False)。"""
    received = m.reply_delivered_on if kind == OpinionKind.REVIEW else m.review_delivered_on
    if received is None:
        return None, False
    fn = deadlines.review_request_closes if kind == OpinionKind.REVIEW else deadlines.re_review_request_closes
    # 请求期限是信访人的权利，不受本地时限表影响（deadlines.validate_limits 也拒绝缩短它）。
    result = fn(received, calendar=current_calendar())
    return result.day, result.provisional


def _register(m: Matter, kind: str, requested_on: date, reason: str) -> AppealRequest:
    """登记请求（无论是否逾期）；返回请求行。逾期且期限不是暂定的，抛 _Late。"""
    what, basis = _WHAT[kind], _ARTICLE[kind]
    if m.matter_type != MatterType.COMPLAINT:
        raise ActionNotAllowed(f"{m.get_matter_type_display()}事项没有{what}：复查、复核只适用于申诉求决类事项的处理意见"
                               f"（《信访工作条例》第三十一条第六项、{basis[len('《信访工作条例》'):]}）。")
    earlier = _earlier_opinion(m, kind)
    if earlier is None:
        raise ActionNotAllowed(f"尚无可请求{what}的意见。")
    if kind == OpinionKind.REVIEW and m.review_requested_on is not None:
        raise ActionNotAllowed("该事项已经复查过，不能再次请求复查；对复查意见不服的，可请求复核（《信访工作条例》第三十六条）。")
    if kind == OpinionKind.RE_REVIEW and m.re_review_requested_on is not None:
        raise ActionNotAllowed("该事项已经复核过，同一事实和理由不再受理（《信访工作条例》第三十六条）。")
    check_date(requested_on, field="requested_on", label=f"收到{what}请求日期", after=earlier.decided_on,
               after_label=f"{earlier.get_kind_display()}作出日期", basis=basis)
    closes, provisional = _window(m, kind)
    late = closes is not None and requested_on > closes
    organ = organs.review_organ(m) if kind == OpinionKind.REVIEW else organs.re_review_organ(m)
    request = AppealRequest.objects.create(
        matter=m, kind=kind, requested_on=requested_on, reason=reason.strip(), window_closes=closes,
        window_provisional=provisional and late, is_late=late and not provisional,
        deciding_organ=organ if isinstance(organ, organs.Department) else None,
        external_organ="" if isinstance(organ, organs.Department) else (
            organ.name if organ else "上一级机关（未在系统中登记，请管理员在部门中填写系统外的上级机关）"),
        created_at=clock.now(),
    )
    return request


def _request(matter: Matter, kind: str, *, by, requested_on, reason, expected_version, via_portal) -> Matter:
    requested_on = requested_on or clock.today()
    action = "request_review" if kind == OpinionKind.REVIEW else "request_re_review"
    holder: dict = {}

    def apply(m: Matter) -> dict:
        request = _register(m, kind, requested_on, reason)
        if request.is_late:
            holder["late"] = request
            raise _Late(request.window_closes)
        if kind == OpinionKind.REVIEW:
            m.review_requested_on = requested_on
        else:
            m.re_review_requested_on = requested_on
        m.deciding_organ = request.deciding_organ
        return events.appeal_registered(request)

    try:
        return transition(matter, action, by=by, expected_version=expected_version, reason=reason, apply=apply,
                          via_portal=via_portal)
    except _Late:
        pass
    # 逾期：请求已登记（上面 apply 在改事项之前抛出，未写任何别的东西），改走“不予受理”一行，
    # 事项状态不变，出具写明期限届满日的告知书。
    request = holder["late"]
    refuse = "refuse_late_review" if kind == OpinionKind.REVIEW else "refuse_late_re_review"
    matter = transition(matter, refuse, by=by, reason=reason, apply=lambda m: events.appeal_registered(request),
                        via_portal=via_portal)
    # 告知书由决定机关发出；决定机关在系统外时，由收到请求的本系统机关发出：复查请求为原办理机关，
    # 复核请求为复查机关（复查机关也在系统外时退回原办理机关）。
    organ = request.deciding_organ
    if organ is None and kind == OpinionKind.RE_REVIEW:
        review = organs.latest_opinion(matter, OpinionKind.REVIEW)
        organ = review.deciding_organ if review is not None else None
    organ = organ or organs.replying_organ(matter)
    request.refusal_document = documents.issue_document(matter, DocumentKind.LATE_APPEAL, by=by, request=request,
                                                        organ=organ)
    request.save(update_fields=["refusal_document"])
    return matter


@transaction.atomic
def request_review(matter: Matter, *, by, requested_on: date | None = None, reason: str = "",
                   expected_version: int | None = None, via_portal: bool = False) -> Matter:
    """登记复查请求：复查期限自收到请求之日起算（第三十五条）。逾期的照样登记，并出具不予受理告知书。

    信访人本人经门户请求时 by=None、via_portal=True（见 workflow.transition）。
    """
    return _request(matter, OpinionKind.REVIEW, by=by, requested_on=requested_on, reason=reason,
                    expected_version=expected_version, via_portal=via_portal)


@transaction.atomic
def request_re_review(matter: Matter, *, by, requested_on: date | None = None, reason: str = "",
                      expected_version: int | None = None, via_portal: bool = False) -> Matter:
    """登记复核请求：须在收到复查意见之日起 30 日内（第三十六条）；逾期的登记并出具不予受理告知书。"""
    return _request(matter, OpinionKind.RE_REVIEW, by=by, requested_on=requested_on, reason=reason,
                    expected_version=expected_version, via_portal=via_portal)


def _pending_request(m: Matter, kind: str) -> AppealRequest:
    request = m.appeal_requests.filter(kind=kind, is_late=False).order_by("-requested_on", "-id").first()
    if request is None:
        raise ActionNotAllowed(f"没有待办理的{_WHAT[kind]}请求。")
    return request


def _check_review(review_outcome: str, decision: str, text: str) -> str:
    if review_outcome not in ReviewOutcome.values:
        raise ValidationError({"review_outcome": "请选择结论：维持、变更或撤销并责令重新办理"})
    if review_outcome == ReviewOutcome.VARY and decision not in Outcome.values:
        raise ValidationError({"decision": "变更原意见的，请选择新的决定：予以支持、解释说明或不予支持"
                                           "（《信访工作条例》第三十二条）"})
    if not text.strip():
        raise ValidationError({"text": "请填写意见内容"})
    return text.strip()


def _decision_after(m: Matter, kind: str, review_outcome: str, decision: str) -> str:
    """本意见生效后的第三十二条决定：维持即原决定，变更为新决定，撤销为空（等待重新办理）。"""
    if review_outcome == ReviewOutcome.UPHOLD:
        earlier = _earlier_opinion(m, kind)
        return earlier.decision if earlier else ""
    return decision if review_outcome == ReviewOutcome.VARY else ""


def _not_decider(kind: str, m: Matter) -> ActionNotAllowed:
    return ActionNotAllowed(organs.decider_refusal(m))


def _decide(matter: Matter, kind: str, *, by, review_outcome: str, text: str, decision: str, remedies,
            expected_version) -> Matter:
    text = _check_review(review_outcome, decision, text)
    if review_outcome != ReviewOutcome.VARY:
        decision = ""
    if any(remedies) and not (review_outcome == ReviewOutcome.VARY and decision == Outcome.SUPPORT):
        raise ValidationError({"decision": "赔偿、道歉、纠正只能随变更为“予以支持”的意见作出（《信访工作条例》第三十二条）"})
    action = "issue_review" if kind == OpinionKind.REVIEW else "issue_re_review"
    holder: dict = {}

    def apply(m: Matter) -> dict:
        # 决定机关的规则与权限表里的"决定机关"范围一致（organs.may_decide）。
        if not organs.may_decide(by, m):
            raise _not_decider(kind, m)
        request = _pending_request(m, kind)
        organ = organs.pending_organ(m)
        holder["opinion"] = opinion = create_opinion(
            m, kind=kind, organ=organ, by=by, decision=_decision_after(m, kind, review_outcome, decision),
            text=text, review_outcome=review_outcome, remedies=tuple(remedies), request=request,
        )
        if kind == OpinionKind.RE_REVIEW:
            m.closed_on = clock.today()
        return events.opinion_issued(opinion)

    matter = transition(matter, action, by=by, expected_version=expected_version, apply=apply)
    opinion = holder["opinion"]
    doc_kind = DocumentKind.REVIEW if kind == OpinionKind.REVIEW else DocumentKind.RE_REVIEW
    opinion.document = documents.issue_document(matter, doc_kind, by=by, opinion=opinion, request=opinion.request,
                                                organ=opinion.deciding_organ)
    opinion.save(update_fields=["document"])
    return matter


@transaction.atomic
def issue_review(matter: Matter, *, by, review_outcome: str, text: str, decision: str = "",
                 compensation: bool = False, apology: bool = False, correction: bool = False,
                 expected_version: int | None = None) -> Matter:
    """复查机关出具复查意见书：维持 / 变更（写明新的决定）/ 撤销并责令重新办理。

    复核请求期限自复查意见送达之日起算（另行登记送达）。
    """
    return _decide(matter, OpinionKind.REVIEW, by=by, review_outcome=review_outcome, text=text, decision=decision,
                   remedies=(compensation, apology, correction), expected_version=expected_version)


@transaction.atomic
def issue_re_review(matter: Matter, *, by, review_outcome: str, text: str, decision: str = "",
                    compensation: bool = False, apology: bool = False, correction: bool = False,
                    expected_version: int | None = None) -> Matter:
    """复核机关出具复核意见书：信访事项终结，同一事实和理由不再受理（第三十六条）。"""
    return _decide(matter, OpinionKind.RE_REVIEW, by=by, review_outcome=review_outcome, text=text,
                   decision=decision, remedies=(compensation, apology, correction), expected_version=expected_version)


# -- 上一级机关在系统外：转送与登记其答复 ---------------------------------------------


def _forward(matter: Matter, kind: str, *, by, forwarded_on: date, expected_version) -> Matter:
    action = "forward_review" if kind == OpinionKind.REVIEW else "forward_re_review"

    def apply(m: Matter) -> dict:
        request = _pending_request(m, kind)
        if request.deciding_organ_id:
            raise ActionNotAllowed(f"{_WHAT[kind]}机关（{organs.full_name(request.deciding_organ)}）在本系统内，"
                                   f"由它直接作出{_WHAT[kind]}意见，无需转送（{_ARTICLE[kind]}）。")
        check_date(forwarded_on, field="forwarded_on", label="转送日期", after=request.requested_on,
                   after_label=f"收到{_WHAT[kind]}请求日期", basis=_ARTICLE[kind])
        request.forwarded_on = forwarded_on
        request.save(update_fields=["forwarded_on"])
        return events.appeal_forwarded(request)

    return transition(matter, action, by=by, expected_version=expected_version, apply=apply)


@transaction.atomic
def forward_review(matter: Matter, *, by, forwarded_on: date | None = None,
                   expected_version: int | None = None) -> Matter:
    """复查机关不在系统内（如支队的上级公安局）：把复查请求转送该机关，登记转送日期。"""
    return _forward(matter, OpinionKind.REVIEW, by=by, forwarded_on=forwarded_on or clock.today(),
                    expected_version=expected_version)


@transaction.atomic
def forward_re_review(matter: Matter, *, by, forwarded_on: date | None = None,
                      expected_version: int | None = None) -> Matter:
    """复核机关不在系统内：把复核请求转送该机关，登记转送日期。"""
    return _forward(matter, OpinionKind.RE_REVIEW, by=by, forwarded_on=forwarded_on or clock.today(),
                    expected_version=expected_version)


def _record_external(matter: Matter, kind: str, *, by, review_outcome: str, text: str, decision: str,
                     decided_on: date, delivered_on: date | None, expected_version) -> Matter:
    text = _check_review(review_outcome, decision, text)
    action = "record_external_review" if kind == OpinionKind.REVIEW else "record_external_re_review"

    def apply(m: Matter) -> dict:
        request = _pending_request(m, kind)
        check_date(decided_on, field="decided_on", label=f"{_WHAT[kind]}意见作出日期", after=request.forwarded_on,
                   after_label="转送日期", basis=_ARTICLE[kind])
        opinion = create_opinion(
            m, kind=kind, organ=None, external_organ=request.external_organ, by=by,
            decision=_decision_after(m, kind, review_outcome, decision if review_outcome == ReviewOutcome.VARY
                                     else ""),
            text=text, review_outcome=review_outcome, request=request, decided_on=decided_on,
        )
        if delivered_on is not None:
            # 系统外机关自己送达信访人；登记它告知的送达日期，复核请求期限自此起算。
            check_date(delivered_on, field="delivered_on", label="送达日期", after=decided_on,
                       after_label=f"{_WHAT[kind]}意见作出日期", basis=_ARTICLE[kind])
            opinion.delivered_on, opinion.delivery_method = delivered_on, "other"
            opinion.delivery_proof = f"{request.external_organ}告知"
            opinion.save(update_fields=["delivered_on", "delivery_method", "delivery_proof"])
            if kind == OpinionKind.REVIEW:
                m.review_delivered_on = delivered_on
        if kind == OpinionKind.RE_REVIEW:
            m.closed_on = clock.today()
        return events.opinion_issued(opinion)

    return transition(matter, action, by=by, expected_version=expected_version, apply=apply)


@transaction.atomic
def record_external_review(matter: Matter, *, by, review_outcome: str, text: str, decided_on: date,
                           decision: str = "", delivered_on: date | None = None,
                           expected_version: int | None = None) -> Matter:
    """登记系统外上级机关的复查意见（其文书由该机关发出，这里只登记结论、内容与日期）。"""
    return _record_external(matter, OpinionKind.REVIEW, by=by, review_outcome=review_outcome, text=text,
                            decision=decision, decided_on=decided_on, delivered_on=delivered_on,
                            expected_version=expected_version)


@transaction.atomic
def record_external_re_review(matter: Matter, *, by, review_outcome: str, text: str, decided_on: date,
                              decision: str = "", delivered_on: date | None = None,
                              expected_version: int | None = None) -> Matter:
    """登记系统外上级机关的复核意见：信访事项终结。"""
    return _record_external(matter, OpinionKind.RE_REVIEW, by=by, review_outcome=review_outcome, text=text,
                            decision=decision, decided_on=decided_on, delivered_on=delivered_on,
                            expected_version=expected_version)


@transaction.atomic
def close_review(matter: Matter, *, by, expected_version: int | None = None) -> Matter:
    """复查后不再请求复核（或已表示接受）：办结。请求复核的期限仍在的，办结后照样可以请求。"""

    def apply(m: Matter) -> dict:
        m.closed_on = clock.today()
        m.deciding_organ = None
        return events.closed(m.closed_on)

    return transition(matter, "close_review", by=by, expected_version=expected_version, apply=apply)


@transaction.atomic
def rehandle(matter: Matter, *, by, expected_version: int | None = None) -> Matter:
    """复查撤销原处理意见、责令重新办理：原办理机关重新办理，自今日重新起算60日办理期限（第三十四条）。"""

    def apply(m: Matter) -> dict:
        review = organs.latest_opinion(m, OpinionKind.REVIEW)
        if review is None or review.review_outcome != ReviewOutcome.QUASH:
            raise ActionNotAllowed("只有复查意见撤销原处理意见、责令重新办理的，才能重新办理。")
        m.accepted_on = clock.today()
        m.extension_days = 0
        m.reply_delivered_on = m.review_requested_on = m.review_delivered_on = None
        m.closed_on = None
        m.deciding_organ = None
        m.outcome, m.reply_text, m.reply_items = "", "", []
        m.remedy_compensation = m.remedy_apology = m.remedy_correction = False
        return events.rehandled(m.accepted_on, review)

    return transition(matter, "rehandle", by=by, expected_version=expected_version, apply=apply)


@transaction.atomic
def start_re_review_hearing(matter: Matter, *, by, on: date | None = None, expected_version: int | None = None) -> Matter:
    """复核中组织听证：听证所需时间不计入复核期限（第三十六条）。"""
    return transition(matter, "start_re_review_hearing", by=by, expected_version=expected_version,
                      apply=hearing_started(on or clock.today(), after=lambda m: m.re_review_requested_on,
                                            after_label="收到复核请求日期", basis="《信访工作条例》第三十六条"))


@transaction.atomic
def end_re_review_hearing(matter: Matter, *, by, on: date | None = None, expected_version: int | None = None) -> Matter:
    return transition(matter, "end_re_review_hearing", by=by, expected_version=expected_version,
                      apply=hearing_ended(on or clock.today(), "re_review_paused_days"))


@transaction.atomic
def notify_not_accepted_again(matter: Matter, *, by, expected_version: int | None = None) -> Matter:
    """已终结事项又以同一事实和理由来信访：出具不再受理告知书（状态不变）。"""
    matter = transition(matter, "not_accepted_again", by=by, expected_version=expected_version)
    documents.issue_document(matter, DocumentKind.NOT_ACCEPTED_AGAIN, by=by)
    return matter
