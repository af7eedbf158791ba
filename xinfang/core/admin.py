from django import forms
from django.contrib import admin

from . import services
from .models import CalendarYear, Holiday
from .notice import Notice, NoticeError, format_notice, parse_notice


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


class CalendarYearForm(forms.ModelForm):
    """录入一年的国务院放假通知：年份、文号，和通知逐日列出的放假日、调休上班日。"""

    days = forms.CharField(
        label="放假与上班日", widget=forms.Textarea(attrs={"rows": 16, "cols": 60}),
        help_text="一行一条：“YYYY-MM-DD 放假 名称”或“YYYY-MM-DD 至 YYYY-MM-DD 放假 名称”，调休上班日写“上班”。"
                  "日期须在该年内（元旦调休上班日可在上一年 12 月）；法定假日必须都列为放假。"
                  "保存后该年期限不再暂定，所有事项的期限立即重算。",
    )

    class Meta:
        model = CalendarYear
        fields = ("year", "notice")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["year"].disabled = True
            rows = Holiday.objects.filter(day__year__in=(self.instance.year - 1, self.instance.year)).order_by("day")
            days = {h.day: (h.is_workday, h.name) for h in rows
                    if h.day.year == self.instance.year or h.day.month == 12}
            body = format_notice(Notice(self.instance.year, "", days)).split("\n", 1)[1]
            self.initial.setdefault("days", body)

    def clean(self):
        cleaned = super().clean()
        year, days = cleaned.get("year"), cleaned.get("days")
        if year is None or days is None:
            return cleaned
        try:
            self.notice = parse_notice(days, year=year)
        except NoticeError as exc:
            self.add_error("days", str(exc))
        else:
            self.notice.notice = cleaned.get("notice") or ""
        return cleaned


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    form = CalendarYearForm
    list_display = ("year", "notice")

    def save_model(self, request, obj, form, change):
        from xinfang.petitions.actions.config import enter_calendar_notice

        result = enter_calendar_notice(form.notice, by=request.user)
        self.message_user(request, f"已录入 {form.notice.year} 年放假通知：{result['days']} 天；"
                                   f"期限有变化的事项 {result['recomputed']} 件。")

    def delete_model(self, request, obj):
        self.delete_queryset(request, [obj])

    def delete_queryset(self, request, queryset):
        from xinfang.core.calendar import load_calendar
        from xinfang.petitions.actions.config import recompute_deadlines

        for obj in queryset:
            services.delete_calendar_year(obj, by=request.user)
        # 撤销录入后该年又按推算的假日计、重新暂定：所有事项立即重算。
        recompute_deadlines(calendar=load_calendar())
