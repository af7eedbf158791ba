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
