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


def _limits(username: str, ip: str) -> dict[str, tuple[str, int]]:
    return {
        ThrottleKind.ACCOUNT: (username.lower(), settings.LOGIN_FAILURES_PER_ACCOUNT),
        ThrottleKind.IP: (ip, settings.LOGIN_FAILURES_PER_IP),
    }


def _locked_row(kind: str, key: str) -> LoginThrottle:
    # get_or_create 在并发建同一行时自己处理唯一约束冲突；再 select_for_update 锁住它。同一账号同时登录时，
    # 另一个请求的 register_success 可能恰在这两步之间删掉账号计数行（负载基准里 50 人用 6 个账号同时登录，
    # PostgreSQL 上 get 抛 DoesNotExist 成了 500）：取不到就重建再锁。
    for _ in range(5):
        LoginThrottle.objects.get_or_create(kind=kind, key=key)
        row = LoginThrottle.objects.select_for_update().filter(kind=kind, key=key).first()
        if row is not None:
            return row
    return LoginThrottle.objects.select_for_update().get(kind=kind, key=key)


@transaction.atomic
def claim_attempt(username: str, ip: str) -> str | None:
    """验密码之前先占一次尝试：在锁住的计数行上一步完成"查是否锁定 + 计数"。

    先记为失败、成功后再退回（register_success），所以同时发来的一批猜测不会都在计数之前通过检查：
    第 N 次占位即锁定，之后的全部被拒。被锁时返回给用户看的中文说明（这次不计数），否则 None。
    """
    now = clock.now()
    rows = []
    for kind, (key, limit) in _limits(username, ip).items():
        if not key:
            continue
        row = _locked_row(kind, key)
        if row.locked_until and row.locked_until > now:
            return refusal(username, ip)
        if row.first_failure_at is None or now - row.first_failure_at > _window():
            row.failures, row.first_failure_at, row.locked_until = 0, now, None
        rows.append((row, limit))
    for row, limit in rows:
        row.failures += 1
        if row.failures >= limit:
            row.locked_until = now + _window()
        row.save()
    return None


@transaction.atomic
def register_failure(username: str, ip: str) -> None:
    """密码不对（这次尝试已由 claim_attempt 计过数）：写审计；刚好到了上限的，记一条锁定。"""
    record(actor=None, action="login.failed", object_type="org.staff", object_repr=username[:150], ip=ip)
    for kind, (key, _) in _limits(username, ip).items():
        throttle = LoginThrottle.objects.filter(kind=kind, key=key, locked_until__gt=clock.now()).first()
        if throttle is not None and throttle.failures == (settings.LOGIN_FAILURES_PER_ACCOUNT
                                                           if kind == ThrottleKind.ACCOUNT
                                                           else settings.LOGIN_FAILURES_PER_IP):
            record(actor=None, action="login.locked", obj=throttle, ip=ip,
                   changes={"locked_until": [None, throttle.locked_until.isoformat()]})


@transaction.atomic
def register_success(user, ip: str, username: str = "") -> None:
    """登录成功：清零该账号的失败计数，退回本次在来源地址上占的一次，记审计。"""
    LoginThrottle.objects.filter(kind=ThrottleKind.ACCOUNT, key__in={user.username.lower(), username.lower()}).delete()
    row = LoginThrottle.objects.select_for_update().filter(kind=ThrottleKind.IP, key=ip).first()
    if row is not None and row.failures:
        row.failures -= 1
        if row.failures < settings.LOGIN_FAILURES_PER_IP:
            row.locked_until = None
        row.save(update_fields=["failures", "locked_until"])
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
