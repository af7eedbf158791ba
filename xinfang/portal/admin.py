"""配置后台：回访、查询码与限流只读查看（写入只经 actions，以便审计）。"""

from django.contrib import admin

from xinfang.core.admin import ReadOnlyAdmin

from .models import PortalAccess, PortalThrottle, ReturnVisit


@admin.register(ReturnVisit)
class ReturnVisitAdmin(ReadOnlyAdmin):
    list_display = ("matter", "reply_kind", "department", "replied_on", "due_on", "done_at", "needs_attention")
    list_filter = ("reply_kind", "needs_attention")
    search_fields = ("matter__number",)


@admin.register(PortalAccess)
class PortalAccessAdmin(ReadOnlyAdmin):
    list_display = ("matter", "consented_at", "created_at")
    exclude = ("salt", "code_hash")
    search_fields = ("matter__number",)


@admin.register(PortalThrottle)
class PortalThrottleAdmin(ReadOnlyAdmin):
    list_display = ("scope", "count", "window_started_at", "locked_until")
    list_filter = ("scope",)
