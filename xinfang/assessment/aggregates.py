"""看板的预聚合：从办理记录（MatterEvent）按游标增量读取，被动到的事项先减旧贡献、再加新贡献。

不用信号，信访模块也不必知道本模块（与追责线索、回访任务同一做法，见 core/cursors.py）。
`rebuild()` 从事项表整体重算（部署后或数据整批导入后跑一次）。
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Subquery

from xinfang.core import cursors
from xinfang.petitions.models import Matter, MatterEvent, Opinion, OpinionKind, Petition

from .models import DailyUnitFact, MatterSnapshot

CURSOR = "assessment-aggregates"
BATCH = 5000
FIELDS = ("department_id", "category_id", "channel", "received_on", "replied_on", "closed_on",
          "is_skip_level", "is_collective", "is_repeat")


def cells(s) -> Counter:
    """一件事项（快照）对每日单位事实的贡献：{(日, 单位, 量): 1}。"""
    out = Counter()
    d = s.department_id
    out[(s.received_on, d, "received")] += 1
    month = s.received_on.replace(day=1)
    if s.category_id:
        out[(month, d, f"category:{s.category_id}")] += 1
    if s.channel:
        out[(month, d, f"channel:{s.channel}")] += 1
    for flag in ("skip_level", "collective", "repeat"):
        if getattr(s, f"is_{flag}"):
            out[(s.received_on, d, flag)] += 1
    if s.replied_on:
        out[(s.replied_on, d, "replied")] += 1
    if s.closed_on:
        out[(s.closed_on, d, "closed")] += 1
    return out


def _current(matter_ids) -> dict[int, MatterSnapshot]:
    first_channel = Petition.objects.filter(matter=OuterRef("pk"), is_repeat=False).order_by("received_at", "id")
    # "答复"按处理意见的作出日期计（与按期办结同一口径），送达是另一件事；重新办理后取最近一项。
    last_reply = Opinion.objects.filter(matter=OuterRef("pk"), kind=OpinionKind.REPLY).order_by("-decided_on", "-id")
    rows = (Matter.objects.filter(pk__in=matter_ids)
            .annotate(first_channel=Subquery(first_channel.values("channel")[:1]),
                      reply_decided_on=Subquery(last_reply.values("decided_on")[:1]),
                      repeated=Exists(Petition.objects.filter(matter=OuterRef("pk"), is_repeat=True)))
            .values_list("pk", "department_id", "category_id", "first_channel", "received_on",
                         "reply_decided_on", "closed_on", "is_skip_level", "is_collective", "repeated"))
    return {r[0]: MatterSnapshot(r[0], *r[1:3], r[3] or "", *r[4:]) for r in rows}


def _apply(delta: Counter) -> None:
    for (day, dept, measure), change in delta.items():
        if change == 0:
            continue
        updated = DailyUnitFact.objects.filter(day=day, department_id=dept, measure=measure).update(
            count=F("count") + change)
        if not updated:
            DailyUnitFact.objects.create(day=day, department_id=dept, measure=measure, count=change)


def refresh_matters(matter_ids) -> int:
    """把这些事项的贡献换成最新的。须在事务里调用。"""
    matter_ids = list(set(matter_ids))
    old = MatterSnapshot.objects.in_bulk(matter_ids)
    new = _current(matter_ids)
    delta = Counter()
    for pk in matter_ids:
        if pk in old:
            delta.subtract(cells(old[pk]))
        if pk in new:
            delta.update(cells(new[pk]))
    _apply(delta)
    changed = [s for pk, s in new.items() if pk not in old or any(
        getattr(s, f) != getattr(old[pk], f) for f in FIELDS)]
    MatterSnapshot.objects.filter(pk__in=[pk for pk in old if pk not in new]).delete()
    MatterSnapshot.objects.bulk_create(changed, update_conflicts=True, unique_fields=["matter_id"],
                                       update_fields=list(FIELDS))
    return len(matter_ids)


def sync_aggregates() -> int:
    """后台任务：读游标之后的办理记录，更新被动到的事项的贡献。返回处理的事项数。可重复执行。"""
    total = 0
    while True:
        with transaction.atomic():
            cursor = cursors.try_lock(CURSOR)
            if cursor is None:
                return total  # 另一进程正在处理
            events = list(MatterEvent.objects.filter(pk__gt=cursor.position).order_by("pk")
                          .values_list("pk", "matter_id")[:BATCH])
            if not events:
                return total
            total += refresh_matters([m for _, m in events])
            cursor.position = events[-1][0]
            cursor.save(update_fields=["position"])


def rebuild() -> int:
    """整体重算：清空快照与每日事实，按事项表一次重建，游标移到最新的办理记录。返回事项数。"""
    with transaction.atomic():
        cursor = cursors.lock(CURSOR)
        top = MatterEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        DailyUnitFact.objects.all().delete()
        MatterSnapshot.objects.all().delete()
        snap, fact = MatterSnapshot._meta.db_table, DailyUnitFact._meta.db_table
        matter, petition, opinion = Matter._meta.db_table, Petition._meta.db_table, Opinion._meta.db_table
        with connection.cursor() as c:
            c.execute(f"""
                INSERT INTO {snap} (matter_id, department_id, category_id, channel, received_on, replied_on, closed_on,
                                    is_skip_level, is_collective, is_repeat)
                SELECT m.id, m.department_id, m.category_id,
                       COALESCE((SELECT p.channel FROM {petition} p WHERE p.matter_id = m.id AND NOT p.is_repeat
                                 ORDER BY p.received_at, p.id LIMIT 1), ''),
                       m.received_on,
                       (SELECT o.decided_on FROM {opinion} o WHERE o.matter_id = m.id AND o.kind = '{OpinionKind.REPLY}'
                        ORDER BY o.decided_on DESC, o.id DESC LIMIT 1),
                       m.closed_on, m.is_skip_level, m.is_collective,
                       EXISTS (SELECT 1 FROM {petition} p WHERE p.matter_id = m.id AND p.is_repeat)
                FROM {matter} m""")
            month = ("CAST(date_trunc('month', received_on) AS date)" if connection.vendor == "postgresql"
                     else "date(received_on, 'start of month')")
            parts = [
                f"SELECT received_on, department_id, 'received', COUNT(*) FROM {snap} GROUP BY 1, 2",
                f"SELECT replied_on, department_id, 'replied', COUNT(*) FROM {snap} WHERE replied_on IS NOT NULL GROUP BY 1, 2",
                f"SELECT closed_on, department_id, 'closed', COUNT(*) FROM {snap} WHERE closed_on IS NOT NULL GROUP BY 1, 2",
                *(f"SELECT received_on, department_id, '{f}', COUNT(*) FROM {snap} WHERE is_{f} GROUP BY 1, 2"
                  for f in ("skip_level", "collective", "repeat")),
                f"SELECT {month}, department_id, 'category:' || category_id, COUNT(*) FROM {snap} "
                f"WHERE category_id IS NOT NULL GROUP BY 1, 2, 3",
                f"SELECT {month}, department_id, 'channel:' || channel, COUNT(*) FROM {snap} "
                f"WHERE channel <> '' GROUP BY 1, 2, 3",
            ]
            for sql in parts:
                c.execute(f"INSERT INTO {fact} (day, department_id, measure, count) {sql}")
        cursor.position = top
        cursor.save(update_fields=["position"])
        return MatterSnapshot.objects.count()


def totals(start: date, end: date, *, department_ids=None, measures=None):
    """[(月, 单位, 量, 件数)]：看板读这里。按月在数据库里合计，Python 只拿到几千行。"""
    from django.db.models import Sum
    from django.db.models.functions import TruncMonth

    q = DailyUnitFact.objects.filter(day__range=(start, end))
    if department_ids is not None:
        q = q.filter(department_id__in=department_ids)
    if measures is not None:
        q = q.filter(measure__in=measures)
    return (q.annotate(month=TruncMonth("day")).values("month", "department_id", "measure")
            .annotate(n=Sum("count")).exclude(n=0).order_by().values_list("month", "department_id", "measure", "n"))
