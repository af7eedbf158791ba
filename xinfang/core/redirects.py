"""跳转只去本系统自己的路径：`next` 之类的参数来自用户，可被做成钓鱼链接（//evil.example、https://…）。"""

from __future__ import annotations

from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, value: str | None, fallback: str) -> str:
    """value 是本站路径（以单个 / 开头、无主机、无协议）时返回它，否则返回 fallback（可为 URL 名称）。"""
    value = (value or "").strip()
    if (value.startswith("/") and not value.startswith(("//", "/\\"))
            and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()},
                                                require_https=request.is_secure())):
        return value
    return resolve_url(fallback)
