"""后台任务的唯一登记处：周期任务（SCHEDULE）与提交后排队的一次性任务（TASKS）。

没有配置 Redis 时，`xinfang serve` 在本进程的一个线程里按 SCHEDULE 运行周期任务，一次性任务在事务提交后
就地运行；配置了 Redis 时，Celery beat 按同一张 SCHEDULE 排程，worker 经通用任务 xinfang.run_job /
xinfang.run_task 执行同样的函数。领域模块只认这里的名字，不导入 Celery 任务（没有 tasks.py 的循环导入）。
"""

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
    # 事务回滚后留下的文书、附件文件（记录已不存在）：每天清一次，只动一天以前的。
    PeriodicJob("清理孤立的上传文件", 86400, "xinfang.core.maintenance:purge_orphan_files"),
    # 节假日表可能被管理员改过：每天把在办事项的期限重算一遍（没有变化的不写）。
    PeriodicJob("重算在办事项期限", 86400, "xinfang.petitions.actions.config:recompute_open_deadlines"),
    # 督办：红黄牌扫描与逐级提醒（同一时刻重复扫描不会重复提醒）、发送通知、从办理记录中发现追责线索。
    PeriodicJob("督办扫描", 900, "xinfang.supervision.sweep:run_sweep"),
    PeriodicJob("发送通知", 30, "xinfang.supervision.notifications:deliver_pending"),
    PeriodicJob("责任追究线索", 300, "xinfang.supervision.accountability:scan_events"),
    # 工作到达本人：交办、待审批、回访不满意、督办单或落实到期（重复运行不重复提醒）。
    PeriodicJob("工作到达提醒", 60, "xinfang.supervision.work_notices:run"),
    # 回访：答复送达后生成回访任务；门户限流计数按时清理。
    PeriodicJob("生成回访任务", 600, "xinfang.portal.actions.visits:sync_return_visits"),
    PeriodicJob("清理门户限流计数", 3600, "xinfang.portal.security:purge_throttles"),
    # 分诊：把登记员的选择记为下一次训练的反馈。
    PeriodicJob("记录分诊反馈", 600, "xinfang.triage.feedback:record_feedback"),
    # 案件排查：对上信访与案件的关联并重算风险分；到了每月第一个工作日生成上月的排查（已生成的不重复）。
    PeriodicJob("案件风险评分", 86400, "xinfang.screening.risk:nightly"),
    PeriodicJob("生成每月排查", 3600, "xinfang.screening.monthly:open_due_rounds"),
    # 考核：看板的每日单位事实跟上办理记录；排队的报告生成；每月第一个工作日生成上月月报，每年第一个工作日生成上年年报。
    PeriodicJob("更新考核看板事实", 120, "xinfang.assessment.aggregates:sync_aggregates"),
    PeriodicJob("预热考核看板指标", 3600, "xinfang.assessment.dashboard:warm_cache"),
    PeriodicJob("生成排队的报告", 30, "xinfang.assessment.reports:build_pending"),
    PeriodicJob("生成上月月报", 3600, "xinfang.assessment.reports:scheduled_monthly_report"),
    PeriodicJob("生成上年年度报告", 3600, "xinfang.assessment.reports:scheduled_annual_report"),
    # 预警：每天按周计数检测各单位、各类别的上升（同一周重复运行不重复预警）。
    PeriodicJob("预警检测", 86400, "xinfang.warning.detectors:run_daily"),
    # 重大紧急事项（《信访工作条例》第二十五条）：读新的登记与办理记录立即报告；无人确认的逐级上报（都不重复）。
    PeriodicJob("重大紧急事项报告", 60, "xinfang.warning.urgent:scan_events"),
    PeriodicJob("重大紧急事项逐级上报", 60, "xinfang.warning.urgent:escalate_unacknowledged"),
    # 敏感时期：截止时提示未报日报的单位并自动生成当日汇总；超过内部目标的事项列入重点事项。
    PeriodicJob("敏感时期日报截止", 300, "xinfang.warning.reports:run_cutoff"),
    PeriodicJob("敏感时期重点事项", 3600, "xinfang.warning.periods:sync_key_matters"),
    # 12345 回传：把工单所涉事项的新办理记录写成消息（outbox），再发给对端；失败的按指数退避重试。
    PeriodicJob("12345 回传", 30, "xinfang.exchange.outbox:run"),
)


# 一次性任务：名字 → "模块路径:函数名"。函数只收 id、可重复执行。
TASKS: dict[str, str] = {
    "render_order_document": "xinfang.supervision.documents:render_order_document",
    "import_petitions": "xinfang.exchange.imports:execute_import",
}


def enqueue(name: str, *args: int) -> None:
    """在当前事务提交后运行一次性任务 TASKS[name](*args)：有 Redis 交给 Celery worker，否则就地运行。"""
    from django.conf import settings
    from django.db import transaction

    if name not in TASKS:
        raise KeyError(f"没有登记的一次性任务：{name}")

    def go() -> None:
        if settings.REDIS_URL:
            from xinfang.celery import run_task

            run_task.delay(name, *args)
        else:
            run_task_now(name, *args)

    transaction.on_commit(go)


def run_task_now(name: str, *args: int) -> object:
    return run_target(TASKS[name], *args)


def run_target(target: str, *args) -> object:
    """按 "模块路径:函数名" 运行一项任务（Celery beat 经由 xinfang.celery.run_job 调用）。"""
    module, _, attr = target.partition(":")
    return getattr(import_module(module), attr)(*args)


def beat_schedule(schedule: tuple[PeriodicJob, ...] = SCHEDULE) -> dict:
    """由 SCHEDULE 生成 Celery beat 的时间表：每项都交给通用任务 xinfang.run_job。"""
    return {
        job.name: {"task": "xinfang.run_job", "schedule": float(job.every_seconds), "args": (job.target,)}
        for job in schedule
    }


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
