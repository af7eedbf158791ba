"""全站的响应头与请求边界。"""

from __future__ import annotations

import time

from django.conf import settings
from django.http import Http404
from django.template.response import TemplateResponse


class NoStoreMiddleware:
    """页面与下载都可能含信访人个人信息：不许浏览器、代理缓存（Cache-Control: no-store）。

    静态文件由排在前面的 WhiteNoise 直接返回，不经过这里，照常长期缓存。视图自己设了
    Cache-Control 的（如健康检查）保持不变。
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store, private"
        return response


class SessionRefreshMiddleware:
    """会话"无操作 N 分钟失效、有操作顺延"，但顺延不必每个请求都写一次会话行。

    原来的 SESSION_SAVE_EVERY_REQUEST 让每个请求（包括只读的 GET）都 UPDATE django_session：SQLite 上
    每个页面都要抢一次整库写锁，和登记、审计排队（负载基准里看得到）。这里只在上次顺延已过
    SESSION_REFRESH_SECONDS（默认 60 秒）时把会话标记为已改，由排在前面的 SessionMiddleware 保存、顺延；
    所以实际的无操作时限在 N 分钟减去这个间隔到 N 分钟之间。只顺延已经存在、本请求读过的会话：
    无效的旧 Cookie 不会因此生出一个新会话。
    """

    KEY = "_refreshed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.accessed and not session.modified and session.session_key:
            now = int(time.time())
            if now - session.get(self.KEY, 0) >= settings.SESSION_REFRESH_SECONDS:
                session[self.KEY] = now
        return response


# 请求的边界：超出的给出中文的 400，而不是让超长的值一路走到数据库变成 500。
MAX_PAGE = 100_000
MAX_DB_ID = 2**63 - 1  # PostgreSQL bigint 的上限；SQLite 的 INTEGER 同样
HEADER_LIMITS = {
    # 多部分表单的 boundary 按 RFC 2046 至多 70 个字符，整个 Content-Type（含 charset）不超过约 115 个字符。
    "CONTENT_TYPE": ("Content-Type", 128),
    "HTTP_USER_AGENT": ("User-Agent", 1000),
    "HTTP_REFERER": ("Referer", 2000),
    "HTTP_ORIGIN": ("Origin", 500),
    "HTTP_ACCEPT_LANGUAGE": ("Accept-Language", 500),
    "HTTP_X_REQUESTED_WITH": ("X-Requested-With", 100),
    "HTTP_HX_CURRENT_URL": ("HX-Current-URL", 2000),
    "HTTP_HX_TARGET": ("HX-Target", 200),
    "HTTP_HX_TRIGGER": ("HX-Trigger", 200),
}
MAX_QUERY_STRING = 8192


def bad_request(request, message: str):
    return TemplateResponse(request, "400.html", {"message": message}, status=400)


class RequestLimitsMiddleware:
    """请求头长度、查询串长度、页码、路径里的编号都有上限。"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = self.problem(request)
        if problem:
            return bad_request(request, problem).render()
        return self.get_response(request)

    @staticmethod
    def problem(request) -> str | None:
        for key, (name, limit) in HEADER_LIMITS.items():
            if len(request.META.get(key, "")) > limit:
                return f"请求头 {name} 过长（超过 {limit} 个字符），请求未处理。"
        if len(request.META.get("QUERY_STRING", "")) > MAX_QUERY_STRING:
            return f"网址中的查询条件过长（超过 {MAX_QUERY_STRING} 个字符），请减少条件后重试。"
        for page in request.GET.getlist("page"):
            if page and not (page.isascii() and page.isdigit() and 1 <= int(page) <= MAX_PAGE):
                return f"页码须是 1 到 {MAX_PAGE} 之间的整数，收到的是“{page[:30]}”。"
        return None

    def process_view(self, request, view_func, view_args, view_kwargs):
        # 路径里的 <int:pk> 超过数据库整数的范围：不可能有这条记录，答 404（与"看不到"一致）。
        for value in (*view_args, *view_kwargs.values()):
            if isinstance(value, int) and not -MAX_DB_ID <= value <= MAX_DB_ID:
                raise Http404("编号超出范围")
        return None
