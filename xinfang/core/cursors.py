"""后台任务的游标（JobCursor）：在调用方的事务里锁住一个任务的那一行，读写它的进度；读事件表的任务用 drain。

读办理记录（MatterEvent）的任务——追责线索、分诊反馈、回访任务——从游标往后读、处理、推进游标，
在同一事务里提交：中途失败就整批重来，不会漏也不会重复。督办扫描只用它防止两个进程同时扫描。
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from . import clock

from .models import JobCursor


def lock(name: str) -> JobCursor:
    """锁住（没有就先建）名为 `name` 的游标行；另一进程锁着时等它提交。须在事务里调用。"""
    JobCursor.objects.get_or_create(name=name)
    return JobCursor.objects.select_for_update().get(name=name)


def try_lock(name: str) -> JobCursor | None:
    """同 `lock`，但另一进程正锁着（正在处理）时不等，返回 None。须在事务里调用。"""
    cursor = JobCursor.objects.select_for_update(skip_locked=True).filter(name=name).first()
    if cursor is not None:
        return cursor
    if JobCursor.objects.filter(name=name).exists():
        return None  # 行在，只是被锁着
    try:
        with transaction.atomic():
            return JobCursor.objects.create(name=name)
    except IntegrityError:  # 另一进程刚刚建了它
        return None


def position(name: str) -> int | None:
    """不加锁地看一眼游标读到哪里（没有这一行时为 None）。"""
    return JobCursor.objects.filter(name=name).values_list("position", flat=True).first()


def catch_up(name: str, to: int) -> None:
    """不加锁地把游标推进到 `to`（只进不退）：已确认其间没有要处理的记录时用。"""
    JobCursor.objects.filter(name=name, position__lt=to).update(position=to)


# 安全窗口：每次从"游标 − 窗口"处重读。PostgreSQL 的 id 在插入时分配、提交时才可见：id 100 的事务可能
# 晚于 id 101 提交，只从游标往后读就永远漏掉 100。重读最近这么多个 id，晚提交的事件下一轮就会被读到；
# 所以处理函数必须可重复执行（按唯一键建行、或先查是否已处理）。本系统每秒至多几条事件，1000 个 id 远长于
# 任何一个写事务。
SAFETY_WINDOW = 1000


def drain(name: str, queryset: QuerySet, handle: Callable[[list], int], *, batch: int = 500,
          window: int = SAFETY_WINDOW) -> int:
    """按 id 顺序读 queryset 里游标 `name` 之后（含安全窗口）的记录，分批交给 handle，推进游标；返回 handle 结果之和。

    每批在一个事务里：锁游标行 → 读一批 → handle → 推进游标（只进不退），中途失败整批重来。
    """
    total, after = 0, None
    while True:
        with transaction.atomic():
            cursor = lock(name)
            if after is None:
                after = max(0, cursor.position - window)
            rows = list(queryset.filter(pk__gt=after).order_by("pk")[:batch])
            if not rows:
                return total
            total += handle(rows)
            after = rows[-1].pk
            if after > cursor.position:
                cursor.position, cursor.ran_at = after, clock.now()
                cursor.save(update_fields=["position", "ran_at"])
