"""考核读取的全部事实：每件事项的收到、受理告知、期限、答复、办结、复查、重复来访、越级、集体，
回访评价、督办反馈与落实事项——都只从这个模块读。

答复、复查、复核各是一行意见（``Opinion``），作出（decided_on）与送达（delivered_on）是两件事：
按期办结看处理意见的作出日期（第三十四条），请求期限与回访看送达（第三十五条）。
指标登记表（registry.py）只认这里给出的字段。这里只读，不写任何表。
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q

from xinfang.core import clock
from xinfang.org.models import Department, DepartmentKind, RoleCode, Staff
from xinfang.petitions.models import (
    Channel, ExecutionItem, Matter, MatterEvent, MatterType, Opinion, OpinionKind, Petition, ReviewOutcome,
    Status as S,
)
from xinfang.portal.models import SATISFIED_VALUES, ContactMethod, ReturnVisit, Satisfaction, Solved
from xinfang.supervision.models import OrderFeedback, OrderTarget, SupervisionOrder, TargetRole

# 受理与否的决定（第二十三条）：受理以外的三种决定，日期取事件的日期。
EARLY_DISPOSALS = {"decline": S.DECLINED, "transfer": S.TRANSFERRED, "divert": S.DIVERTED}
HEAD_ROLES = (RoleCode.UNIT_HEAD, RoleCode.LEADER, RoleCode.BUREAU_LEADER)
GRASSROOTS_KINDS = (DepartmentKind.BRIGADE, DepartmentKind.SQUADRON)
# 复查、复核改变原意见：变更，或撤销并责令重新办理；维持不算。
OVERTURNING = (ReviewOutcome.VARY, ReviewOutcome.QUASH)


@dataclass(slots=True)
class MatterFact:
    id: int
    number: str
    title: str
    department_id: int
    handler_id: int | None
    category_id: int | None
    channel: str
    status: str
    received_on: date
    acceptance_due: date | None
    decided_on: date | None  # 作出受理 / 不予受理 / 转送 / 分类处理决定之日
    accepted_on: date | None
    handling_due: date | None  # 只有申诉求决类有办理期限（第三十四条）；其他类别为 None
    current_due: date | None
    reply_decided_on: date | None  # 本轮办理的处理意见作出之日（按期办结看它）
    replied_on: date | None  # 处理意见送达之日
    closed_on: date | None
    finished_on: date | None  # 办结、终结，或以不予受理 / 转送 / 分类处理了结之日
    extension_days: int
    is_collective: bool
    is_skip_level: bool
    review_requested_on: date | None
    repeat_dates: list[date] = field(default_factory=list)  # 同一事项再次来信来访的日期
    # 复查、复核意见，按作出日期先后：(作出日期, 是否变更或撤销了原意见)
    reviews: list[tuple[date, bool]] = field(default_factory=list)
    drafted_by_head: bool | None = None  # 答复由单位负责人亲自起草；无起草记录或起草人不详为 None
    unsatisfied: bool = False  # 任一回访或网上评价为不满意
    grassroots: bool = False  # 责任单位是大队或中队
    matter_type: str = MatterType.COMPLAINT


@dataclass(slots=True)
class VisitFact:
    id: int
    matter_id: int
    department_id: int
    handler_id: int | None
    replied_on: date
    due_on: date
    done: bool
    reached_in_time: bool  # 限期内联系上信访人
    solved: str  # "yes" / "no" / ""（未答是否解决）
    satisfaction: str  # 回访时的评价，未评价时取网上评价；都没有为 ""


@dataclass(slots=True)
class OrderFact:
    id: int
    matter_id: int
    department_id: int  # 牵头的被督办单位
    issued_on: date
    due_on: date
    first_feedback_on: date | None
    closed_on: date | None


@dataclass(slots=True)
class ExecutionFact:
    """支持意见中的一项补救措施（赔偿、道歉、纠正）的落实，单位取落实单位。"""

    id: int
    matter_id: int
    department_id: int
    remedy: str
    opened_on: date  # 意见作出之日
    done_on: date | None


@dataclass(slots=True)
class ReceptionFact:
    """一次来访接待（来访渠道的信访件，含重复来访）。"""

    id: int
    matter_id: int
    department_id: int
    received_on: date
    by_head: bool


@dataclass(slots=True)
class ScreeningFact:
    """每月排查清单上的一件案件（排查模块）：单位取排查单位，承办人取办案民警。"""

    id: int
    round_id: int
    department_id: int
    handler_id: int | None
    number: str  # 案件编号
    title: str
    due_on: date  # 应完成日期（下发后 5 个工作日）
    marked_on: date | None  # 民警作出判定之日
    on_time: bool  # 在应完成日期当天结束前判定

    @property
    def url(self) -> str:
        from django.urls import reverse

        return reverse("screening:round", args=[self.round_id])


@dataclass
class Facts:
    start: date
    end: date
    as_of: date
    matters: list[MatterFact]
    visits: list[VisitFact]
    orders: list[OrderFact]
    receptions: list[ReceptionFact]
    executions: list[ExecutionFact] = field(default_factory=list)
    screenings: list[ScreeningFact] = field(default_factory=list)


def head_staff_ids() -> frozenset[int]:
    """单位负责人：持负责人、分管领导、局领导角色的，或被登记为某部门一把手、分管信访领导的人。"""
    ids = set(Staff.objects.filter(roles__code__in=HEAD_ROLES).values_list("pk", flat=True))
    for head, leader in Department.objects.values_list("head_id", "petition_leader_id"):
        ids.update(x for x in (head, leader) if x)
    return frozenset(ids)


def _matter_scope(start: date, end: date) -> Q:
    """与期间有关的事项：期间内收到的，或期间开始时尚未了结的（积案、期限落在期间内的都在其中），
    或期间内有答复、复查、办结的。"""
    return Q(received_on__range=(start, end)) | Q(received_on__lt=start) & (
        Q(closed_on__isnull=True) & ~Q(status__in=list(EARLY_DISPOSALS.values()))
        | Q(closed_on__gte=start)
        | Q(reply_delivered_on__gte=start)
        | Q(review_delivered_on__gte=start)
        | Q(pk__in=Opinion.objects.filter(decided_on__gte=start).values("matter_id"))
        | Q(handling_due__gte=start)
        | Q(acceptance_due__gte=start)
    )


MATTER_COLUMNS = ("id", "number", "title", "department_id", "handler_id", "category_id", "status", "received_on",
                  "acceptance_due", "accepted_on", "handling_due", "current_due", "reply_delivered_on", "closed_on",
                  "extension_days", "is_collective", "is_skip_level", "review_requested_on", "matter_type")


def load(start: date, end: date, *, as_of: date | None = None, department_ids=None) -> Facts:
    """读出期间 [start, end] 计算全部指标所需的事实。`department_ids` 给出时只读这些单位的。"""
    as_of = as_of or clock.today()
    matters_q = Matter.objects.filter(_matter_scope(start, end), received_on__lte=end)
    if department_ids is not None:
        matters_q = matters_q.filter(department_id__in=department_ids)
    heads = head_staff_ids()
    visits = load_visits(start, end, as_of=as_of, department_ids=department_ids)
    matters = matter_facts(matters_q, heads=heads)
    return Facts(start=start, end=end, as_of=as_of, matters=matters, visits=visits,
                 orders=load_orders(start, end, department_ids=department_ids),
                 receptions=load_receptions(start, end, heads=heads, department_ids=department_ids),
                 executions=load_executions(start, end, department_ids=department_ids),
                 screenings=load_screenings(start, end, department_ids=department_ids))


def matter_facts(matters_q, *, heads: frozenset[int], grassroots: set[int] | None = None,
                 unsatisfied: set[int] | None = None) -> list[MatterFact]:
    """这些事项的 MatterFact（连表的几项读快照，快照缺的、旧的当场算）。"""
    rows, derived_ = matter_rows(matters_q)
    if grassroots is None:
        grassroots = set(Department.objects.filter(kind__in=GRASSROOTS_KINDS).values_list("pk", flat=True))
    if unsatisfied is None:
        unsatisfied = unsatisfied_matters([r[0] for r in rows]) if len(rows) < 20000 else unsatisfied_matters()
    matters = []
    for (pk, number, title, dept, handler, category, status, received_on, acceptance_due, accepted_on,
         handling_due, current_due, replied_on, closed_on, extension_days, collective, skip_level,
         review_requested_on, matter_type) in rows:
        d = derived_[pk]
        decided_on = accepted_on or d.early_decided_on
        early = status in EARLY_DISPOSALS.values()
        drafter = d.drafter_id  # 无起草记录，或起草人不详（造数中的"系统"）
        # 复查撤销、重新办理后自新的受理日重新起算：只认本轮受理之后作出的处理意见。
        reply_made = d.last_reply_on if d.last_reply_on and (accepted_on is None or d.last_reply_on >= accepted_on) \
            else None
        matters.append(MatterFact(
            id=pk, number=number, title=title, department_id=dept, handler_id=handler, category_id=category,
            channel=d.channel, status=status, received_on=received_on, acceptance_due=acceptance_due,
            decided_on=decided_on, accepted_on=accepted_on,
            # 60日办理期限只对申诉求决类（第三十一条第六项、第三十四条）：别的类别即使留有旧的期限列也不算。
            handling_due=handling_due if matter_type == MatterType.COMPLAINT else None, current_due=current_due,
            reply_decided_on=reply_made, replied_on=replied_on, closed_on=closed_on,
            finished_on=closed_on or (decided_on if early else None), extension_days=extension_days,
            is_collective=collective, is_skip_level=skip_level, review_requested_on=review_requested_on,
            repeat_dates=d.repeat_dates, reviews=d.reviews,
            drafted_by_head=None if drafter is None else (drafter in heads),
            unsatisfied=pk in unsatisfied, grassroots=dept in grassroots, matter_type=matter_type,
        ))
    return matters


def load_screenings(start: date, end: date, *, department_ids=None) -> list[ScreeningFact]:
    """应完成日期落在期间内的每月排查的全部案件（没有排查模块的部署为空）。"""
    from django.apps import apps

    if not apps.is_installed("xinfang.screening"):
        return []
    from xinfang.screening.selectors import completion_rows

    out = []
    for pk, round_id, dept, officer, case_no, month, due_on, verdict, marked_at in completion_rows(
            start, end, department_ids=department_ids):
        marked_on = clock.local_date(marked_at) if verdict and marked_at else None
        out.append(ScreeningFact(id=pk, round_id=round_id, department_id=dept, handler_id=officer, number=case_no,
                                 title=f"{month:%Y年%m月}排查", due_on=due_on, marked_on=marked_on,
                                 on_time=marked_on is not None and marked_on <= due_on))
    return out


DERIVED_VERSION = 1


@dataclass(slots=True)
class Derived:
    """一件事项要连表才能得到的事实：首件渠道、重复信访日期、早期处理决定之日、最后起草人、
    最近一项处理意见的作出日期、复查复核意见。"""

    channel: str = ""
    repeat_dates: list[date] = field(default_factory=list)
    early_decided_on: date | None = None
    drafter_id: int | None = None
    last_reply_on: date | None = None
    reviews: list[tuple[date, bool]] = field(default_factory=list)


def derived(ids) -> dict[int, Derived]:
    """当场从信访件、办理记录与意见算出这些事项的 Derived（没有的给空的）。快照的维护与读时补算都用它。"""
    out = defaultdict(Derived)
    for chunk in _chunks(list(ids)):
        for matter_id, ch, received_at, is_repeat in (Petition.objects.filter(matter_id__in=chunk)
                                                     .values_list("matter_id", "channel", "received_at", "is_repeat")
                                                     .order_by("received_at", "id")):
            d = out[matter_id]
            if is_repeat:
                d.repeat_dates.append(clock.local_date(received_at))
            elif not d.channel:
                d.channel = ch
        for matter_id, action, at, actor in (
                MatterEvent.objects.filter(matter_id__in=chunk, action__in=(*EARLY_DISPOSALS, "draft_reply"))
                .values_list("matter_id", "action", "at", "actor_id").order_by("at", "id")):
            d = out[matter_id]
            if action in EARLY_DISPOSALS:
                if d.early_decided_on is None:
                    d.early_decided_on = clock.local_date(at)
            else:  # 最后一次起草为准（退回修改后可能换人起草）
                d.drafter_id = actor
        for matter_id, kind, decided_on, outcome in (
                Opinion.objects.filter(matter_id__in=chunk).values_list("matter_id", "kind", "decided_on",
                                                                       "review_outcome")
                .order_by("decided_on", "id")):
            d = out[matter_id]
            if kind == OpinionKind.REPLY:
                d.last_reply_on = decided_on
            else:
                d.reviews.append((decided_on, outcome in OVERTURNING))
    return out


def _date(value):
    return value if value is None or isinstance(value, date) else date.fromisoformat(value)


def _list(value):
    if value is None or value == "[]":
        return []
    return json.loads(value) if isinstance(value, str) else value


def matter_rows(matters_q) -> tuple[list[tuple], dict[int, Derived]]:
    """事项的列（MATTER_COLUMNS）与快照里存好的 Derived，一条查询读出（原生游标：几十万行不经 ORM 逐行转换）。
    快照没有、版本旧、或游标之后（及安全窗口内）有新办理记录的事项，Derived 当场重算。"""
    from django.db import connection

    from xinfang.core import cursors

    from .aggregates import CURSOR
    from .models import MatterSnapshot

    sql, params = matters_q.values_list(*MATTER_COLUMNS).order_by().query.sql_with_params()
    snap = MatterSnapshot._meta.db_table
    width = len(MATTER_COLUMNS)
    dates = [i for i, c in enumerate(MATTER_COLUMNS) if c.endswith(("_on", "_due"))]
    bools = [i for i, c in enumerate(MATTER_COLUMNS) if c.startswith("is_")]
    rows, out, stale = [], {}, set()
    with connection.cursor() as c:
        c.execute(f"SELECT q.*, s.channel, s.repeat_dates, s.early_decided_on, s.drafter_id, s.replied_on, s.reviews "
                  f"FROM ({sql}) q LEFT JOIN {snap} s ON s.matter_id = q.id AND s.version = %s",
                  (*params, DERIVED_VERSION))
        while batch := c.fetchmany(20000):
            for r in batch:
                row = list(r[:width])
                for i in dates:
                    row[i] = _date(row[i])
                for i in bools:
                    row[i] = bool(row[i])
                rows.append(row)
                ch, repeats, early, drafter, reply, reviews = r[width:]
                if ch is None:
                    stale.add(row[0])
                    continue
                repeats, reviews = _list(repeats), _list(reviews)
                out[row[0]] = Derived(ch, [date.fromisoformat(x) for x in repeats] if repeats else [], _date(early),
                                      drafter, _date(reply),
                                      [(date.fromisoformat(x), bool(o)) for x, o in reviews] if reviews else [])
    position = cursors.position(CURSOR)
    if position is not None:
        touched = set(MatterEvent.objects.filter(pk__gt=position - cursors.SAFETY_WINDOW)
                      .values_list("matter_id", flat=True))
        stale |= touched & out.keys()
    fresh = derived(stale)
    for pk in stale:
        out[pk] = fresh[pk]
    return rows, out


def unsatisfied_matters(ids=None) -> set[int]:
    """任一回访或网上评价为不满意的事项（`ids` 给出时只看这些事项）。"""
    q = ReturnVisit.objects.filter(Q(satisfaction=Satisfaction.UNSATISFIED) | Q(online_rating=Satisfaction.UNSATISFIED))
    if ids is None:
        return set(q.values_list("matter_id", flat=True).distinct().order_by())
    out = set()
    for chunk in _chunks(list(ids)):
        out.update(q.filter(matter_id__in=chunk).values_list("matter_id", flat=True).distinct().order_by())
    return out


def _day_bounds(start: date, end: date):
    """[start 日 0 时, end 次日 0 时)，按 Asia/Shanghai：代替 __date 查询（那样每行要换算时区，用不上索引）。"""
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    return (timezone.make_aware(datetime.combine(start, time())),
            timezone.make_aware(datetime.combine(end + timedelta(days=1), time())))


def load_executions(start: date, end: date, *, department_ids=None) -> list[ExecutionFact]:
    """期间内落实完成的落实事项（单位取落实单位）。"""
    q = ExecutionItem.objects.filter(done_on__range=(start, end))
    if department_ids is not None:
        q = q.filter(department_id__in=department_ids)
    return [ExecutionFact(id=pk, matter_id=matter_id, department_id=dept, remedy=remedy, opened_on=opened,
                          done_on=done_on)
            for pk, matter_id, dept, remedy, opened, done_on in q.values_list(
                "id", "matter_id", "department_id", "remedy", "opinion__decided_on", "done_on").order_by()]


def load_visits(start: date, end: date, *, as_of: date, department_ids=None) -> list[VisitFact]:
    """期间内（按答复日期）生成的回访，单位取回访上的责任单位（与回访页的三率一致）。"""
    q = ReturnVisit.objects.filter(replied_on__range=(start, end))
    if department_ids is not None:
        q = q.filter(department_id__in=department_ids)
    result = []
    for (pk, matter_id, dept, handler, replied_on, due_on, done_at, contacted_on, method, solved, own,
         online) in q.values_list("id", "matter_id", "department_id", "handler_id", "replied_on", "due_on",
                                  "done_at", "contacted_on", "method", "solved", "satisfaction",
                                  "online_rating").order_by():
        reached = done_at is not None and method != ContactMethod.UNREACHED
        result.append(VisitFact(
            id=pk, matter_id=matter_id, department_id=dept, handler_id=handler, replied_on=replied_on,
            due_on=due_on, done=done_at is not None,
            reached_in_time=reached and contacted_on is not None and contacted_on <= due_on,
            solved=solved if solved in Solved.values else "", satisfaction=own or online or ""))
    return result


def load_orders(start: date, end: date, *, department_ids=None) -> list[OrderFact]:
    """期间内签发或办结的督办单，单位取牵头的被督办单位。"""
    since, until = _day_bounds(start, end)
    q = SupervisionOrder.objects.filter(Q(issued_at__gte=since, issued_at__lt=until)
                                        | Q(closed_at__gte=since, closed_at__lt=until))
    orders = list(q.values_list("id", "matter_id", "issued_at", "due_on", "closed_at").order_by())
    ids = [o[0] for o in orders]
    lead = dict(OrderTarget.objects.filter(order_id__in=ids, role=TargetRole.LEAD)
                .values_list("order_id", "department_id"))
    first_feedback = {}
    for order_id, at in OrderFeedback.objects.filter(order_id__in=ids).values_list("order_id", "at").order_by("at"):
        first_feedback.setdefault(order_id, clock.local_date(at))
    result = []
    for pk, matter_id, issued_at, due_on, closed_at in orders:
        dept = lead.get(pk)
        if dept is None or (department_ids is not None and dept not in department_ids):
            continue
        result.append(OrderFact(id=pk, matter_id=matter_id, department_id=dept, issued_on=clock.local_date(issued_at),
                                due_on=due_on, first_feedback_on=first_feedback.get(pk),
                                closed_on=clock.local_date(closed_at) if closed_at else None))
    return result


def load_receptions(start: date, end: date, *, heads: frozenset[int], department_ids=None) -> list[ReceptionFact]:
    """期间内的来访接待：登记人是单位负责人的，算负责人接待。"""
    since, until = _day_bounds(start, end)
    q = Petition.objects.filter(channel=Channel.VISIT, received_at__gte=since, received_at__lt=until)
    if department_ids is not None:
        q = q.filter(matter__department_id__in=department_ids)
    return [ReceptionFact(id=pk, matter_id=matter_id, department_id=dept, received_on=clock.local_date(at),
                          by_head=by in heads)
            for pk, matter_id, dept, at, by in q.values_list("id", "matter_id", "matter__department_id",
                                                             "received_at", "registered_by_id").order_by()]


def _chunks(ids: list[int], size: int = 20000):
    # SQLite 一条语句的参数个数有上限：按块查。
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


__all__ = ["Facts", "MatterFact", "VisitFact", "OrderFact", "ReceptionFact", "ExecutionFact", "ScreeningFact", "load",
           "head_staff_ids",
           "SATISFIED_VALUES"]


def received_counts(start: date, end: date) -> list[tuple[int, int | None, str, int]]:
    """期间内收到的事项件数，按（责任单位, 类别, 首件渠道）分组：月报的"基本情况"读这里。"""
    from django.db.models import Count, OuterRef, Subquery

    first = Petition.objects.filter(matter=OuterRef("pk"), is_repeat=False).order_by("received_at", "id")
    return list(Matter.objects.filter(received_on__range=(start, end))
                .annotate(channel=Subquery(first.values("channel")[:1]))
                .values_list("department_id", "category_id", "channel").annotate(n=Count("pk")).order_by())
