"""Celery 任务：每个都是领域函数之上的一行薄壳，只传 id，重复执行无害。"""

from celery import shared_task

from . import accountability, documents, notifications, sweep


@shared_task(name="supervision.sweep")
def run_sweep() -> dict:
    return sweep.run_sweep().as_dict()


@shared_task(name="supervision.deliver_notifications")
def deliver_notifications() -> int:
    return notifications.deliver_pending()


@shared_task(name="supervision.render_order_document")
def render_order_document(order_id: int) -> str:
    return documents.render_order_document(order_id)


@shared_task(name="supervision.scan_events")
def scan_events() -> int:
    return accountability.scan_events()
