"""期限扫描：黄牌（距期限不足 N 个工作日）、红牌（已超期）、逐级升级、提醒与追责线索。

集合式：一次索引查询取出 current_due ≤ 黄牌界线的事项（听证中等无时钟的事项 current_due 为空，
自然不在其中），与上次扫描留下的 MatterWarning 比较，只对"有新情况"的事项写入；写入都是批量的。
所以对同一时刻重复扫描什么也不发，一百万件事项的扫描也只要几秒。

升级：超期当天起升级到责任单位的一把手与分管领导（第 1 级）；此后每再过 N 个工作日
（XINFANG_ESCALATION_WORKDAYS，默认同黄牌天数）再上溯一级部门，到根部门为止。
提醒按"接收人 × 类别"汇总成一条，一次扫描不会给同一个人发一堆消息。提醒不存链接（信箱按事项与
类别生成）：批处理不必为 reverse() 装载整个网址配置（连同各应用的视图），命令行一次扫描省下十几秒。
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import transaction

from xinfang.audit.services import record
from xinfang.core import clock, cursors
from xinfang.core.calendar import current_calendar
from xinfang.core.workcalendar import WorkCalendar
from xinfang.org.models import Department
from xinfang.petitions.models import Matter

from . import notifications
from .models import AccountabilityRecord, Ground, Kind, Light, MatterWarning
from .notifications import Draft

CHUNK = 5000
LISTED = 20  # 一条汇总提醒里列出的事项编号数


@dataclass
class SweepResult:
    yellow: int = 0
    red: int = 0
    escalated: int = 0
    notifications: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class _Tree:
    """部门树在内存里的一份副本：上溯链与各级负责人。"""

    def __init__(self) -> None:
        self.nodes = {pk: (parent, head, leader) for pk, parent, head, leader in
                      Department.objects.values_list("pk", "parent_id", "head_id", "petition_leader_id")}
        self._chains: dict[int, list[int]] = {}

    def chain(self, pk: int) -> list[int]:
        """本部门、上级、上上级……直到根。"""
        if pk not in self._chains:
            chain, seen = [], set()
            node = pk
            while node is not None and node not in seen and node in self.nodes:
                chain.append(node)
                seen.add(node)
                node = self.nodes[node][0]
            self._chains[pk] = chain
        return self._chains[pk]

    def leaders(self, pk: int, level: int) -> list[int]:
        """第 level 级（≥1）升级对象：上溯 level-1 级部门的一把手与分管领导。"""
        chain = self.chain(pk)
        if not 1 <= level <= len(chain):
            return []
        _, head, leader = self.nodes[chain[level - 1]]
        return [p for p in dict.fromkeys((head, leader)) if p is not None]

    def head_of(self, pk: int) -> int | None:
        _, head, leader = self.nodes.get(pk, (None, None, None))
        return head or leader


def escalation_level(due: date, today: date, *, calendar: WorkCalendar, step: int, cap: int) -> int:
    """超期事项应升级到的层级：超期即 1，到期后每满 step 个工作日加 1，不超过 cap。"""
    if due >= today:
        return 0
    level, mark = 1, due
    while level < cap:
        mark = calendar.add_workdays(mark, step)
        if mark > today:
            break
        level += 1
    return level


def _lock(now: datetime) -> None:
    # 锁行：beat 与手工命令同时扫描时，后到者等前者提交后再基于最新状态判断，不会重复提醒。
    cursor = cursors.lock("sweep")
    cursor.ran_at = now
    cursor.save(update_fields=["ran_at"])


@transaction.atomic
def run_sweep(*, now: datetime | None = None) -> SweepResult:
    """扫描一次：更新红黄牌，提醒承办人，逐级升级，为新超期的事项提出追责线索；返回计数。

    yellow / red 是扫描后处于黄牌、红牌的事项数；escalated 是本次升级了层级的事项数；
    notifications 是本次新写的通知条数（同一时刻再扫一次为 0）。
    """
    now = now or clock.now()
    today = clock.local_date(now)
    calendar = current_calendar()
    step = settings.ESCALATION_WORKDAYS
    _lock(now)
    threshold = calendar.add_workdays(today, settings.WARNING_WORKDAYS)
    tree = _Tree()
    previous = {pk: (due, light, level) for pk, due, light, level in
                MatterWarning.objects.values_list("matter_id", "due", "light", "level")}
    result = SweepResult()
    levels: dict[tuple[date, int], int] = {}
    fresh: list[MatterWarning] = []
    new_red: list[tuple[int, date, int]] = []
    digests: dict[tuple[int, str], list[int]] = defaultdict(list)

    rows = Matter.objects.filter(current_due__lte=threshold).values_list(
        "pk", "current_due", "department_id", "handler_id").iterator(chunk_size=CHUNK)
    for pk, due, department, handler in rows:
        if due < today:
            result.red += 1
            cap = len(tree.chain(department))
            key = (due, cap)
            if key not in levels:
                levels[key] = escalation_level(due, today, calendar=calendar, step=step, cap=cap)
            light, level = Light.RED, levels[key]
        else:
            result.yellow += 1
            light, level = Light.YELLOW, 0
        old = previous.pop(pk, None)
        state = (due, light, level)
        if old == state:
            continue
        fresh.append(MatterWarning(matter_id=pk, due=due, light=light, level=level, since=now))
        handler = handler or tree.head_of(department)
        if old is None or old[:2] != state[:2]:
            old_level = 0
            if handler:
                digests[(handler, light)].append(pk)
            if light == Light.RED:
                new_red.append((pk, due, department))
        else:
            old_level = old[2]
        if level > old_level:
            result.escalated += 1
            for k in range(old_level + 1, level + 1):
                for person in tree.leaders(department, k):
                    digests[(person, Kind.ESCALATION)].append(pk)

    _write_states(fresh, stale=list(previous))
    proposals = _propose(new_red, now)
    drafts = _digests(digests)
    drafts += _proposal_notice(proposals)
    result.notifications = len(notifications.create(drafts, now=now))
    record(actor=None, action="supervision.sweep", object_type="supervision.sweep",
           object_repr=f"{today:%Y-%m-%d} 扫描",
           changes={"result": [None, result.as_dict()], "proposals": [None, proposals]})
    return result


def _chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _write_states(fresh: list[MatterWarning], *, stale: list[int]) -> None:
    """删去不再红黄的与状态变了的，批量写入新状态（先删后插，比逐行 UPDATE 快得多）。"""
    for chunk in _chunks(stale + [w.matter_id for w in fresh]):
        MatterWarning.objects.filter(matter_id__in=chunk).delete()
    MatterWarning.objects.bulk_create(fresh, batch_size=2000)


def _propose(new_red: list[tuple[int, date, int]], now: datetime) -> int:
    """新超期的事项各提一条追责线索（同一事项同一期限只提一次）；返回新提的条数。"""
    if not new_red:
        return 0
    keys = {f"deadline:{pk}:{due.isoformat()}": (pk, due, dept) for pk, due, dept in new_red}
    existing = set()
    for chunk in _chunks(list(keys)):
        existing.update(AccountabilityRecord.objects.filter(key__in=chunk).values_list("key", flat=True))
    rows = [
        AccountabilityRecord(matter_id=pk, department_id=dept, ground=Ground.DEADLINE, key=key, proposed_at=now,
                             detail=f"期限 {due:%Y-%m-%d} 已过，事项仍未办结。")
        for key, (pk, due, dept) in keys.items() if key not in existing
    ]
    AccountabilityRecord.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(rows)


TITLES = {
    Light.YELLOW: "{n} 件事项即将到期（黄牌）",
    Light.RED: "{n} 件事项已超期（红牌）",
    Kind.ESCALATION: "{n} 件超期事项升级至您督促办理",
}


def _digests(digests: dict[tuple[int, str], list[int]]) -> list[Draft]:
    listed = {pk for ids in digests.values() for pk in ids[:LISTED]}
    numbers = {}
    for chunk in _chunks(list(listed)):
        numbers.update(Matter.objects.filter(pk__in=chunk).values_list("pk", "number"))
    drafts = []
    for (person, kind), ids in sorted(digests.items()):
        shown = "、".join(numbers.get(pk, str(pk)) for pk in ids[:LISTED])
        more = f"等 {len(ids)} 件" if len(ids) > LISTED else ""
        single = ids[0] if len(ids) == 1 else None
        drafts.append(Draft(
            recipient_id=person, kind=str(kind), title=TITLES[kind].format(n=len(ids)), body=f"{shown}{more}",
            matter_id=single, data={"matters": ids[:1000], "count": len(ids)},
        ))
    return drafts


def _proposal_notice(count: int) -> list[Draft]:
    """有新的追责线索时告诉审计员与局领导（每人一条）。"""
    if not count:
        return []
    from xinfang.org.models import RoleCode, Staff

    people = Staff.objects.filter(roles__code__in=[RoleCode.AUDITOR, RoleCode.BUREAU_LEADER], is_active=True)
    return [Draft(recipient_id=pk, kind=Kind.ACCOUNTABILITY, title=f"新增 {count} 条责任追究线索待认定")
            for pk in people.values_list("pk", flat=True).distinct()]
