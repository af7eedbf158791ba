"""配置后台：回访、查询码与限流只读查看（写入只经 actions，以便审计）。"""

from django.contrib import admin

from .models import PortalAccess, PortalThrottle, ReturnVisit


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReturnVisit)
class ReturnVisitAdmin(ReadOnly):
    list_display = ("matter", "reply_kind", "department", "replied_on", "due_on", "done_at", "needs_attention")
    list_filter = ("reply_kind", "needs_attention")
    search_fields = ("matter__number",)


@admin.register(PortalAccess)
class PortalAccessAdmin(ReadOnly):
    list_display = ("matter", "consented_at", "created_at")
    exclude = ("salt", "code_hash")
    search_fields = ("matter__number",)


@admin.register(PortalThrottle)
class PortalThrottleAdmin(ReadOnly):
    list_display = ("scope", "count", "window_started_at", "locked_until")
    list_filter = ("scope",)
