"""谁在调用：浏览器的登录会话（写操作查 CSRF），或对接系统的 API 令牌（Authorization: Bearer xf_…）。

每个地址由哪项能力把守，只查权限表 ROUTES（与页面同一张表）；令牌的服务身份由权限表按其能力回答。
对某件事项的范围（牵头单位、可见……）在视图里经 access_matter 查。
"""

from __future__ import annotations

from ninja.utils import check_csrf

from xinfang.audit import context
from xinfang.org import permissions

from . import tokens
from .errors import ApiError

SAFE = {"GET", "HEAD", "OPTIONS"}


def bearer(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return None


def principal(request, *, raw: str | None = None):
    """取调用者：令牌优先（给了令牌就只认令牌），否则登录会话。都没有则 None。"""
    raw = raw if raw is not None else bearer(request)
    if raw:
        try:
            service = tokens.authenticate(raw, ip=context.current_ip() or request.META.get("REMOTE_ADDR"))
        except tokens.TokenRefused as exc:
            raise ApiError(exc.status, exc.code, exc.message, "Authorization" if exc.status == 401 else None) from None
        request.user = service
        request._api_via_token = True
        return service
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        if request.method not in SAFE and not getattr(request, "_dont_enforce_csrf_checks", False):
            if check_csrf(request) is not None:
                raise ApiError(403, "csrf", "浏览器会话的写操作须带 CSRF 令牌（X-CSRFToken 头）；对接系统请用 API 令牌。",
                               "X-CSRFToken")
        try:
            tokens.count_session_call(user)
        except tokens.TokenRefused as exc:
            raise ApiError(exc.status, exc.code, exc.message, None) from None
        return user
    return None


def route_code(request) -> str:
    match = request.resolver_match
    code = permissions.route_capability(match.view_name, match.route, match.kwargs)
    if code is None:  # 不会发生：测试保证每个地址都在表中
        raise ApiError(403, "forbidden", "该地址不在权限表中")
    return code


class Caller:
    """ninja 的 auth：认出调用者，再按权限表查该地址的能力（只看角色或令牌能力；对事项的范围由视图查）。"""

    def __call__(self, request):
        user = principal(request)
        if user is None:
            return None  # ninja 答 401
        code = route_code(request)
        if code not in permissions.all_capabilities():
            raise ApiError(404, "unknown_action", f"没有这个动作：{code.removeprefix('matter.')}", "action")
        if not permissions.allows(user, code):
            message = permissions.refusal(user, code) or "您无权进行此操作"
            if getattr(user, "service_token", None) is not None:
                message = f"该令牌没有“{permissions.capability(code).label}”的能力（{code}）。"
            raise ApiError(403, "forbidden", message, "Authorization")
        return user


caller = Caller()
