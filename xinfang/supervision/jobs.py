"""把一个后台任务排到事务提交之后：配置了 Redis 交给 Celery worker，否则在本进程提交后直接运行（或留给进程内调度）。"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

# 没有 Redis 时提交后就地运行的任务；其余（如发送通知）由进程内调度按时间表去做，免得拖慢页面。
INLINE_WITHOUT_BROKER = frozenset({"render_order_document"})


def run_later(name: str, *args: int) -> None:
    """事务提交后运行 tasks.<name>(*args)。只传 id，任务可重复执行。"""

    def go() -> None:
        from . import tasks

        if settings.REDIS_URL:
            import xinfang.celery  # noqa: F401  配置 Celery 应用（broker 等）

            getattr(tasks, name).delay(*args)
        elif name in INLINE_WITHOUT_BROKER:
            getattr(tasks, name)(*args)

    transaction.on_commit(go)
