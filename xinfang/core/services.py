"""节假日表的写操作：每次修改都记审计，并让各进程重建工作日历。

已存储的期限列由每日任务（或 `xinfang recompute-deadlines` 立即）重算。
"""

from django.db import transaction

from xinfang.audit.services import diff, record, snapshot

from .calendar import calendar_changed
from .models import CalendarYear, Holiday


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
