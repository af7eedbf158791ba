"""看板的预聚合：从办理记录（MatterEvent）按游标增量读取，被动到的事项先减旧贡献、再加新贡献。

不用信号，信访模块也不必知道本模块（与追责线索、回访任务同一做法，见 core/cursors.py）。
`rebuild()` 从事项表整体重算（部署后或数据整批导入后跑一次）。
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from django.db import connection, transaction
from django.db.models import F

from xinfang.core import cursors
from xinfang.petitions.models import Matter, MatterEvent

from .models import DailyUnitFact, MatterSnapshot

CURSOR = "assessment-aggregates"
BATCH = 5000
REBUILD_CHUNK = 20000
FIELDS = ("department_id", "category_id", "channel", "received_on", "replied_on", "closed_on",
          "is_skip_level", "is_collective", "is_repeat", "version", "repeat_dates", "early_decided_on", "drafter_id",
          "reviews")


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
    """这些事项现在的快照：事项表的列，加上 facts.derived 连表算出的几项（考核读指标时直接用）。"""
    from .facts import DERIVED_VERSION, derived

    rows = list(Matter.objects.filter(pk__in=matter_ids).values_list(
        "pk", "department_id", "category_id", "received_on", "closed_on", "is_skip_level", "is_collective"))
    extra = derived([r[0] for r in rows])
    out = {}
    for pk, dept, category, received_on, closed_on, skip_level, collective in rows:
        d = extra[pk]
        # "答复"按处理意见的作出日期计（与按期办结同一口径），送达是另一件事；重新办理后取最近一项。
        out[pk] = MatterSnapshot(
            matter_id=pk, department_id=dept, category_id=category, channel=d.channel, received_on=received_on,
            replied_on=d.last_reply_on, closed_on=closed_on, is_skip_level=skip_level, is_collective=collective,
            is_repeat=bool(d.repeat_dates), version=DERIVED_VERSION,
            repeat_dates=[x.isoformat() for x in d.repeat_dates], early_decided_on=d.early_decided_on,
            drafter_id=d.drafter_id, reviews=[[x.isoformat(), o] for x, o in d.reviews])
    return out


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
        # 快照按块由 _current 算（与增量维护同一个函数，不另写一套 SQL）。
        ids = list(Matter.objects.order_by("pk").values_list("pk", flat=True))
        for i in range(0, len(ids), REBUILD_CHUNK):
            MatterSnapshot.objects.bulk_create(_current(ids[i:i + REBUILD_CHUNK]).values(), batch_size=2000)
        with connection.cursor() as c:
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
    """[(月 "YYYY-MM", 单位, 量, 件数)]：看板读这里。按月在数据库里合计（内置的日期函数，不经 Python 的
    TruncMonth 换算每一行），沿 (day, department_id) 索引扫描，Python 只拿到几千行。"""
    table = DailyUnitFact._meta.db_table
    month = "to_char(day, 'YYYY-MM')" if connection.vendor == "postgresql" else "strftime('%%Y-%%m', day)"
    where, params = ["day BETWEEN %s AND %s"], [start, end]
    if department_ids is not None:
        ids = list(department_ids)
        where.append(f"department_id IN ({', '.join(['%s'] * len(ids))})")
        params += ids
    if measures is not None:
        where.append(f"measure IN ({', '.join(['%s'] * len(measures))})")
        params += list(measures)
    with connection.cursor() as c:
        c.execute(f"SELECT {month}, department_id, measure, SUM(count) FROM {table} WHERE {' AND '.join(where)} "
                  f"GROUP BY 1, 2, 3 HAVING SUM(count) <> 0", params)
        return c.fetchall()
