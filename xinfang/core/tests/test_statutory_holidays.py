"""chinesecalendar 未收录年份的推算：《全国年节及纪念日放假办法》第二条的假日与第六条的补假。

期望值都是字面日期，按 2024 年 11 月修订（2025 年起施行）的第二条手查：元旦 1 天；春节 4 天（除夕、
正月初一至初三）；清明 1 天（清明节气当日）；劳动节 2 天（5月1日、2日）；端午 1 天；中秋 1 天；
国庆 3 天（10月1日至3日）。农历与节气（万年历可查）：
- 2027：除夕 2月5日（周五），初一 2月6日；清明 4月5日；端午 6月9日；中秋 9月15日。
- 2028：除夕 1月25日（周二），初一 1月26日；清明 4月4日；端午 5月28日（周日）；中秋 10月3日（与国庆重合）。
"""

from __future__ import annotations

from datetime import date

import chinese_calendar
import pytest

from xinfang.core.workcalendar import WorkCalendar, statutory_holidays

CAL = WorkCalendar()

HOLIDAYS_2027 = {
    date(2027, 1, 1): "元旦",
    date(2027, 2, 5): "春节", date(2027, 2, 6): "春节", date(2027, 2, 7): "春节", date(2027, 2, 8): "春节",
    date(2027, 2, 9): "春节补假", date(2027, 2, 10): "春节补假",  # 初一、初二逢周六、周日
    date(2027, 4, 5): "清明节",
    date(2027, 5, 1): "劳动节", date(2027, 5, 2): "劳动节",
    date(2027, 5, 3): "劳动节补假", date(2027, 5, 4): "劳动节补假",  # 5月1日、2日是周六、周日
    date(2027, 6, 9): "端午节",
    date(2027, 9, 15): "中秋节",
    date(2027, 10, 1): "国庆节", date(2027, 10, 2): "国庆节", date(2027, 10, 3): "国庆节",
    date(2027, 10, 4): "国庆节补假", date(2027, 10, 5): "国庆节补假",  # 10月2日、3日是周六、周日
}

HOLIDAYS_2028 = {
    date(2028, 1, 1): "元旦", date(2028, 1, 3): "元旦补假",  # 周六
    date(2028, 1, 25): "春节", date(2028, 1, 26): "春节", date(2028, 1, 27): "春节", date(2028, 1, 28): "春节",
    date(2028, 4, 4): "清明节",
    date(2028, 5, 1): "劳动节", date(2028, 5, 2): "劳动节",
    date(2028, 5, 28): "端午节", date(2028, 5, 29): "端午节补假",  # 周日
    # 10月1日是周日；10月3日既是国庆又是中秋，两天假各补一天。
    date(2028, 10, 1): "国庆节", date(2028, 10, 2): "国庆节", date(2028, 10, 3): "中秋节",
    date(2028, 10, 4): "国庆节补假", date(2028, 10, 5): "国庆节补假",
}


def test_2027_statutory_holidays_follow_the_2025_rules() -> None:
    assert statutory_holidays(2027) == HOLIDAYS_2027


def test_2028_statutory_holidays_compensate_weekends_and_the_mid_autumn_national_day_overlap() -> None:
    assert statutory_holidays(2028) == HOLIDAYS_2028


@pytest.mark.parametrize("day", sorted(HOLIDAYS_2027) + sorted(HOLIDAYS_2028))
def test_every_fallback_holiday_is_a_rest_day_in_uncovered_years(day: date) -> None:
    assert not CAL.is_workday(day)
    assert not CAL.covers(day.year)


@pytest.mark.parametrize("day", [date(2027, 2, 4), date(2027, 2, 11), date(2027, 4, 6), date(2027, 10, 6),
                                 date(2028, 1, 24), date(2028, 1, 31), date(2028, 10, 6)])
def test_weekdays_around_the_fallback_holidays_are_working_days(day: date) -> None:
    assert CAL.is_workday(day)


def test_every_statutory_day_of_2008_to_2026_is_a_rest_day_in_the_state_council_notices() -> None:
    # Independent check of the lunar dates, the 清明 solar term and the rule versions (2008, 2014, 2025):
    # chinesecalendar carries each year's real notice.
    for year in range(2008, 2027):
        for day, name in statutory_holidays(year).items():
            if not name.endswith("补假"):
                assert not chinese_calendar.is_workday(day), (year, day, name)


def test_the_rule_versions_give_the_spring_festival_its_days_of_the_time() -> None:
    # 2013：除夕至初二（2月9日至11日）；2014—2024：初一至初三；2025 起：除夕至初三。
    assert [d for d, n in statutory_holidays(2013).items() if n == "春节"] == [
        date(2013, 2, 9), date(2013, 2, 10), date(2013, 2, 11)]
    assert [d for d, n in statutory_holidays(2024).items() if n == "春节"] == [
        date(2024, 2, 10), date(2024, 2, 11), date(2024, 2, 12)]
    assert [d for d, n in statutory_holidays(2025).items() if n == "春节"] == [
        date(2025, 1, 28), date(2025, 1, 29), date(2025, 1, 30), date(2025, 1, 31)]
    assert [d for d, n in statutory_holidays(2024).items() if n == "劳动节"] == [date(2024, 5, 1)]


def test_a_year_entered_by_the_administrator_drops_the_guess_and_follows_the_notice() -> None:
    # 录入后该年只按周末加通知：推算的补假日（2027-02-09）不再休，通知写的调休上班日上班。
    cal = WorkCalendar({date(2027, 2, 5): False, date(2027, 2, 20): True}, covered_years=[2027])
    assert cal.covers(2027)
    assert not cal.is_workday(date(2027, 2, 5))
    assert cal.is_workday(date(2027, 2, 9))
    assert cal.is_workday(date(2027, 2, 20))  # 周六，调休上班
