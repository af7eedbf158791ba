"""节假日表的写操作：每次修改都记审计，并让各进程重建工作日历。

已存储的期限列由每日任务（或 `xinfang recompute-deadlines` 立即）重算。
"""

from django.db import transaction

from xinfang.audit.services import diff, record, snapshot

from .calendar import calendar_changed
from .models import CalendarYear, Holiday
from .notice import Notice


@transaction.atomic
def save_holiday(holiday: Holiday, *, by) -> Holiday:
    before = snapshot(Holiday.objects.get(pk=holiday.pk), ("day", "is_workday", "name")) if holiday.pk else {}
    holiday.full_clean()
    holiday.save()
    record(actor=by, action="holiday.save", obj=holiday,
           changes=diff(before, snapshot(holiday, ("day", "is_workday", "name"))))
    calendar_changed()
    return holiday


@transaction.atomic
def delete_holiday(holiday: Holiday, *, by) -> None:
    record(actor=by, action="holiday.delete", obj=holiday)
    holiday.delete()
    calendar_changed()


@transaction.atomic
def save_calendar_year(year: CalendarYear, *, by) -> CalendarYear:
    year.full_clean(validate_unique=False)
    year.save()
    record(actor=by, action="calendar_year.save", obj=year, changes={"notice": [None, year.notice]})
    calendar_changed()
    return year


@transaction.atomic
def delete_calendar_year(year: CalendarYear, *, by) -> None:
    record(actor=by, action="calendar_year.delete", obj=year)
    year.delete()
    calendar_changed()


@transaction.atomic
def enter_year_notice(notice: Notice, *, by) -> dict[str, int]:
    """录入某年的国务院放假通知：逐日写入节假日表（各记审计），并把该年记为已录入，
    此后该年的期限不再暂定。表中该年另有、通知里没有的调整（如地方性假日）保留。

    期限列的重算不在这里（core 不依赖 petitions），见 petitions.actions.config.enter_calendar_notice。
    """
    existing = {h.day: h for h in Holiday.objects.filter(day__in=list(notice.days))}
    written = 0
    for day, (is_work, name) in notice.days.items():
        holiday = existing.get(day) or Holiday(day=day)
        if holiday.pk and holiday.is_workday == is_work and holiday.name == name:
            continue
        holiday.is_workday, holiday.name = is_work, name
        save_holiday(holiday, by=by)
        written += 1
    year = CalendarYear.objects.filter(pk=notice.year).first() or CalendarYear(year=notice.year)
    before = year.notice if year.pk else None
    year.notice = notice.notice
    year.full_clean(validate_unique=False)
    year.save()
    record(actor=by, action="calendar_year.enter_notice", obj=year,
           changes={"notice": [before, year.notice], "days": [None, len(notice.days)]})
    calendar_changed()
    kept = (Holiday.objects.filter(day__year=notice.year).exclude(day__in=list(notice.days)).count())
    return {"days": len(notice.days), "written": written, "kept": kept}
