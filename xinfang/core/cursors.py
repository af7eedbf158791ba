"""后台任务的游标（JobCursor）：在调用方的事务里锁住一个任务的那一行，读写它的进度。

读办理记录（MatterEvent）的任务——追责线索、分诊反馈、回访任务——从游标往后读、处理、推进游标，
在同一事务里提交：中途失败就整批重来，不会漏也不会重复。督办扫描只用它防止两个进程同时扫描。
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

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
