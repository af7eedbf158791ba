from django.contrib.auth.decorators import login_not_required
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@require_GET
@never_cache
@login_not_required
def healthz(request):
    """运行状况：数据库（配置了 Redis 时还有 Redis）是否可用。不含任何敏感信息，无需登录。"""
    parts = {"database": _check_database()}
    if settings.REDIS_URL:
        parts["redis"] = _check_redis()
    healthy = all(v == "ok" for v in parts.values())
    return JsonResponse({"status": "ok" if healthy else "error", **parts}, status=200 if healthy else 503)


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return "error"
    return "ok"


def _check_redis() -> str:
    from django.core.cache import cache

    try:
        cache.set("healthz", "ok", 5)
        return "ok" if cache.get("healthz") == "ok" else "error"
    except Exception:
        return "error"


def csrf_failure(request, reason: str = ""):
    """CSRF 校验失败（过期或伪造的提交）：中文说明，什么也不改。"""
    return render(request, "403_csrf.html", status=403)
