"""后台任务的游标：锁住时建行、读进度；另一进程正锁着时 try_lock 不等待而是让开。"""

import threading

import pytest
from django.db import connection, connections, transaction

from xinfang.core import cursors
from xinfang.core.models import JobCursor


@pytest.mark.django_db
def test_lock_creates_the_row_and_position_reads_it_without_locking():
    assert cursors.position("demo") is None
    with transaction.atomic():
        cursor = cursors.lock("demo")
        cursor.position = 42
        cursor.save(update_fields=["position"])
    assert cursors.position("demo") == 42
    with transaction.atomic():
        assert cursors.try_lock("demo").position == 42
    assert JobCursor.objects.filter(name="demo").count() == 1


@pytest.mark.django_db(transaction=True)
def test_try_lock_steps_aside_while_another_process_holds_the_cursor():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite 没有行锁（写事务锁整个库），这一条只在 PostgreSQL 上有意义")
    with transaction.atomic():
        cursors.lock("busy")
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                cursors.lock("busy")
                held.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert held.wait(timeout=30)
        with transaction.atomic():
            assert cursors.try_lock("busy") is None
            assert cursors.try_lock("free") is not None
    finally:
        release.set()
        thread.join(timeout=30)
    with transaction.atomic():
        assert cursors.try_lock("busy") is not None


def _event(matter, action="note"):
    from xinfang.core import clock
    from xinfang.petitions.models import MatterEvent

    return MatterEvent.objects.create(matter=matter, at=clock.now(), actor=None, action=action,
                                      from_status=matter.status, to_status=matter.status)


def _reader(seen: list):
    from xinfang.petitions.models import MatterEvent

    def handle(rows):
        new = [r.pk for r in rows if r.pk not in seen]
        seen.extend(new)
        return len(new)

    return lambda: cursors.drain("test-reader", MatterEvent.objects.filter(action="note"), handle, batch=2)


@pytest.mark.django_db
def test_drain_reads_everything_in_batches_and_rereads_only_the_safety_window(cast):
    from xinfang.petitions.testing import register

    matter = register(cast.clerk)
    events = [_event(matter).pk for _ in range(5)]
    seen: list[int] = []
    assert _reader(seen)() == 5 and seen == events
    assert cursors.position("test-reader") == events[-1]
    assert _reader(seen)() == 0  # 窗口内的重读不重复处理


@pytest.mark.django_db(transaction=True)
def test_an_event_that_commits_late_is_not_skipped(cast):
    """PostgreSQL 上真的乱序提交：先拿到 id 的事务后提交，读者已越过它，下一轮仍读到它。"""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite 的写事务整库串行，id 与提交顺序一致，不会乱序提交；这一条只在 PostgreSQL 上有意义")
    from xinfang.petitions.testing import register

    matter = register(cast.clerk)
    inserted, release, late = threading.Event(), threading.Event(), {}

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                late["pk"] = _event(matter).pk  # 先拿到较小的 id……
                inserted.set()
                release.wait(timeout=30)        # ……但迟迟不提交
        finally:
            connections.close_all()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    try:
        assert inserted.wait(timeout=30)
        early = _event(matter).pk               # 较大的 id 先提交
        assert early > late["pk"]
        seen: list[int] = []
        _reader(seen)()
        assert seen == [early] and cursors.position("test-reader") == early
    finally:
        release.set()
        thread.join(timeout=30)
    _reader(seen)()
    assert seen == [early, late["pk"]]
