"""API 令牌：管理员发给一个对接系统（集成）的凭据。库里只存前缀与散列，原文只显示一次。

每个令牌有一个“服务身份”（一个没有密码、没有角色的人员账号，部门即令牌的部门范围），
事件与审计里的操作人就是它；它的权限恰好是令牌的能力（scopes），由权限表 org/permissions.py 回答。
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from xinfang.core import clock


class ApiToken(models.Model):
    name = models.CharField("名称（对接系统）", max_length=80)
    prefix = models.CharField("前缀", max_length=16, unique=True)
    hashed = models.CharField("散列（SHA-256）", max_length=64)
    scopes = models.JSONField("能力", default=list)
    department = models.ForeignKey("org.Department", verbose_name="部门范围", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+",
                                   help_text="令牌只在该部门及其下级范围内有效；空表示整个组织")
    service = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name="服务身份", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("签发时间")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="签发人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    rotated_at = models.DateTimeField("最近更换时间", null=True, blank=True)
    expires_at = models.DateTimeField("到期时间", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    last_used_at = models.DateTimeField("最近使用时间", null=True, blank=True)
    last_used_ip = models.GenericIPAddressField("最近使用来源", null=True, blank=True)
    # 限流：固定一分钟窗口，在锁住的令牌行上“查 + 计”（与门户限额同一做法）。
    window_started_at = models.DateTimeField("限流窗口起点", null=True, blank=True)
    window_count = models.PositiveIntegerField("窗口内调用次数", default=0)

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

    @property
    def state(self) -> str:
        if self.revoked_at:
            return "已吊销"
        if self.expires_at and self.expires_at <= clock.now():
            return "已过期"
        return "有效"


class SessionCallWindow(models.Model):
    """登录会话调用接口的限流窗口：每个账号一行，与令牌同一做法（固定一分钟窗口，在锁住的行上“查 + 计”）。
    浏览器会话与令牌同受 API_CALLS_PER_MINUTE 的限额，一个账号开几个会话也算在一起。"""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name="账号", on_delete=models.CASCADE,
                                related_name="+")
    window_started_at = models.DateTimeField("限流窗口起点", null=True, blank=True)
    window_count = models.PositiveIntegerField("窗口内调用次数", default=0)

    class Meta:
        verbose_name = "会话调用限流"
        verbose_name_plural = "会话调用限流"
