"""初始密码或被重置的密码：登录后先改密码，别的页面一律转到改密码页。"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

# 改密码之前仍可用的地址：改密码页本身、退出、静态文件、健康检查。
ALLOWED_PREFIXES = ("/static/", "/healthz", "/accounts/logout/", "/accounts/login/")


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):
            target = reverse("password_change")
            if request.path != target and not request.path.startswith(ALLOWED_PREFIXES):
                messages.warning(request, "您的密码是管理员设置的初始密码或重置密码，请先修改密码再使用系统。")
                return redirect(target)
        return self.get_response(request)
