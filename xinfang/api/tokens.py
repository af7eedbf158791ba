"""令牌的写操作（签发、更换、吊销）与核对。每个写操作在一个事务里记审计。

令牌原文形如 ``xf_<前缀>_<密钥>``：前缀用于查找（有唯一索引），库里只存整串的 SHA-256。
密钥有 256 位随机性，用不着加盐慢散列（与 GitHub 等的令牌同一做法）。
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from xinfang.audit.services import record
from xinfang.core import clock
from xinfang.org.models import Department, Staff

from .models import ApiToken

PREFIX_LENGTH = 8


def token_scopes() -> dict[str, str]:
    """令牌可以持有的能力：权限表里全部非公开的能力（代码 → 中文）。不另立一张表。"""
    from xinfang.org.permissions import all_capabilities

    return {code: cap.label for code, cap in sorted(all_capabilities().items()) if not cap.public}


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _new_secret() -> tuple[str, str, str]:
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    raw = f"xf_{prefix}_{secrets.token_urlsafe(32)}"
    return raw, prefix, _digest(raw)


def _check_scopes(scopes) -> list[str]:
    known = token_scopes()
    scopes = sorted({s.strip() for s in scopes if s and s.strip()})
    if not scopes:
        raise ValidationError({"scopes": "至少要给令牌一项能力"})
    unknown = [s for s in scopes if s not in known]
    if unknown:
        raise ValidationError({"scopes": f"权限表中没有这些能力：{'、'.join(unknown)}"})
    return scopes


def _root() -> Department:
    root = Department.objects.filter(parent__isnull=True, is_active=True).order_by("sort_order", "pk").first()
    if root is None:
        raise ValidationError({"department": "尚未建立组织机构，不能签发令牌"})
    return root


@transaction.atomic
def issue_token(*, by: Staff | None, name: str, scopes, department: Department | None = None,
                days: int | None = None) -> tuple[ApiToken, str]:
    """签发：建服务身份与令牌，返回（令牌记录, 原文）。原文只此一次，库里只存散列。"""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写令牌名称（对接系统的名字）"})
    if len(name) > 80:
        raise ValidationError({"name": "名称不能超过 80 个字"})
    scopes = _check_scopes(scopes)
    if days is not None and not 1 <= days <= 3650:
        raise ValidationError({"days": "有效天数须在 1 到 3650 之间"})
    raw, prefix, hashed = _new_secret()
    service = Staff(username=f"api-{prefix}", name=f"接口：{name}"[:50], department=department or _root())
    service.set_unusable_password()
    service.save()
    now = clock.now()
    token = ApiToken.objects.create(
        name=name, prefix=prefix, hashed=hashed, scopes=scopes, department=department, service=service,
        created_at=now, created_by=by if getattr(by, "is_authenticated", False) else None,
        expires_at=now + timedelta(days=days) if days else None,
    )
    record(actor=by, action="api_token.issue", obj=token, changes={
        "name": [None, name], "scopes": [None, scopes], "department": [None, str(department or "整个组织")],
        "expires_at": [None, token.expires_at.isoformat() if token.expires_at else None],
    })
    return token, raw


@transaction.atomic
def rotate_token(token: ApiToken, *, by: Staff | None) -> tuple[ApiToken, str]:
    """更换：同一令牌（名称、能力、服务身份不变）换一串新原文，旧原文立即失效。"""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at:
        raise ValidationError({"token": "令牌已吊销，不能更换；请重新签发"})
    raw, prefix, hashed = _new_secret()
    old = token.prefix
    token.prefix, token.hashed, token.rotated_at = prefix, hashed, clock.now()
    token.save(update_fields=["prefix", "hashed", "rotated_at"])
    record(actor=by, action="api_token.rotate", obj=token, changes={"prefix": [old, prefix]})
    return token, raw


@transaction.atomic
def revoke_token(token: ApiToken, *, by: Staff | None) -> ApiToken:
    """吊销：立即失效，服务身份停用。再吊销一次什么也不变。"""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at:
        return token
    token.revoked_at = clock.now()
    token.save(update_fields=["revoked_at"])
    Staff.objects.filter(pk=token.service_id).update(is_active=False)
    record(actor=by, action="api_token.revoke", obj=token, changes={"revoked_at": [None, token.revoked_at.isoformat()]})
    return token


class TokenRefused(Exception):
    """令牌不能用：中文说明与稳定代码。"""

    def __init__(self, code: str, message: str, status: int = 401):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def _find(raw: str) -> ApiToken | None:
    parts = (raw or "").split("_", 2)
    if len(parts) != 3 or parts[0] != "xf" or len(parts[1]) != PREFIX_LENGTH or len(raw) > 100:
        _digest("x" * 40)  # 格式不对也算一次散列，用时与查库相当
        return None
    token = ApiToken.objects.select_related("service", "service__department").filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.hashed, _digest(raw)):
        return None
    return token


def _valid_ip(ip: str | None) -> str | None:
    """只存真正的地址：测试客户端、某些代理给的 "unknown" 之类在 PostgreSQL 的 inet 列上会出错。"""
    try:
        return str(ipaddress.ip_address(ip)) if ip else None
    except ValueError:
        return None


def _count_call(model, pk: int, now, **also) -> int:
    """限流计数（令牌与登录会话同一做法）：固定一分钟窗口，返回本窗口内的第几次。

    “查 + 计”是一条 UPDATE … RETURNING：数据库逐行加锁执行，并发的请求排队，不会一起赶在计数之前；
    比“开事务、锁行读、再写”少三次往返（每次接口调用都要做）。`also`：同一条语句里顺带更新的列（令牌的最近使用）。
    """
    meta, ops = model._meta, connection.ops
    cutoff = ops.adapt_datetimefield_value(now - timedelta(minutes=1))
    extra = [(meta.get_field(name), value) for name, value in also.items()]
    qn = ops.quote_name
    sets = "".join(f", {qn(field.column)} = %s" for field, _ in extra)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {qn(meta.db_table)} SET "
            "window_count = CASE WHEN window_started_at > %s THEN window_count + 1 ELSE 1 END, "
            f"window_started_at = CASE WHEN window_started_at > %s THEN window_started_at ELSE %s END{sets} "
            "WHERE id = %s RETURNING window_count",
            [cutoff, cutoff, ops.adapt_datetimefield_value(now),
             *[field.get_db_prep_save(value, connection) for field, value in extra], pk])
        return cursor.fetchone()[0]


def count_session_call(user) -> None:
    """登录会话调用接口：按账号计数限流（与令牌同一限额、同一做法）；超出即 TokenRefused（429）。"""
    from .models import SessionCallWindow

    window, _ = SessionCallWindow.objects.get_or_create(user_id=user.pk)
    limit = settings.API_CALLS_PER_MINUTE
    if _count_call(SessionCallWindow, window.pk, clock.now()) > limit:
        raise TokenRefused("rate_limited", f"调用过于频繁：每个账号每分钟至多调用接口 {limit} 次，请稍后再试。",
                           status=429)


def authenticate(raw: str, *, ip: str | None = None) -> Staff:
    """凭令牌原文取服务身份（附 ``service_token``），并记下最近使用、按分钟计数限流。不能用即 TokenRefused。"""
    ip = _valid_ip(ip)
    token = _find(raw)
    if token is None:
        raise TokenRefused("token_invalid", "API 令牌无效（Authorization）：请核对令牌原文，或请管理员重新签发。")
    now = clock.now()
    if token.revoked_at:
        raise TokenRefused("token_revoked", f"API 令牌“{token.name}”已于 {clock.localtime(token.revoked_at):%Y-%m-%d %H:%M} 吊销（Authorization）。")
    if token.expires_at and token.expires_at <= now:
        raise TokenRefused("token_expired", f"API 令牌“{token.name}”已于 {clock.localtime(token.expires_at):%Y-%m-%d %H:%M} 过期（Authorization）。")
    limit = settings.API_CALLS_PER_MINUTE
    count = _count_call(ApiToken, token.pk, now, last_used_at=now, last_used_ip=ip or None)
    if count > limit:
        raise TokenRefused("rate_limited", f"调用过于频繁：每个令牌每分钟至多 {limit} 次，请稍后再试。", status=429)
    service = token.service
    service.service_token = token
    return service
