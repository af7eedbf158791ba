"""当前部署的工作日历：从节假日表装配，缓存到表被修改为止。"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction

from .workcalendar import WorkCalendar

_VERSION_KEY = "xinfang:calendar-version"
_cached: tuple[object, WorkCalendar] | None = None


def current_calendar() -> WorkCalendar:
    """本部署的工作日历（节假日表 + chinesecalendar）。表改动后各进程在下次调用时重建。"""
    global _cached
    version = cache.get(_VERSION_KEY, 0)
    if _cached is None or _cached[0] != version:
        _cached = (version, load_calendar())
    return _cached[1]


def load_calendar() -> WorkCalendar:
    """直接从节假日表装配（不看缓存）：在同一事务里刚改过表、要马上按新表重算时用。"""
    from .models import CalendarYear, Holiday

    overrides = dict(Holiday.objects.values_list("day", "is_workday"))
    return WorkCalendar(overrides, covered_years=CalendarYear.objects.values_list("year", flat=True))


def calendar_changed() -> None:
    """节假日表被修改后调用（在事务提交后生效）。"""

    def bump() -> None:
        global _cached
        try:
            cache.incr(_VERSION_KEY)
        except ValueError:
            cache.set(_VERSION_KEY, 1, None)
        _cached = None

    transaction.on_commit(bump)

