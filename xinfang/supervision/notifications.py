"""通知：写入站内信箱（同一行兼作邮件、短信的发送队列），以及周期任务认领并发送。

认领照 Healthchecks 的做法：先读出候选 id，再对每一行执行一条
``UPDATE … WHERE id = ? AND sent_at IS NULL AND (claimed_at IS NULL OR claimed_at < 过期)``，
只有更新到 1 行的 worker 去发。PostgreSQL 在行锁释放后重新判断 WHERE，SQLite 串行写，
所以两个 worker 不会发同一条。发送失败的按指数退避重试，多次失败后放弃并记下原因。
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q

from xinfang.audit.services import record
from xinfang.core import clock

from . import sms
from .models import URGENT_KINDS, Notification, NotificationPreference

log = logging.getLogger("xinfang.notifications")

CLAIM_LEASE = timedelta(minutes=10)  # 认领后这么久没发完（worker 崩溃），别的 worker 可以重新认领
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Draft:
    recipient_id: int
    kind: str
    title: str
    body: str = ""
    url: str = ""
    matter_id: int | None = None
    data: dict | None = None
    key: str = ""  # 去重键：同一 (接收人, 键) 只写一次，见 create_once


def next_quiet_end(moment: datetime, start: time | None, end: time | None) -> datetime | None:
    """若 moment（本地时间）落在免打扰时段内，返回时段结束的时刻；否则 None。时段可跨午夜（22:00–07:00）。"""
    if start is None or end is None or start == end:
        return None
    local = clock.localtime(moment)
    now_t = local.time()
    inside = (start <= now_t < end) if start < end else (now_t >= start or now_t < end)
    if not inside:
        return None
    day = local.date() if now_t < end else local.date() + timedelta(days=1)
    return local.replace(year=day.year, month=day.month, day=day.day, hour=end.hour, minute=end.minute,
                         second=0, microsecond=0)


def _outbox_fields(drafts: list[Draft], now: datetime) -> dict[int, tuple[list[str], datetime]]:
    """每位接收人的外部渠道与最早发送时刻（按偏好与免打扰时段）。"""
    from xinfang.org.models import Staff

    ids = {d.recipient_id for d in drafts}
    prefs = NotificationPreference.objects.in_bulk(ids)
    contacts = {pk: (email, phone) for pk, email, phone in
                Staff.objects.filter(pk__in=ids).values_list("pk", "email", "phone")}
    result = {}
    for pk in ids:
        pref = prefs.get(pk) or NotificationPreference(staff_id=pk)
        email, phone = contacts.get(pk, ("", ""))
        channels = [c for c, wanted, address in (("email", pref.email, email), ("sms", pref.sms, phone))
                    if wanted and address]
        result[pk] = (channels, next_quiet_end(now, pref.quiet_start, pref.quiet_end))
    return result


def _rows(drafts: list[Draft], now: datetime) -> list[Notification]:
    outbox = _outbox_fields(drafts, now)
    rows = []
    for d in drafts:
        channels, quiet_end = outbox[d.recipient_id]
        after = now if d.kind in URGENT_KINDS or quiet_end is None else quiet_end
        rows.append(Notification(
            recipient_id=d.recipient_id, kind=d.kind, title=d.title[:200], body=d.body, url=d.url,
            matter_id=d.matter_id, data=d.data or {}, key=d.key[:120], created_at=now, channels=channels,
            deliver_after=after, sent_at=None if channels else now,
        ))
    return rows


def create(drafts: Iterable[Draft], *, now: datetime | None = None) -> list[Notification]:
    """写入通知（在调用方的事务中）；没有外部渠道的直接记为已发送，不进队列。"""
    drafts = list(drafts)
    if not drafts:
        return []
    # 这张表本身就是发送队列（outbox）：周期任务"发送通知"（core.jobs.SCHEDULE，每 30 秒）认领并发送，
    # 这里不排任何任务——领域代码不依赖队列，也就没有 notifications → tasks → notifications 的循环导入。
    return Notification.objects.bulk_create(_rows(drafts, now or clock.now()), batch_size=1000)


def create_once(drafts: Iterable[Draft], *, now: datetime | None = None) -> int:
    """同 create，但 (接收人, 去重键) 已有通知的不再写：周期任务重复运行、重读到同一事件都不重复提醒。
    返回新写的条数。"""
    drafts = [d for d in drafts if d.key]
    if not drafts:
        return 0
    existing: set[tuple[int, str]] = set()
    keys = sorted({d.key for d in drafts})
    for i in range(0, len(keys), 500):
        existing.update(Notification.objects.filter(key__in=keys[i:i + 500]).values_list("recipient_id", "key"))
    fresh, seen = [], set(existing)
    for d in drafts:
        if (d.recipient_id, d.key) not in seen:
            seen.add((d.recipient_id, d.key))
            fresh.append(d)
    if not fresh:
        return 0
    # 两个进程同时写同一条时由唯一约束兜底（后到者跳过）；返回的条数按预先筛过的算。
    Notification.objects.bulk_create(_rows(fresh, now or clock.now()), batch_size=1000, ignore_conflicts=True)
    return len(fresh)


def claim(pk: int, now: datetime) -> bool:
    """以一条 UPDATE 认领一条待发通知；返回是否认领成功。"""
    return Notification.objects.filter(pk=pk, sent_at__isnull=True, failed_at__isnull=True).filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_LEASE)
    ).update(claimed_at=now, attempts=F("attempts") + 1) == 1


def _send(notification: Notification) -> None:
    text = f"【信访督办】{notification.title}"
    if notification.body:
        text += f"：{notification.body}"
    staff = notification.recipient
    if "email" in notification.channels:
        send_mail(notification.title, text, settings.DEFAULT_FROM_EMAIL, [staff.email])
    if "sms" in notification.channels:
        sms.get_backend().send(staff.phone, text[:300])


def deliver_pending(*, limit: int = 200, now: datetime | None = None) -> int:
    """发送到期的待发通知（邮件、短信）；返回本次发出的条数。可多个 worker 同时运行。"""
    now = now or clock.now()
    candidates = list(
        Notification.objects.filter(sent_at__isnull=True, failed_at__isnull=True, deliver_after__lte=now)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_LEASE))
        .order_by("deliver_after", "id").values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for pk in candidates:
        if not claim(pk, now):
            continue  # 别的 worker 先认领了
        notification = Notification.objects.select_related("recipient").get(pk=pk)
        try:
            _send(notification)
        except Exception as exc:  # 网关、邮件服务器的任何错误：记下，退避后重试
            log.warning("通知 %s 发送失败：%s", pk, exc)
            give_up = notification.attempts >= MAX_ATTEMPTS
            Notification.objects.filter(pk=pk).update(
                claimed_at=None, last_error=str(exc)[:500], failed_at=now if give_up else None,
                deliver_after=now + timedelta(minutes=2 ** notification.attempts),
            )
            continue
        with transaction.atomic():
            Notification.objects.filter(pk=pk).update(sent_at=clock.now(), last_error="")
            record(actor=None, action="notification.send", obj=notification,
                   changes={"channels": [None, notification.channels]})
        sent += 1
    return sent


# -- 站内信箱 ----------------------------------------------------------------------------


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


@transaction.atomic
def mark_read(user, *, pk: int | None = None) -> int:
    """把自己的一条（或全部）未读通知标为已读；返回标记的条数。"""
    queryset = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if pk is not None:
        queryset = queryset.filter(pk=pk)
    count = queryset.update(read_at=clock.now())
    if count:
        record(actor=user, action="notification.read", object_type="supervision.notification",
               object_id=pk or "", object_repr=f"{count} 条", changes={"read": [None, count]})
    return count


@transaction.atomic
def set_preferences(user, *, email: bool, sms: bool, quiet_start: time | None, quiet_end: time | None
                    ) -> NotificationPreference:
    """保存个人通知偏好（免打扰时段须同时给出起止，或都不给）。"""
    from django.core.exceptions import ValidationError

    if (quiet_start is None) != (quiet_end is None):
        raise ValidationError({"quiet_start": "免打扰时段须同时填写开始与结束时间，或都不填。"})
    pref, _ = NotificationPreference.objects.get_or_create(staff=user)
    before = [pref.email, pref.sms, str(pref.quiet_start), str(pref.quiet_end)]
    pref.email, pref.sms, pref.quiet_start, pref.quiet_end = email, sms, quiet_start, quiet_end
    pref.save()
    record(actor=user, action="notification.preferences", obj=user,
           changes={"preferences": [before, [email, sms, str(quiet_start), str(quiet_end)]]})
    return pref
