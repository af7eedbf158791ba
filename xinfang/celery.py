"""Celery 应用。配置了 XINFANG_REDIS_URL 时，后台任务由 worker 执行，周期任务由 beat 按 core.jobs.SCHEDULE 排程：

    celery -A xinfang worker -l info
    celery -A xinfang beat -l info -s var/celerybeat-schedule

没有 Redis 时不需要本模块：`xinfang serve` 在本进程按同一张时间表运行同样的函数。
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")

app = Celery("xinfang")
app.config_from_object("django.conf:settings", namespace="CELERY")


@app.task(name="xinfang.run_job")
def run_job(target: str) -> None:
    """beat 的每一项周期任务都经由它：target 是 SCHEDULE 里的 "模块:函数"。"""
    from xinfang.core import jobs

    jobs.run_target(target)


@app.task(name="xinfang.run_task")
def run_task(name: str, *args: int) -> None:
    """一次性任务（core.jobs.TASKS）都经由它，由 core.jobs.enqueue 在事务提交后排队。"""
    from xinfang.core import jobs

    jobs.run_task_now(name, *args)


@app.on_after_finalize.connect
def _schedule(sender, **kwargs) -> None:
    from xinfang.core import jobs

    sender.conf.beat_schedule = jobs.beat_schedule()
