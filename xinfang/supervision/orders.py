"""督办单：签发（一般 / 重点 / 领导包案 / 联合督办，一个牵头单位）、书面反馈、办结与复查推翻后的重开。"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from xinfang.audit.services import record
from xinfang.core import clock, jobs
from xinfang.org.access import has_role, role_codes
from xinfang.org.models import Department, RoleCode, Staff
from xinfang.petitions import documents as petition_documents
from xinfang.petitions.models import Matter, MatterEvent, Status
from xinfang.petitions.selectors import visible_matters

from . import notifications
from .models import Kind, OrderFeedback, OrderLevel, OrderStatus, OrderTarget, SupervisionOrder, TargetRole

ISSUERS = (RoleCode.SUPERVISOR, RoleCode.LEADER, RoleCode.BUREAU_LEADER)
OWNERS = (RoleCode.LEADER, RoleCode.BUREAU_LEADER)
RESOLVED_STATES = frozenset({Status.REPLIED, Status.CLOSED, Status.REVIEWED, Status.TERMINATED})


def _fail(field: str, message: str):
    raise ValidationError({field: message})


def overturned(matter: Matter) -> bool:
    """复查（复核）意见变更或撤销了原意见，即原答复被推翻（读意见行，不解析事件详情）。"""
    from xinfang.petitions.models import Opinion, ReviewOutcome

    return Opinion.objects.filter(matter=matter, review_outcome__in=(ReviewOutcome.VARY, ReviewOutcome.QUASH)).exists()


def is_resolved(matter: Matter) -> bool:
    """事项真正解决：答复已送达，且不在复查、复核中；原答复被复查推翻的，要到复查后办结（或终结）才算。
    转送、分流、不予受理只是"转走了"，不算解决。"""
    if matter.status not in RESOLVED_STATES or matter.reply_delivered_on is None:
        return False
    # 支持意见的补救措施（赔偿、道歉、纠正）全部落实，才算真正解决（《信访工作条例》第三十二条）。
    if matter.execution_items.filter(done_on__isnull=True).exists():
        return False
    if overturned(matter):
        return matter.status in (Status.CLOSED, Status.TERMINATED)
    return True


def _people(departments: Iterable[Department]) -> set[int]:
    return {pk for d in departments for pk in (d.head_id, d.petition_leader_id) if pk}


# 办结或终结的事项无需督办。
NOT_SUPERVISED = (Status.CLOSED, Status.TERMINATED)


def can_issue(user: Staff, matter: Matter) -> bool:
    """事项页是否给出"签发督办单"：本人可签发，事项还没办结或终结（可见范围由取事项时把关）。"""
    return has_role(user, *ISSUERS) and matter.status not in NOT_SUPERVISED


@transaction.atomic
def issue_order(
    *, by: Staff, matter: Matter, level: str, lead: Department | None, participants: Iterable[Department] = (),
    requirement: str, due_on: date | None, owner_leader: Staff | None = None,
) -> SupervisionOrder:
    """签发督办单：校验后取文号、记审计、通知被督办单位与包案领导；提交后生成督办单 .docx。"""
    if not has_role(by, *ISSUERS):
        _fail("__all__", "只有督办员、分管领导和局领导可以签发督办单。")
    if not visible_matters(by).filter(pk=matter.pk).exists():
        _fail("__all__", "您无权督办该事项。")
    if matter.status in NOT_SUPERVISED:
        _fail("__all__", f"事项已{matter.get_status_display()}，无需督办。")
    # 各字段的问题一次说清（不是改一处、提交一次、再看下一处）。
    problems: dict[str, list[str]] = {}

    def problem(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    if level not in OrderLevel.values:
        problem("level", "请选择督办级别。")
    if lead is None:
        problem("lead", "请指定一个牵头单位（联合督办也只能有一个牵头单位）。")
    participants = [d for d in dict.fromkeys(participants) if lead is None or d.pk != lead.pk]
    if level == OrderLevel.JOINT and not participants:
        problem("participants", "联合督办须至少有一个参与单位。")
    if not requirement.strip():
        problem("requirement", "请写明督办要求。")
    today = clock.today()
    if due_on is None:
        problem("due_on", "请填写办结时限。")
    elif due_on < today:
        problem("due_on", f"办结时限不能早于今天（{today:%Y-%m-%d}）。")
    if level == OrderLevel.LEADER:
        if owner_leader is None:
            problem("owner_leader", "领导包案须指明包案领导。")
        elif not role_codes(owner_leader) & set(OWNERS):
            problem("owner_leader", f"{owner_leader} 不是分管领导或局领导，不能包案。")
    elif owner_leader is not None:
        problem("owner_leader", "只有领导包案的督办单才指定包案领导。")
    if problems:
        raise ValidationError(problems)
    if by.department_id is None:
        _fail("__all__", "您的账号没有所属部门，无法为督办单编号。")

    now = clock.now()
    sequence, number = petition_documents.next_number(by.department, today.year)
    order = SupervisionOrder.objects.create(
        matter=matter, level=level, issuer=by, issuing_department=by.department, owner_leader=owner_leader,
        requirement=requirement.strip(), due_on=due_on, number=number, year=today.year, sequence=sequence,
        issued_at=now,
    )
    OrderTarget.objects.bulk_create(
        [OrderTarget(order=order, department=lead, role=TargetRole.LEAD)]
        + [OrderTarget(order=order, department=d, role=TargetRole.PARTICIPANT) for d in participants]
    )
    record(actor=by, action="supervision.order.issue", obj=order, changes={
        "matter": [None, matter.number], "level": [None, level], "lead": [None, lead.name],
        "participants": [None, [d.name for d in participants]], "due_on": [None, due_on.isoformat()],
        "owner_leader": [None, str(owner_leader or "")], "number": [None, number],
    })
    recipients = _people([lead, *participants]) | {p for p in (matter.handler_id, getattr(owner_leader, "pk", None)) if p}
    recipients.discard(by.pk)
    url = reverse("supervision:order", args=[order.pk])
    notifications.create([
        notifications.Draft(recipient_id=pk, kind=Kind.ORDER, matter_id=matter.pk, url=url,
                            title=f"{OrderLevel(level).label}：{matter.number} {matter.title}"[:200],
                            body=f"{number}，限 {due_on:%Y-%m-%d} 前办结。{requirement.strip()}"[:500])
        for pk in sorted(recipients)
    ], now=now)
    jobs.enqueue("render_order_document", order.pk)
    return order


def target_departments_for(user, order: SupervisionOrder) -> list[Department]:
    """用户可以代表其反馈的被督办单位：本人所在部门属于该单位（含下级），或是其一把手、分管领导。"""
    chosen = []
    for target in order.targets.select_related("department"):
        d = target.department
        mine = user.department_id is not None and user.department.path.startswith(d.path)
        if mine or user.pk in (d.head_id, d.petition_leader_id):
            chosen.append(d)
    return chosen


@transaction.atomic
def add_feedback(order: SupervisionOrder, *, by: Staff, department: Department, text: str) -> OrderFeedback:
    """被督办单位书面反馈办理情况。督办单办结后不再接受反馈。"""
    order = SupervisionOrder.objects.select_for_update().get(pk=order.pk)
    if order.status == OrderStatus.CLOSED:
        _fail("__all__", "督办单已办结，不能再反馈。")
    if department.pk not in {d.pk for d in target_departments_for(by, order)}:
        _fail("department", "只有被督办单位的人员才能反馈。")
    if not text.strip():
        _fail("text", "请填写反馈内容。")
    feedback = OrderFeedback.objects.create(order=order, department=department, author=by, text=text.strip(),
                                            at=clock.now())
    record(actor=by, action="supervision.order.feedback", obj=order,
           changes={"department": [None, department.name], "text": [None, text.strip()]})
    notifications.create([
        notifications.Draft(recipient_id=pk, kind=Kind.FEEDBACK, matter_id=order.matter_id,
                            url=reverse("supervision:order", args=[order.pk]),
                            title=f"{department.name}反馈了督办单 {order.number}", body=text.strip()[:300])
        for pk in {order.issuer_id, order.owner_leader_id} - {None, by.pk}
    ])
    return feedback


@transaction.atomic
def record_download(order: SupervisionOrder, *, by: Staff) -> None:
    """下载督办单（载有事项与信访人信息）：记审计。"""
    record(actor=by, action="supervision.order.download", obj=order)


def may_close(user, order: SupervisionOrder) -> bool:
    return user.pk in (order.issuer_id, order.owner_leader_id) or has_role(
        user, RoleCode.SUPERVISOR, RoleCode.BUREAU_LEADER)


@transaction.atomic
def close_order(order: SupervisionOrder, *, by: Staff, note: str = "") -> SupervisionOrder:
    """办结督办单：只在事项真正解决（答复已送达且未被推翻）时允许，转走了不算。"""
    order = SupervisionOrder.objects.select_for_update(of=("self",)).select_related("matter").get(pk=order.pk)
    if order.status == OrderStatus.CLOSED:
        _fail("__all__", "督办单已经办结。")
    if not may_close(by, order):
        _fail("__all__", "只有督办人、包案领导、督办员或局领导可以办结督办单。")
    if not is_resolved(order.matter):
        _fail("__all__", f"事项现为“{order.matter.get_status_display()}”，尚未真正解决"
                         "（须答复已送达、不在复查复核中且未被推翻），督办单不能办结。")
    order.status, order.closed_at, order.closed_by, order.close_note = (
        OrderStatus.CLOSED, clock.now(), by, note.strip())
    order.save()
    record(actor=by, action="supervision.order.close", obj=order,
           changes={"status": [OrderStatus.OPEN, OrderStatus.CLOSED], "note": [None, note.strip()]})
    return order


def reopen_overturned(matter: Matter, *, event: MatterEvent) -> int:
    """复查推翻了原答复：该事项已办结的督办单重新打开（在调用方的事务中）；返回重开的张数。"""
    reopened = 0
    # 只重开在复查意见之前办结的：事件被重读（游标的安全窗口）时，之后又办结的督办单不会被再次打开。
    closed = SupervisionOrder.objects.select_for_update().filter(matter=matter, status=OrderStatus.CLOSED,
                                                                 closed_at__lt=event.at)
    for order in closed:
        order.status, order.closed_at, order.closed_by = OrderStatus.OPEN, None, None
        order.close_note = f"{order.close_note}\n（复查推翻原处理意见，督办单于 {clock.today():%Y-%m-%d} 重新打开）".strip()
        order.save()
        record(actor=None, action="supervision.order.reopen", obj=order,
               changes={"status": [OrderStatus.CLOSED, OrderStatus.OPEN], "event": [None, event.pk]})
        notifications.create([notifications.Draft(
            recipient_id=order.issuer_id, kind=Kind.ORDER, matter_id=matter.pk,
            url=reverse("supervision:order", args=[order.pk]),
            title=f"复查推翻了原处理意见，督办单 {order.number} 重新打开")])
        reopened += 1
    return reopened
