"""12345 回传：从办理记录写出要回传的消息（outbox），周期任务认领并发送，失败按指数退避重试。

- 写：签收消息由 ``services.receive_order`` 与信访件同一事务写入；受理、进展、结果消息由周期任务
  ``scan_events`` 经事件游标（core.cursors.drain）从办理记录（MatterEvent）读出——办理记录与状态变化同一事务
  写入，游标与消息也同一事务推进，所以既不漏也不重（每条消息的幂等键唯一，重读安全窗口时冲突即跳过）。
- 发：``deliver_pending`` 照 supervision/notifications 的做法，以一条带条件的 UPDATE 认领（租约过期可再认领），
  POST 到 ``XINFANG_12345_ENDPOINT``，带 ``Authorization: Bearer <XINFANG_12345_SECRET>``、对请求体的
  HMAC 签名与 ``Idempotency-Key``；2xx 才记为送达。同一工单的消息按顺序发：前一条没送达，后面的等着。
- 发出后来不及记下就崩溃：租约过期后重发同一幂等键，接收方据此去重——对方答过 2xx 的消息不会被当作新消息。
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from xinfang.audit.services import record
from xinfang.core import clock, cursors
from xinfang.petitions import events as matter_events
from xinfang.petitions.models import MatterEvent, Opinion, Status

from .models import MessageKind, OutboxMessage, WorkOrder

log = logging.getLogger("xinfang.exchange")

CURSOR = "exchange.12345.outbox"
CLAIM_LEASE = timedelta(minutes=5)  # 认领后这么久还没记下结果（worker 崩溃），别的 worker 可以重新认领
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
MAX_ATTEMPTS = 12  # 30 秒起翻倍、每次至多 1 小时：约 8 小时后停止自动重试，列在页面上，运维可一键重发
# 对方明确拒收（请求本身有问题）的响应码：重发也不会好，立即停止自动重试、报告出来。408/425/429 会重试。
PERMANENT = frozenset(range(400, 500)) - {408, 425, 429}

# 办理记录的动作 → 回传的种类与说明。记办理情况（note）是内部记录，不外发。
EVENT_KINDS: dict[str, tuple[str, str]] = {
    "accept": (MessageKind.ACCEPTANCE, "已受理"),
    "decline": (MessageKind.ACCEPTANCE, "不予受理"),
    "transfer": (MessageKind.ACCEPTANCE, "已转送有权处理的机关"),
    "divert": (MessageKind.ACCEPTANCE, "已依法分类处理（导入法定途径）"),
    "assign": (MessageKind.PROGRESS, "已交办承办单位"),
    "start": (MessageKind.PROGRESS, "承办单位开始办理"),
    "start_hearing": (MessageKind.PROGRESS, "组织听证"),
    "end_hearing": (MessageKind.PROGRESS, "听证结束，继续办理"),
    "extend": (MessageKind.PROGRESS, "延期办理"),
    "rehandle": (MessageKind.PROGRESS, "重新办理"),
    "approve_reply": (MessageKind.RESULT, "已作出处理意见并答复"),
    "close": (MessageKind.RESULT, "已办结"),
}


def key_for(work_order: WorkOrder, kind: str, event_id: int | None) -> str:
    return f"xinfang-12345-{work_order.order_number}-{kind}-{event_id or 0}"


def _payload(work_order: WorkOrder, kind: str, *, at: datetime, status: str, status_label: str, text: str,
             key: str, **extra) -> dict:
    return {"message_id": key, "order_number": work_order.order_number, "kind": kind,
            "kind_label": MessageKind(kind).label, "matter_number": work_order.matter.number,
            "at": clock.localtime(at).isoformat(), "status": status, "status_label": status_label,
            "text": text, **extra}


def message_for_receipt(work_order: WorkOrder, event: MatterEvent | None, now: datetime) -> dict:
    """签收消息的字段（由 receive_order 在登记的同一事务里写入）。"""
    key = key_for(work_order, MessageKind.RECEIVED, event.pk if event else None)
    matter = work_order.matter
    return {"work_order": work_order, "kind": MessageKind.RECEIVED, "idempotency_key": key,
            "event_id": event.pk if event else None, "created_at": now, "next_attempt_at": now,
            "payload": _payload(work_order, MessageKind.RECEIVED, at=now, status=matter.status,
                                status_label=matter.get_status_display(), key=key,
                                text=f"已签收，登记为信访事项 {matter.number}，将在法定期限内告知是否受理。",
                                acceptance_due=matter.acceptance_due.isoformat() if matter.acceptance_due else None)}


def _event_text(event: MatterEvent, label: str) -> tuple[str, dict]:
    data, extra = event.data or {}, {}
    matter = event.matter
    if event.action == "accept":
        extra["handling_due"] = matter.handling_due.isoformat() if matter.handling_due else None
    elif event.action in ("decline", "transfer", "divert"):
        text = {"decline": f"不予受理：{data.get('reason', '')}；可向{data.get('where_to_go', '')}反映",
                "transfer": f"转送{data.get('authority', '')}处理" + (f"：{data['reason']}" if data.get("reason") else ""),
                "divert": f"依法分类处理：{data.get('note', '') or data.get('channel', '')}"}[event.action]
        return text, extra
    elif event.action == "assign":
        return f"{label}：{data.get('lead', '')}", extra
    elif event.action == "extend":
        return f"延期 {data.get('extension_days', '')} 日：{data.get('reason', '')}", extra
    elif event.action == "approve_reply":
        opinion = Opinion.objects.filter(pk=data.get(matter_events.OPINION_ID)).first()
        if opinion is not None:
            extra.update(decision=opinion.decision, decision_label=opinion.get_decision_display(),
                         organ=opinion.organ_name, remedies=opinion.remedies)
            return opinion.text, extra
    return label, extra


def _messages_for(events: list[MatterEvent]) -> list[OutboxMessage]:
    orders: dict[int, list[WorkOrder]] = {}
    for order in WorkOrder.objects.filter(matter_id__in={e.matter_id for e in events}).select_related("matter"):
        orders.setdefault(order.matter_id, []).append(order)
    now, rows = clock.now(), []
    for event in events:
        kind, label = EVENT_KINDS[event.action]
        text, extra = _event_text(event, label)
        status = event.to_status or event.matter.status
        for order in orders.get(event.matter_id, []):
            key = key_for(order, kind, event.pk)
            rows.append(OutboxMessage(
                work_order=order, kind=kind, idempotency_key=key, event_id=event.pk, created_at=now,
                next_attempt_at=now, payload=_payload(order, kind, at=event.at, status=status, key=key, text=text,
                                                      status_label=Status(status).label, **extra)))
    return rows


def scan_events() -> int:
    """周期任务：把 12345 工单所涉事项的新办理记录写成回传消息；返回新写的条数。可重复执行。"""

    def handle(events: list[MatterEvent]) -> int:
        rows = _messages_for(events)
        if not rows:
            return 0
        keys = [row.idempotency_key for row in rows]
        known = set(OutboxMessage.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True))
        fresh = [row for row in rows if row.idempotency_key not in known]
        # 两个进程同时扫描时游标行锁让它们排队；ignore_conflicts 兜住安全窗口里重读到的同一条。
        OutboxMessage.objects.bulk_create(fresh, ignore_conflicts=True)
        return len(fresh)

    top = MatterEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    queryset = (MatterEvent.objects.filter(action__in=list(EVENT_KINDS),
                                           matter_id__in=WorkOrder.objects.values("matter_id"))
                .select_related("matter"))
    written = cursors.drain(CURSOR, queryset, handle)
    # 其间没有与工单相关的记录时游标不动，下一轮又要从头扫过百万条办理记录：推到扫描前的最大 id
    # （drain 每次从游标往回重读一个安全窗口，晚提交的记录照样读得到）。
    cursors.catch_up(CURSOR, top)
    return written


# -- 发送 ------------------------------------------------------------------------------


class DeliveryError(Exception):
    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


def endpoint() -> str:
    return settings.EXCHANGE_12345_ENDPOINT


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """签名：HMAC-SHA256(共享密钥, 时间戳 + "." + 请求体)，接收方用同一密钥核对，防篡改与重放。"""
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def post(message: OutboxMessage) -> int:
    """把一条消息 POST 到对端；返回 2xx 的响应码，其余（含连不上、超时）抛 DeliveryError。"""
    body = json.dumps(message.payload, ensure_ascii=False, sort_keys=True).encode()
    secret = settings.EXCHANGE_12345_SECRET
    timestamp = str(int(clock.now().timestamp()))
    request = urllib.request.Request(endpoint(), data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "Idempotency-Key": message.idempotency_key,
        "Authorization": f"Bearer {secret}", "X-Xinfang-Timestamp": timestamp,
        "X-Xinfang-Signature": sign(secret, timestamp, body), "User-Agent": "xinfang-exchange/1",
    })
    # 不经任何环境变量里的代理：内网直连对端。
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=settings.EXCHANGE_12345_TIMEOUT) as response:
            response.read(65536)
            return response.status
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"对端答 {exc.code} {exc.reason}", exc.code) from None
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"连不上对端：{reason}") from None


def _due(now: datetime):
    earlier = OutboxMessage.objects.filter(work_order=OuterRef("work_order"), pk__lt=OuterRef("pk"),
                                           delivered_at__isnull=True)
    return (OutboxMessage.objects.filter(delivered_at__isnull=True, failed_at__isnull=True, next_attempt_at__lte=now)
            .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_LEASE))
            .filter(~Exists(earlier)))


def claim(pk: int, now: datetime) -> bool:
    """以一条 UPDATE 认领一条待发消息；返回是否认领成功（两个 worker 不会同时发同一条）。"""
    from django.db.models import F

    return OutboxMessage.objects.filter(pk=pk, delivered_at__isnull=True, failed_at__isnull=True).filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_LEASE)
    ).update(claimed_at=now, attempts=F("attempts") + 1) == 1


def backoff(attempts: int) -> timedelta:
    """第 n 次失败后等多久：30 秒起每次翻倍，至多 1 小时。"""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)


def mark_delivered(message: OutboxMessage, status: int) -> None:
    with transaction.atomic():
        OutboxMessage.objects.filter(pk=message.pk).update(delivered_at=clock.now(), last_status=status,
                                                           last_error="", claimed_at=None)
        record(actor=None, action="exchange.message_delivered", obj=message.work_order,
               changes={"message": [None, message.idempotency_key], "status": [None, status]})


def mark_failed(message: OutboxMessage, error: DeliveryError, now: datetime) -> None:
    give_up = message.attempts >= MAX_ATTEMPTS or error.status in PERMANENT
    with transaction.atomic():
        OutboxMessage.objects.filter(pk=message.pk).update(
            claimed_at=None, last_error=str(error)[:500], last_status=error.status,
            failed_at=now if give_up else None, next_attempt_at=now + backoff(message.attempts))
        if give_up:
            record(actor=None, action="exchange.message_failed", obj=message.work_order,
                   changes={"message": [None, message.idempotency_key], "error": [None, str(error)[:200]]})


def deliver_pending(*, limit: int = 100, now: datetime | None = None) -> int:
    """周期任务：发送到期的回传消息；返回本次送达的条数。未配置对端时什么也不做。可多个 worker 同时运行。"""
    if not endpoint():
        return 0
    now = now or clock.now()
    delivered, blocked = 0, set()
    for pk, order_id in _due(now).order_by("id").values_list("pk", "work_order_id")[:limit]:
        if order_id in blocked or not claim(pk, now):
            continue
        message = OutboxMessage.objects.select_related("work_order").get(pk=pk)
        try:
            status = post(message)
        except DeliveryError as exc:
            log.warning("12345 回传 %s 失败（第 %s 次）：%s", message.idempotency_key, message.attempts, exc)
            mark_failed(message, exc, now)
            blocked.add(order_id)  # 同一工单后面的消息不能越过它先到
            continue
        mark_delivered(message, status)
        delivered += 1
    return delivered


def run() -> int:
    """周期任务"12345 回传"：先把新的办理记录写成消息，再发送。"""
    scan_events()
    return deliver_pending()


@transaction.atomic
def retry_failed(*, by=None, pk: int | None = None) -> int:
    """把停止重试的消息重新排进队列（运维在对端修好后用）；返回条数。"""
    queryset = OutboxMessage.objects.filter(delivered_at__isnull=True, failed_at__isnull=False)
    if pk is not None:
        queryset = queryset.filter(pk=pk)
    ids = list(queryset.values_list("pk", flat=True))
    count = OutboxMessage.objects.filter(pk__in=ids).update(failed_at=None, attempts=0, next_attempt_at=clock.now())
    if count:
        record(actor=by, action="exchange.message_retry", object_type="exchange.outboxmessage",
               object_id=pk or "", object_repr=f"{count} 条", changes={"retry": [None, count]})
    return count


def summary() -> dict:
    """各状态的条数（命令 `xinfang exchange status` 与页面用）。"""
    pending = OutboxMessage.objects.filter(delivered_at__isnull=True, failed_at__isnull=True)
    return {
        "pending": pending.count(),
        "retrying": pending.filter(attempts__gt=0).count(),
        "failed": OutboxMessage.objects.filter(delivered_at__isnull=True, failed_at__isnull=False).count(),
        "delivered": OutboxMessage.objects.filter(delivered_at__isnull=False).count(),
        "cursor": cursors.position(CURSOR),
    }
