"""经真实的 Celery worker（Redis 作 broker）运行任务：扫描、发送通知、生成督办单。

设置了 XINFANG_REDIS_URL 时，本测试自己启动一个 `celery -A xinfang worker` 子进程，连到测试数据库，
用一个专属队列；没有设置时跳过并说明原因。CI（.ci/run）的第二遍设置了 Redis，在那里必定运行；
Redis 连不上则等不到结果而失败，不会跳过。
"""

import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.db import connection

from xinfang.core import jobs
from xinfang.supervision import orders
from xinfang.supervision.models import Light, MatterWarning, Notification, OrderLevel, SupervisionOrder
from xinfang.supervision.testing import handled

ROOT = Path(__file__).resolve().parents[3]


def test_the_beat_schedule_is_built_from_the_one_job_schedule():
    from xinfang.celery import _schedule, app

    _schedule(sender=app)
    schedule = app.conf.beat_schedule
    assert set(schedule) == {job.name for job in jobs.SCHEDULE}
    assert schedule["督办扫描"] == {"task": "xinfang.run_job", "schedule": 900.0,
                                   "args": ("xinfang.supervision.sweep:run_sweep",)}
    # 一次性任务也只有一个入口：core.jobs.TASKS 经 xinfang.run_task；没有各应用自己的 Celery 任务。
    assert {"xinfang.run_job", "xinfang.run_task"} <= set(app.tasks)
    assert not [name for name in app.tasks if not name.startswith(("celery.", "xinfang."))]


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(transactional_db, settings, tmp_path):
    url = os.environ.get("XINFANG_REDIS_URL", "")
    if not url:
        # CI 的 PostgreSQL + Redis 那一遍设置了 XINFANG_REDIS_URL，在那里本测试必定运行、不会跳过。
        pytest.skip("未设置 XINFANG_REDIS_URL：经真实 Celery worker 的测试跳过（设置后本测试自行启动 worker）")
    from xinfang.celery import app

    queue = f"xinfang-test-{os.getpid()}"
    settings.REDIS_URL = url
    app.conf.task_default_queue = queue
    var = tmp_path / "var"
    settings.MEDIA_ROOT = var / "media"
    env = {**os.environ, "XINFANG_DATABASE_URL": _database_url(), "XINFANG_CELERY_QUEUE": queue,
           "XINFANG_VAR_DIR": str(var), "XINFANG_SMS_LOG": str(tmp_path / "sms.log"), "PYTHONPATH": str(ROOT)}
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "xinfang", "worker", "--pool", "solo", "-l", "info",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    yield tmp_path
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def eventually(check, what: str, log: Path, timeout: float = 90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    pytest.fail(f"{timeout} 秒内没有等到：{what}\n--- worker 日志 ---\n{log.read_text()[-4000:]}")


@pytest.mark.celery
def test_a_real_worker_sweeps_delivers_and_renders_the_order_document(cast, worker):
    from xinfang.org.services import update_staff

    update_staff(cast.handler_a, by=None, phone="13900139000")
    matter = handled(cast)  # 办理期限 2026-05-06：此刻早已超期
    from xinfang.celery import run_job

    run_job.delay("xinfang.supervision.sweep:run_sweep")
    log = worker / "worker.log"
    eventually(lambda: MatterWarning.objects.filter(matter=matter, light=Light.RED).exists(), "扫描标出红牌", log)
    # 通知表就是发送队列：beat 每 30 秒排一次"发送通知"，这里直接排一次（同一张时间表里的同一个目标）。
    eventually(lambda: Notification.objects.filter(recipient=cast.handler_a).exists(), "扫描写入通知", log)
    run_job.delay(next(job.target for job in jobs.SCHEDULE if job.name == "发送通知"))
    eventually(lambda: not Notification.objects.filter(recipient=cast.handler_a, sent_at__isnull=True).exists()
               and (worker / "sms.log").exists(), "发送短信", log)
    assert "13900139000" in (worker / "sms.log").read_text(encoding="utf-8")

    order = orders.issue_order(by=cast.supervisor, matter=matter, level=OrderLevel.GENERAL, lead=cast.brigade_a,
                               requirement="限期办结。", due_on=date.today() + timedelta(days=365))  # replace(year=…) 在 2 月 29 日报错
    eventually(lambda: bool(SupervisionOrder.objects.get(pk=order.pk).file), "生成督办单文件", log)
