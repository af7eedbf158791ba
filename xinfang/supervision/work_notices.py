"""工作到达本人时的站内提醒：交办给承办人、答复草稿待负责人审批、回访不满意交负责人、督办单或落实到期告诉督办员。

都是周期任务（core.jobs.SCHEDULE 的"工作到达提醒"），读事实而不挂信号：
- 交办、起草答复：按 id 顺序增量读 ``MatterEvent``（游标 ``work-notices``，core.cursors.drain，含安全窗口重读）；
- 回访需关注（不满意或未解决）：读尚未处理的回访（有索引，数量很少）；
- 督办单到期：在办且办结时限已到的督办单，告诉签发它的督办员；
- 落实到期：支持意见作出满 ``EXECUTION_DUE_DAYS`` 日仍未落实的补救措施，告诉看得到该事项的督办员。

每条提醒带去重键（事件、回访、督办单加时限、落实项），经 ``notifications.create_once`` 写入：任务重复运行、
重读到同一事件都不会再提醒一次。邮件、短信照个人偏好与免打扰时段经同一个发送队列发出（notifications）。
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from xinfang.core import clock, cursors
from xinfang.org.access import visible_department_ids
from xinfang.org.models import Department, RoleCode, Staff
from xinfang.petitions import events as petition_events
from xinfang.petitions.models import ExecutionItem, Matter, MatterEvent

from . import notifications
from .models import Kind, OrderStatus, SupervisionOrder
from .notifications import Draft

CURSOR = "work-notices"
WATCHED = ("assign", "draft_reply")
# 落实没有法定期限（《信访工作条例》第三十二条只要求督促执行）：支持意见作出 30 日后仍未落实的，提醒督办员跟进。
EXECUTION_DUE_DAYS = 30
# 只提醒最近这么多天里到达的工作：首次启用（或停机多日后）不把多年的旧事一下子全推给人，只补上这几天的。
LOOKBACK = timedelta(days=7)


def run(*, now: datetime | None = None) -> int:
    """周期任务：把到达各人的工作写成提醒；返回新写的条数（同一时刻再运行一次为 0）。"""
    now = now or clock.now()
    return scan_events(now=now) + scan_visits(now=now) + scan_due(now=now)


# -- 谁是负责人 ------------------------------------------------------------------------------


def head_of(department: Department) -> int | None:
    """审批答复的人：本单位的一把手；中队、科室没有设一把手的，上溯到最近设了的上级（其次是分管领导）。"""
    ids = department.ancestor_ids() or [department.pk]
    nodes = {pk: (head, leader) for pk, head, leader in
             Department.objects.filter(pk__in=ids).values_list("pk", "head_id", "petition_leader_id")}
    for pk in reversed(ids):
        head, leader = nodes.get(pk, (None, None))
        if head or leader:
            return head or leader
    return None


def _matter_url(matter_id: int) -> str:
    return reverse("petitions:matter", args=[matter_id])


# -- 交办与待审批 ----------------------------------------------------------------------------


def _event_drafts(event: MatterEvent, matter: Matter) -> list[Draft]:
    data = event.data or {}
    key = f"event:{event.pk}"
    if event.action == "assign":
        handler = data.get(petition_events.HANDLER_ID)
        if handler:
            title, recipient = f"交办给您：{matter.number} {matter.title}", handler
        else:  # 只交办到单位：由单位负责人指定承办人
            title, recipient = f"交办到本单位，请指定承办人：{matter.number} {matter.title}", head_of(matter.department)
        kind = Kind.ASSIGNED
        body = f"牵头单位 {data.get('lead', matter.department.name)}；当前期限 {matter.current_due or '—'}。"
    else:  # draft_reply
        recipient = head_of(matter.department)
        kind, title = Kind.APPROVAL, f"答复待您审批：{matter.number} {matter.title}"
        body = f"承办人 {event.actor.name if event.actor else '—'} 已起草答复。"
    if recipient is None or recipient == event.actor_id:
        return []
    return [Draft(recipient_id=recipient, kind=kind, title=title[:200], body=body, url=_matter_url(matter.pk),
                  matter_id=matter.pk, key=key)]


def scan_events(*, now: datetime | None = None, batch: int = 1000) -> int:
    """读游标之后的交办、起草答复事件，提醒承办人或负责人。"""
    now = now or clock.now()

    def handle(rows: list[MatterEvent]) -> int:
        matters = Matter.objects.select_related("department").in_bulk({e.matter_id for e in rows})
        drafts = [d for e in rows if e.matter_id in matters for d in _event_drafts(e, matters[e.matter_id])]
        return notifications.create_once(drafts, now=now)

    since = now - LOOKBACK
    if cursors.position(CURSOR) is None:  # 首次运行：从 LOOKBACK 以前的最后一个事件之后读起
        with transaction.atomic():
            cursor = cursors.lock(CURSOR)
            old = MatterEvent.objects.filter(at__lt=since).order_by("-at", "-pk").values_list("pk", flat=True).first()
            if old and old > cursor.position:
                cursor.position = old
                cursor.save(update_fields=["position"])
    events = MatterEvent.objects.filter(action__in=WATCHED, at__gte=since).select_related("actor")
    return cursors.drain(CURSOR, events, handle, batch=batch)


# -- 回访不满意 ------------------------------------------------------------------------------


def scan_visits(*, now: datetime | None = None) -> int:
    """不满意或未解决、尚未处理的回访：告诉责任单位的负责人（每项回访一次）。"""
    from xinfang.portal.models import ReturnVisit, Satisfaction, Solved

    now = now or clock.now()
    drafts = []
    since = now - LOOKBACK
    recent = Q(online_rated_at__gte=since) | Q(done_at__gte=since)
    for visit in (ReturnVisit.objects.filter(needs_attention=True, attention_closed_at__isnull=True).filter(recent)
                  .select_related("matter", "department")):
        head = head_of(visit.department)
        if head is None:
            continue
        unsatisfied = Satisfaction.UNSATISFIED in (visit.online_rating, visit.satisfaction)
        what = "评价不满意" if unsatisfied else ("回访未解决" if visit.solved == Solved.NO else "回访需关注")
        reason = visit.online_reason or visit.notes
        drafts.append(Draft(
            recipient_id=head, kind=Kind.DISSATISFIED, title=f"信访人{what}：{visit.matter.number} {visit.matter.title}"[:200],
            body=reason[:300], url=reverse("portal:visit", args=[visit.pk]), matter_id=visit.matter_id,
            key=f"visit:{visit.pk}:attention"))
    return notifications.create_once(drafts, now=now)


# -- 到期 ------------------------------------------------------------------------------------


def scan_due(*, now: datetime | None = None) -> int:
    """办结时限已到的在办督办单（告诉督办人），支持意见作出满 EXECUTION_DUE_DAYS 日仍未落实的补救措施
    （告诉看得到该事项的督办员）。"""
    now = now or clock.now()
    today = clock.local_date(now)
    drafts = []
    oldest = today - LOOKBACK
    for order in (SupervisionOrder.objects.filter(status=OrderStatus.OPEN, due_on__lte=today, due_on__gte=oldest)
                  .select_related("matter")):
        late = "今天到期" if order.due_on == today else f"已于 {order.due_on:%Y-%m-%d} 到期"
        drafts.append(Draft(
            recipient_id=order.issuer_id, kind=Kind.DUE, matter_id=order.matter_id,
            title=f"督办单{late}：{order.number or order.pk}（{order.matter.number}）",
            body=order.requirement[:300], url=reverse("supervision:order", args=[order.pk]),
            key=f"order-due:{order.pk}:{order.due_on.isoformat()}"))
    span = timedelta(days=EXECUTION_DUE_DAYS)
    items = list(ExecutionItem.objects.filter(done_on__isnull=True, opinion__decided_on__lte=today - span,
                                              opinion__decided_on__gte=oldest - span)
                 .select_related("matter", "opinion"))
    if items:
        supervisors = [(pk, visible_department_ids(person)) for pk, person in
                       ((s.pk, s) for s in Staff.objects.filter(roles__code=RoleCode.SUPERVISOR, is_active=True)
                        .distinct())]
        for item in items:
            due = item.opinion.decided_on + timedelta(days=EXECUTION_DUE_DAYS)
            for pk, seen in supervisors:
                if seen is not None and item.matter.department_id not in seen:
                    continue
                drafts.append(Draft(
                    recipient_id=pk, kind=Kind.DUE, matter_id=item.matter_id,
                    title=f"落实到期未完成：{item.matter.number} {item.get_remedy_display()}",
                    body=f"处理意见 {item.opinion.decided_on:%Y-%m-%d} 作出，{due:%Y-%m-%d} 起已满 {EXECUTION_DUE_DAYS} 日仍未落实"
                         "（《信访工作条例》第三十二条）。",
                    url=_matter_url(item.matter_id), key=f"execution-due:{item.pk}"))
    return notifications.create_once(drafts, now=now)
