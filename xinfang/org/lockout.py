"""登录失败锁定：按账号、按来源 IP 分别计数；到达上限即锁定一段时间，管理员可提前解锁。"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction

from xinfang.audit.services import record
from xinfang.core import clock

from .models import LoginThrottle, ThrottleKind


def client_ip(request) -> str:
    # 只信任直连地址：X-Forwarded-For 可被伪造，用它做锁定依据等于让人绕过锁定。
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _window() -> timedelta:
    return timedelta(minutes=settings.LOGIN_LOCK_MINUTES)


def refusal(username: str, ip: str) -> str | None:
    """若账号或 IP 正被锁定，返回给用户看的中文说明；否则 None。"""
    now = clock.now()
    locks = LoginThrottle.objects.filter(locked_until__gt=now).filter(
        kind=ThrottleKind.ACCOUNT, key=username.lower()
    ) | LoginThrottle.objects.filter(locked_until__gt=now, kind=ThrottleKind.IP, key=ip)
    for lock in locks:
        until = clock.local_date(lock.locked_until)
        minutes = max(1, int((lock.locked_until - now).total_seconds() // 60) + 1)
        what = "该账号" if lock.kind == ThrottleKind.ACCOUNT else "您所在的网络地址"
        return (
            f"{what}因连续登录失败已被锁定，约 {minutes} 分钟后（{until:%Y-%m-%d} "
            f"{clock.localtime(lock.locked_until):%H:%M}）自动解锁；如需立即解锁，请联系系统管理员。"
        )
    return None


@transaction.atomic
def register_failure(username: str, ip: str) -> None:
    """记一次失败；账号或 IP 达到上限时锁定，并写审计记录。"""
    limits = {
        ThrottleKind.ACCOUNT: (username.lower(), settings.LOGIN_FAILURES_PER_ACCOUNT),
        ThrottleKind.IP: (ip, settings.LOGIN_FAILURES_PER_IP),
    }
    now = clock.now()
    record(actor=None, action="login.failed", object_type="org.staff", object_repr=username[:150], ip=ip)
    for kind, (key, limit) in limits.items():
        if not key:
            continue
        throttle, _ = LoginThrottle.objects.select_for_update().get_or_create(kind=kind, key=key)
        if throttle.first_failure_at is None or now - throttle.first_failure_at > _window():
            throttle.failures, throttle.first_failure_at = 0, now
        throttle.failures += 1
        if throttle.failures >= limit:
            throttle.locked_until = now + _window()
            record(actor=None, action="login.locked", obj=throttle, ip=ip,
                   changes={"locked_until": [None, throttle.locked_until.isoformat()]})
        throttle.save()


@transaction.atomic
def register_success(user, ip: str) -> None:
    """登录成功：清零该账号的失败计数，记审计。"""
    LoginThrottle.objects.filter(kind=ThrottleKind.ACCOUNT, key=user.username.lower()).delete()
    record(actor=user, action="login", obj=user, ip=ip)


@transaction.atomic
def register_logout(user, ip: str) -> None:
    """退出登录：记审计。"""
    record(actor=user, action="logout", obj=user, ip=ip)


@transaction.atomic
def unlock(throttle: LoginThrottle, *, by) -> None:
    """管理员解锁一个账号或 IP。"""
    throttle = LoginThrottle.objects.select_for_update().get(pk=throttle.pk)
    record(actor=by, action="login.unlock", obj=throttle,
           changes={"locked_until": [throttle.locked_until and throttle.locked_until.isoformat(), None]})
    throttle.delete()


def current_locks():
    return LoginThrottle.objects.filter(locked_until__gt=clock.now()).order_by("-locked_until")


def purge_expired_locks() -> int:
    """删除锁定期已过、且失败窗口也已过的计数行（它们不再影响任何判断）。"""
    stale = clock.now() - _window()
    deleted, _ = LoginThrottle.objects.filter(first_failure_at__lt=stale).exclude(locked_until__gt=clock.now()).delete()
    return deleted
