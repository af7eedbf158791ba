"""配置后台：只读查看督办数据（写入一律经 actions，以便记审计）。"""

from django.contrib import admin

from .models import AccountabilityRecord, JobCursor, Notification, SupervisionOrder


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SupervisionOrder)
class OrderAdmin(ReadOnly):
    list_display = ("number", "level", "matter", "status", "due_on", "issuer")
    list_filter = ("level", "status")


@admin.register(AccountabilityRecord)
class RecordAdmin(ReadOnly):
    list_display = ("matter", "ground", "status", "proposed_at")
    list_filter = ("ground", "status")


@admin.register(Notification)
class NotificationAdmin(ReadOnly):
    list_display = ("recipient", "kind", "title", "created_at", "sent_at", "failed_at", "attempts")
    list_filter = ("kind",)


@admin.register(JobCursor)
class CursorAdmin(ReadOnly):
    list_display = ("name", "position", "ran_at")
