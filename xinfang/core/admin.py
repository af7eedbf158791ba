from django.contrib import admin

from . import services
from .models import CalendarYear, Holiday


class ReadOnlyAdmin(admin.ModelAdmin):
    """只读查看：这些数据只经各应用的写操作产生（以便记审计），后台不能增删改。"""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ("day", "is_workday", "name")
    list_filter = ("is_workday",)
    date_hierarchy = "day"

    def save_model(self, request, obj, form, change):
        services.save_holiday(obj, by=request.user)

    def delete_model(self, request, obj):
        services.delete_holiday(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.delete_holiday(obj, by=request.user)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "notice")

    def save_model(self, request, obj, form, change):
        services.save_calendar_year(obj, by=request.user)

    def delete_model(self, request, obj):
        services.delete_calendar_year(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.delete_calendar_year(obj, by=request.user)
