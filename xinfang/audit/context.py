"""当前请求的来源地址，供 audit.record 自动填入（视图、服务不必一层层传 ip）。

地址只取 REMOTE_ADDR：在受信任的反向代理之后，waitress（trusted_proxy）已按代理给的
X-Forwarded-For 改写了它；客户端自己带的转发头不被采信（见 settings.TRUSTED_PROXY）。
"""

from __future__ import annotations

from contextvars import ContextVar

_ip: ContextVar[str | None] = ContextVar("audit_ip", default=None)


def current_ip() -> str | None:
    return _ip.get()


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


class AuditContextMiddleware:
    """在每个请求期间记下来源地址；请求结束即清除（waitress 的线程会被下一个请求复用）。"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            _ip.reset(token)
