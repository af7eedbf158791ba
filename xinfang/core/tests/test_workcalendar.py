"""工作日历：国务院放假安排（chinesecalendar 1.11.0 收录到 2026 年）、调休、管理员覆盖表。

日期都是字面值；每个值背后的放假安排写在注释里，可对照国务院办公厅当年的放假通知。
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinfang.core.workcalendar import WorkCalendar

CAL = WorkCalendar()


# 2026 春节：2月15日（周日）至23日（周一）放假；2月14日（周六）、28日（周六）调休上班。
@pytest.mark.parametrize("day", [date(2026, 2, d) for d in range(15, 24)])
def test_every_day_of_the_2026_spring_festival_is_a_rest_day(day: date) -> None:
    assert not CAL.is_workday(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 2, 14),  # 周六，春节调休上班
        date(2026, 2, 28),  # 周六，春节调休上班
        date(2025, 9, 28),  # 周日，国庆调休上班
        date(2025, 10, 11),  # 周六，国庆调休上班
        date(2026, 1, 4),  # 周日，元旦调休上班
    ],
)
def test_make_up_weekend_days_are_working_days(day: date) -> None:
    assert day.weekday() >= 5
    assert CAL.is_workday(day)


def test_national_day_2025_runs_from_october_1_to_8() -> None:
    # 2025 国庆、中秋连休：10月1日至8日放假，9日（周四）上班。
    assert [CAL.is_workday(date(2025, 10, d)) for d in range(1, 10)] == [False] * 8 + [True]


def test_calendar_agrees_with_chinesecalendar_on_every_day_it_knows() -> None:
    day, end = date(2004, 1, 1), date(2026, 12, 31)
    while day <= end:
        assert CAL.is_workday(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_years_chinesecalendar_knows_are_covered_and_later_ones_are_not() -> None:
    assert CAL.covers(2025) and CAL.covers(2026)
    assert not CAL.covers(2027)
    assert not CAL.covers(2031)


def test_a_year_the_administrator_entered_is_covered() -> None:
    assert WorkCalendar(covered_years=[2027]).covers(2027)


def test_uncovered_year_rests_on_weekends_and_the_statutory_holidays() -> None:
    # 2031 年无放假数据：1月1日（周三）是元旦（法定假日，推算），周末休息，其余上班。
    assert not CAL.is_workday(date(2031, 1, 1))
    assert CAL.is_workday(date(2031, 1, 2))
    assert not CAL.is_workday(date(2031, 1, 4))  # 周六
    assert not CAL.is_workday(date(2031, 1, 5))  # 周日
    assert CAL.is_workday(date(2031, 1, 6))  # 周一


def test_override_turns_a_weekday_into_a_holiday() -> None:
    cal = WorkCalendar({date(2025, 3, 3): False})  # 周一，地方性假日
    assert not cal.is_workday(date(2025, 3, 3))
    assert cal.next_workday(date(2025, 3, 3)) == date(2025, 3, 4)


def test_override_turns_a_weekend_into_a_workday() -> None:
    cal = WorkCalendar({date(2025, 3, 8): True})  # 周六，临时调休上班
    assert cal.is_workday(date(2025, 3, 8))
    assert CAL.is_workday(date(2025, 3, 8)) is False


def test_override_beats_chinesecalendar_for_a_make_up_saturday() -> None:
    cal = WorkCalendar({date(2026, 2, 14): False})
    assert not cal.is_workday(date(2026, 2, 14))


def test_override_in_an_uncovered_year_applies_on_top_of_weekends() -> None:
    cal = WorkCalendar({date(2027, 1, 1): False}, covered_years=[2027])
    assert not cal.is_workday(date(2027, 1, 1))  # 周五，管理员录入元旦
    assert cal.is_workday(date(2027, 1, 4))


def test_next_workday_of_a_working_day_is_that_day() -> None:
    assert CAL.next_workday(date(2025, 9, 28)) == date(2025, 9, 28)


def test_next_workday_after_national_day_2025_is_october_9() -> None:
    assert CAL.next_workday(date(2025, 10, 1)) == date(2025, 10, 9)


def test_next_workday_in_the_2026_spring_festival_is_february_24() -> None:
    assert CAL.next_workday(date(2026, 2, 16)) == date(2026, 2, 24)


def test_next_workday_across_the_new_year_holiday_is_the_make_up_sunday() -> None:
    # 2026 元旦：1月1日至3日放假，4日（周日）上班。
    assert CAL.next_workday(date(2025, 12, 31)) == date(2025, 12, 31)
    assert CAL.next_workday(date(2026, 1, 1)) == date(2026, 1, 4)


def test_add_workdays_skips_the_spring_festival_and_counts_the_make_up_saturday() -> None:
    # 2月12日（周四）之后：13日(1)、14日周六调休(2)、24日(3)、25日(4)、26日(5)。
    assert CAL.add_workdays(date(2026, 2, 12), 5) == date(2026, 2, 26)


def test_add_workdays_crosses_the_year_end() -> None:
    # 2025年12月30日（周二）之后：31日(1)、2026年1月4日周日调休(2)、5日(3)。
    assert CAL.add_workdays(date(2025, 12, 30), 3) == date(2026, 1, 5)


def test_add_zero_workdays_returns_the_same_day() -> None:
    assert CAL.add_workdays(date(2026, 2, 15), 0) == date(2026, 2, 15)


def test_add_negative_workdays_is_refused() -> None:
    with pytest.raises(ValueError, match="不能为负数"):
        CAL.add_workdays(date(2026, 2, 15), -1)


def test_a_calendar_with_no_working_day_for_a_year_stops_with_a_message() -> None:
    start = date(2030, 1, 1)
    cal = WorkCalendar({start + timedelta(days=i): False for i in range(400)})
    with pytest.raises(ValueError, match="请检查节假日表"):
        cal.next_workday(start)


_dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2035, 12, 31))


# No deadline: the first date of a year chinesecalendar lacks computes that year's statutory
# holidays (lunar dates, solar term; ~30 ms, far more on a loaded machine), then it is cached.
@settings(deadline=None)
@given(day=_dates, n=st.integers(min_value=1, max_value=40))
def test_add_workdays_lands_on_the_nth_working_day(day: date, n: int) -> None:
    result = CAL.add_workdays(day, n)
    assert CAL.is_workday(result)
    between = [day + timedelta(days=i) for i in range(1, (result - day).days + 1)]
    assert sum(CAL.is_workday(d) for d in between) == n


@settings(deadline=None)
@given(day=_dates, flip=st.sets(_dates, max_size=20))
def test_next_workday_is_the_first_working_day_on_or_after(day: date, flip: set[date]) -> None:
    cal = WorkCalendar({d: not CAL.is_workday(d) for d in flip})
    result = cal.next_workday(day)
    assert result >= day and cal.is_workday(result)
    assert not any(cal.is_workday(day + timedelta(days=i)) for i in range((result - day).days))
