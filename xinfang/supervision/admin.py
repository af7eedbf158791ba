"""配置后台：只读查看督办数据（写入一律经 actions，以便记审计）。"""

from django.contrib import admin

from xinfang.core.admin import ReadOnlyAdmin

from .models import AccountabilityRecord, Notification, SupervisionOrder


@admin.register(SupervisionOrder)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("number", "level", "matter", "status", "due_on", "issuer")
    list_filter = ("level", "status")


@admin.register(AccountabilityRecord)
class RecordAdmin(ReadOnlyAdmin):
    list_display = ("matter", "ground", "status", "proposed_at")
    list_filter = ("ground", "status")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("recipient", "kind", "title", "created_at", "sent_at", "failed_at", "attempts")
    list_filter = ("kind",)
