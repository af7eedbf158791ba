from django.contrib import admin

from . import services
from .models import CalendarYear, Holiday


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
