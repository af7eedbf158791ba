"""测试用：按给定的日期直接造出一件事项及其信访件、事件、回访、督办单。

考核只读事实（facts.py），与这些事实是经界面一步步办出来的还是直接写入的无关；
期限列仍由 clocks.recompute 按工作日历算出，与应用办理时一致。
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from itertools import count

from django.utils import timezone

from xinfang.core import clock
from xinfang.petitions import clocks
from xinfang.petitions.models import (
    Channel, ExecutionItem, Matter, MatterEvent, MatterType, Opinion, OpinionKind, Petition, Status as S,
)
from xinfang.portal.models import ReplyKind, ReturnVisit
from xinfang.supervision.models import OrderFeedback, OrderLevel, OrderTarget, SupervisionOrder, TargetRole

_numbers = count(1)


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def make_matter(department, received: date, *, status: str = S.ACCEPTED, decision: tuple | None = None,
                accepted: date | None = None, extension_days: int = 0, paused_days: int = 0,
                replied: date | int | None = None, delivered_after: int | None = 0, closed: date | None = None,
                outcome: str = "", review_requested: date | None = None, review_decided: date | None = None,
                review_outcome: str = "", repeats=(), collective: bool = False, skip_level: bool = False,
                channel: str = Channel.LETTER, registered_by=None, repeat_registered_by=None,
                repeat_channel: str = Channel.LETTER, drafted_by=None, handler=None,
                matter_type: str = MatterType.COMPLAINT) -> Matter:
    """`decision=("accept" | "decline" | "transfer" | "divert", 相对告知期限的天数)`；
    `replied` 是处理意见的作出日期，为整数时表示相对办理期限的天数；`delivered_after` 是作出后几天送达
    （None 为尚未送达）。`review_decided` 是复查意见作出并送达之日，`review_outcome` 为维持 / 变更 / 撤销。"""
    m = Matter(number=f"T{next(_numbers):06d}", title="测试事项", summary="测试", department=department,
               status=status, received_on=received, accepted_on=accepted, extension_days=extension_days,
               paused_days=paused_days, is_collective=collective, is_skip_level=skip_level,
               review_requested_on=review_requested, review_delivered_on=review_decided, closed_on=closed,
               outcome=outcome, handler=handler, petition_count=1 + len(repeats), matter_type=matter_type)
    clocks.recompute(m)
    decided_on = None
    if decision:
        kind, offset = decision
        decided_on = m.acceptance_due + timedelta(days=offset)
        if kind == "accept":
            m.accepted_on = decided_on
            clocks.recompute(m)
    if isinstance(replied, int) and not isinstance(replied, bool):
        replied = m.handling_due + timedelta(days=replied)
    m.reply_delivered_on = (replied + timedelta(days=delivered_after)
                            if replied is not None and delivered_after is not None else None)
    clocks.recompute(m)
    m.save()
    Petition.objects.create(matter=m, channel=channel, received_at=at(received), content="测试",
                            registered_by=registered_by, is_collective=collective, is_skip_level=skip_level)
    for day in repeats:
        Petition.objects.create(matter=m, channel=repeat_channel, received_at=at(day), content="再次反映",
                                registered_by=repeat_registered_by, is_repeat=True)
    if decision and decision[0] != "accept":
        MatterEvent.objects.create(matter=m, at=at(decided_on), action=decision[0],
                                   from_status=S.REGISTERED, to_status=status)
    if drafted_by is not None:
        MatterEvent.objects.create(matter=m, at=at(replied - timedelta(days=1)), actor=drafted_by,
                                   action="draft_reply", from_status=S.IN_PROGRESS, to_status=S.REPLY_DRAFTED)
    if replied is not None:
        Opinion.objects.create(matter=m, kind=OpinionKind.REPLY, decision=outcome, text="处理意见",
                               decided_on=replied, delivered_on=m.reply_delivered_on, created_at=at(replied))
    if review_decided:
        Opinion.objects.create(matter=m, kind=OpinionKind.REVIEW, review_outcome=review_outcome, text="复查意见",
                               decided_on=review_decided, delivered_on=review_decided, created_at=at(review_decided))
        MatterEvent.objects.create(matter=m, at=at(review_decided), action="issue_review",
                                   from_status=S.REVIEWING, to_status=S.REVIEWED)
    return m


def make_execution(matter: Matter, remedy: str, *, done_on: date | None = None, department=None) -> ExecutionItem:
    """处理意见中的一项补救措施的落实；`done_on` 给出时记为已落实。"""
    opinion = matter.opinions.get(kind=OpinionKind.REPLY)
    return ExecutionItem.objects.create(matter=matter, opinion=opinion, remedy=remedy,
                                        department=department or matter.department, done_on=done_on,
                                        evidence="落实凭证" if done_on else "", created_at=clock.now())


def make_visit(matter: Matter, *, due_on: date, contacted_on: date | None = None, method: str = "",
               solved: str = "", satisfaction: str = "", online_rating: str = "") -> ReturnVisit:
    event = MatterEvent.objects.create(matter=matter, at=at(matter.reply_delivered_on), action="approve_reply",
                                       from_status=S.REPLY_DRAFTED, to_status=S.REPLIED)
    return ReturnVisit.objects.create(
        matter=matter, source_event=event, reply_kind=ReplyKind.REPLY, department=matter.department,
        handler=matter.handler, replied_on=matter.reply_delivered_on, due_on=due_on,
        done_at=at(contacted_on) if contacted_on else None, contacted_on=contacted_on, method=method,
        solved=solved, satisfaction=satisfaction, online_rating=online_rating)


def make_order(matter: Matter, department, *, issuer, issued: date, due_on: date, feedback: date | None = None,
               closed: date | None = None) -> SupervisionOrder:
    order = SupervisionOrder.objects.create(
        matter=matter, level=OrderLevel.GENERAL, issuer=issuer, issuing_department=issuer.department,
        requirement="限期办结", due_on=due_on, issued_at=at(issued), closed_at=at(closed) if closed else None)
    OrderTarget.objects.create(order=order, department=department, role=TargetRole.LEAD)
    if feedback:
        OrderFeedback.objects.create(order=order, department=department, author=issuer, text="已办理",
                                     at=at(feedback, 15))
    return order


def make_screening(department, month: date, *, due_on: date, items) -> object:
    """一个单位一个月的排查：`items` 是 (办案民警, 判定时间或 None) 的列表，民警可为 None（警号对不上账号）。"""
    from xinfang.screening.models import CaseType, EnforcementCase, ScreeningItem, ScreeningRound, Verdict

    round_ = ScreeningRound.objects.create(department=department, month=month, opened_on=due_on - timedelta(days=6),
                                           due_on=due_on)
    for officer, marked_at in items:
        n = next(_numbers)
        case = EnforcementCase.objects.create(
            case_no=f"C{n:06d}", case_type=CaseType.choices[0][0], department=department,
            officer_no=getattr(officer, "police_number", "") or f"P{n:05d}", officer=officer,
            opened_at=at(month), decided_at=at(month + timedelta(days=3)))
        ScreeningItem.objects.create(round=round_, case=case, officer_no=case.officer_no,
                                     verdict=Verdict.NO_HAZARD if marked_at else Verdict.PENDING,
                                     marked_at=marked_at, marked_by=officer if marked_at else None)
    return round_
