"""The one clock: every "now" and "today" in Xinfang comes from here, aware and in Asia/Shanghai."""

from datetime import date, datetime

from django.utils import timezone


def now() -> datetime:
    """当前时刻（带时区）。测试用 time-machine 冻结它。"""
    return timezone.now()


def local_date(moment: datetime | None = None) -> date:
    """某一时刻（默认现在）在 Asia/Shanghai 的日历日期。"""
    return timezone.localdate(moment or now())


def today() -> date:
    return local_date()


def localtime(moment: datetime) -> datetime:
    """把一个时刻换算到 Asia/Shanghai 显示。"""
    return timezone.localtime(moment)
