"""全站的响应头与请求边界。"""

from __future__ import annotations


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
