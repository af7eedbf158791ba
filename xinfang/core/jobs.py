"""后台周期任务。没有配置 Redis 时，`xinfang serve` 在本进程的一个线程里按同一张时间表运行它们。"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from importlib import import_module
from typing import Callable

from django.db import close_old_connections

log = logging.getLogger("xinfang.jobs")


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every_seconds: int
    target: str  # "模块路径:函数名"，函数无参数、可重复执行

    def function(self) -> Callable[[], object]:
        module, _, attr = self.target.partition(":")
        return getattr(import_module(module), attr)


# 时间表只有这一张：进程内调度与（日后的）Celery beat 都从这里读。
SCHEDULE: tuple[PeriodicJob, ...] = (
    PeriodicJob("清理过期会话与登录锁定", 3600, "xinfang.core.maintenance:purge_expired"),
    # 节假日表可能被管理员改过：每天把在办事项的期限重算一遍（没有变化的不写）。
    PeriodicJob("重算在办事项期限", 86400, "xinfang.petitions.actions.config:recompute_open_deadlines"),
)


def run_once(job: PeriodicJob) -> None:
    close_old_connections()
    try:
        job.function()()
    except Exception:  # 一个任务出错不能拖垮调度线程；记录后等下一轮。
        log.exception("后台任务失败：%s", job.name)
    finally:
        close_old_connections()


def start_in_process(schedule: tuple[PeriodicJob, ...] = SCHEDULE) -> threading.Event:
    """启动进程内调度线程；返回的 Event 置位即停止。"""
    stop = threading.Event()

    def loop() -> None:
        # 启动一分钟后才跑第一轮：先让 Web 服务起来。
        due = {job.name: time.monotonic() + 60 for job in schedule}
        while not stop.is_set():
            for job in schedule:
                if time.monotonic() >= due[job.name]:
                    run_once(job)
                    due[job.name] = time.monotonic() + job.every_seconds
            stop.wait(5)

    threading.Thread(target=loop, name="xinfang-jobs", daemon=True).start()
    return stop
