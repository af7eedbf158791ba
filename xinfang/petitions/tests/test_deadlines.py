"""信访时限：字面日期表。

每个期望值都按《民法典》第二百零一条（开始当日不计入）、第二百零三条（最后一日遇
法定休假日顺延）手算，节假日取自 chinesecalendar 1.11.0 收录的国务院放假安排：
- 2025 国庆、中秋：10月1日至8日放假；9月28日（周日）、10月11日（周六）上班。
- 2025 清明：4月4日至6日放假。
- 2026 元旦：1月1日至3日放假；1月4日（周日）上班。
- 2026 春节：2月15日至23日放假；2月14日（周六）、2月28日（周六）上班。
- 2026 国庆：10月1日至7日放假；9月20日（周日）、10月10日（周六）上班。
- 2027 年起 chinesecalendar 无数据：按周末和《全国年节及纪念日放假办法》的法定假日（含补假）推算，
  结果为暂定（2027 元旦 1月1日周五；春节 2月5日除夕至8日初三，6、7日逢周末补 9、10 日）。
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinfang.core.workcalendar import WorkCalendar
from xinfang.petitions import deadlines as dl
from xinfang.petitions.deadlines import RULES, DayUnit, Due, RuleCode, UnknownRule, due

CAL = WorkCalendar()

# (规则, 起算日, 期望届满日, 说明) —— 说明即测试名。
VECTORS = [
    (RuleCode.ACCEPTANCE, date(2026, 2, 1), date(2026, 2, 24),
     "acceptance received 2026-02-01 lands on 02-16 in the spring festival and moves to 02-24"),
    (RuleCode.HANDLING, date(2025, 12, 20), date(2026, 2, 24),
     "handling accepted 2025-12-20 lands on 02-18 in the spring festival and moves to 02-24"),
    (RuleCode.REVIEW, date(2026, 1, 16), date(2026, 2, 24),
     "review lands on sunday 02-15 which starts the spring festival and moves to 02-24"),
    (RuleCode.ACCEPTANCE, date(2026, 1, 30), date(2026, 2, 14),
     "acceptance ending on make-up saturday 2026-02-14 stays there"),
    (RuleCode.ACCEPTANCE, date(2026, 2, 13), date(2026, 2, 28),
     "acceptance ending on make-up saturday 2026-02-28 stays there"),
    (RuleCode.ACCEPTANCE, date(2025, 9, 16), date(2025, 10, 9),
     "acceptance landing on national day 2025 moves to october 9"),
    (RuleCode.ACCEPTANCE, date(2025, 9, 13), date(2025, 9, 28),
     "acceptance ending on make-up sunday 2025-09-28 stays there"),
    (RuleCode.ACCEPTANCE, date(2025, 9, 26), date(2025, 10, 11),
     "acceptance ending on make-up saturday 2025-10-11 stays there"),
    (RuleCode.ACCEPTANCE, date(2026, 9, 16), date(2026, 10, 8),
     "acceptance landing on national day 2026 moves to october 8"),
    (RuleCode.ACCEPTANCE, date(2026, 9, 25), date(2026, 10, 10),
     "acceptance ending on make-up saturday 2026-10-10 stays there"),
    (RuleCode.ACCEPTANCE, date(2025, 12, 18), date(2026, 1, 4),
     "acceptance crossing the year end skips new year and lands on make-up sunday 2026-01-04"),
    (RuleCode.ACCEPTANCE, date(2025, 12, 20), date(2026, 1, 4),
     "acceptance whose 15th day is make-up sunday 2026-01-04 does not move"),
    (RuleCode.REVIEW_REQUEST, date(2025, 1, 10), date(2025, 2, 10),
     "review request window ending on a sunday closes the next monday"),
    (RuleCode.RE_REVIEW_REQUEST, date(2025, 3, 6), date(2025, 4, 7),
     "re-review request window ending in qingming 2025 closes on april 7"),
    (RuleCode.TRANSFER_OBJECTION, date(2026, 2, 12), date(2026, 2, 26),
     "transfer objection counts 5 working days across the spring festival incl make-up saturday"),
    (RuleCode.TRANSFER_OBJECTION, date(2025, 9, 29), date(2025, 10, 13),
     "transfer objection counts 5 working days across national day incl make-up saturday"),
]


@pytest.mark.parametrize(("code", "start", "expected"),
                         [v[:3] for v in VECTORS], ids=[v[3] for v in VECTORS])
def test_due_date_table(code: str, start: date, expected: date) -> None:
    assert due(code, start, calendar=CAL) == Due(expected, provisional=False)


def test_wrappers_agree_with_the_table() -> None:
    assert dl.acceptance_due(date(2026, 2, 1), calendar=CAL).day == date(2026, 2, 24)
    assert dl.handling_due(date(2025, 12, 20), calendar=CAL).day == date(2026, 2, 24)
    assert dl.review_request_closes(date(2025, 1, 10), calendar=CAL).day == date(2025, 2, 10)
    assert dl.review_due(date(2026, 1, 16), calendar=CAL).day == date(2026, 2, 24)
    assert dl.re_review_request_closes(date(2025, 3, 6), calendar=CAL).day == date(2025, 4, 7)
    assert dl.re_review_due(date(2025, 3, 6), calendar=CAL).day == date(2025, 4, 7)
    assert dl.transfer_objection_due(date(2026, 2, 12), calendar=CAL).day == date(2026, 2, 26)


def test_uncovered_year_counts_weekends_only_and_is_provisional() -> None:
    # 2031-03-01（周六）+15 = 03-16（周日）→ 03-17（周一）。
    assert dl.acceptance_due(date(2031, 3, 1), calendar=CAL) == Due(date(2031, 3, 17), True)


def test_deadline_running_into_an_uncovered_year_is_provisional() -> None:
    # 2026-12-17 +15 = 2027-01-01（周五，元旦，推算的法定假日）→ 周末 → 01-04（周一），暂定。
    assert dl.acceptance_due(date(2026, 12, 17), calendar=CAL) == Due(date(2027, 1, 4), True)


def test_year_entered_by_the_administrator_is_no_longer_provisional() -> None:
    cal = WorkCalendar({date(2027, 1, 1): False}, covered_years=[2027])
    assert dl.acceptance_due(date(2026, 12, 17), calendar=cal) == Due(date(2027, 1, 4), False)


def test_override_holiday_on_a_weekday_moves_the_deadline() -> None:
    # 2025-02-16 +15 = 03-03（周一），管理员设为假日 → 03-04。
    cal = WorkCalendar({date(2025, 3, 3): False})
    assert dl.acceptance_due(date(2025, 2, 16), calendar=CAL).day == date(2025, 3, 3)
    assert dl.acceptance_due(date(2025, 2, 16), calendar=cal).day == date(2025, 3, 4)


def test_override_workday_on_a_weekend_keeps_the_deadline_there() -> None:
    # 2025-02-21 +15 = 03-08（周六）：通常顺延到 03-10，管理员设为上班则停在 03-08。
    cal = WorkCalendar({date(2025, 3, 8): True})
    assert dl.acceptance_due(date(2025, 2, 21), calendar=CAL).day == date(2025, 3, 10)
    assert dl.acceptance_due(date(2025, 2, 21), calendar=cal).day == date(2025, 3, 8)


def test_hearing_days_are_added_to_the_re_review_clock() -> None:
    # 2025-03-06 +30 +10 = 04-15（周二）；不加听证时为 04-05（清明）→ 04-07。
    assert dl.re_review_due(date(2025, 3, 6), calendar=CAL, paused_days=10).day == date(2025, 4, 15)


def test_a_hearing_does_not_pause_the_handling_clock() -> None:
    # 第三十四条：60日办理期限不因听证中止；只有复核的听证时间不计入期限（第三十六条）。
    assert RULES["handling"].paused_by == ()
    with pytest.raises(ValueError, match="不因听证等事由中止"):
        due(RuleCode.HANDLING, date(2025, 8, 2), calendar=CAL, paused_days=3)
    # 2025-08-02 +60 = 10-01（国庆）→ 10-09。
    assert dl.handling_due(date(2025, 8, 2), calendar=CAL).day == date(2025, 10, 9)


@pytest.mark.parametrize("code", ["review_request", "re_review_request"])
def test_a_deployment_may_not_shorten_the_petitioners_request_windows(code) -> None:
    with pytest.raises(ValueError, match="信访人的权利"):
        dl.validate_limits({code: 15})
    assert dl.validate_limits({code: 30})[code] == 30  # 写明法定天数不算缩短


def test_negative_paused_days_are_refused() -> None:
    with pytest.raises(ValueError, match="不能为负数"):
        dl.re_review_due(date(2025, 3, 6), calendar=CAL, paused_days=-1)


def test_a_rule_that_no_hearing_pauses_refuses_paused_days() -> None:
    with pytest.raises(ValueError, match="不因听证"):
        due(RuleCode.REVIEW_REQUEST, date(2025, 3, 6), calendar=CAL, paused_days=5)


def test_extension_counts_from_the_unrolled_handling_day() -> None:
    # 2025-08-02 受理：第60日 10-01 遇国庆，不延期则为 10-09；
    # 延期30日从原第60日（10-01）接着数 → 10-31（周五），而不是 10-09 +30。
    assert dl.handling_due(date(2025, 8, 2), calendar=CAL).day == date(2025, 10, 9)
    got = dl.handling_due(date(2025, 8, 2), calendar=CAL, extension_days=30)
    assert got == Due(date(2025, 10, 31), False)


def test_extension_longer_than_30_days_is_refused() -> None:
    with pytest.raises(ValueError, match="延期不得超过30日"):
        dl.handling_due(date(2025, 8, 2), calendar=CAL, extension_days=31)


def test_extension_longer_than_a_shortened_local_extension_is_refused() -> None:
    limits = {RuleCode.EXTENSION: 15}
    got = dl.handling_due(date(2025, 8, 2), calendar=CAL, extension_days=15, limits=limits)
    assert got.day == date(2025, 10, 16)
    with pytest.raises(ValueError, match="延期不得超过15日"):
        dl.handling_due(date(2025, 8, 2), calendar=CAL, extension_days=20, limits=limits)


def test_extension_of_a_review_is_refused() -> None:
    with pytest.raises(ValueError, match="只有办理期限可以延期"):
        due(RuleCode.REVIEW, date(2025, 8, 2), calendar=CAL, extension_days=5)


def test_shortened_local_limit_is_accepted_and_used() -> None:
    # 初信初访7日内告知：2025-09-26 +7 = 10-03（国庆）→ 10-09。
    limits = dl.validate_limits({"acceptance": 7})
    assert limits["acceptance"] == 7 and limits["handling"] == 60
    got = dl.acceptance_due(date(2025, 9, 26), calendar=CAL, limits={"acceptance": 7})
    assert got.day == date(2025, 10, 9)


def test_lengthened_local_limit_is_refused_naming_the_rule_and_its_maximum() -> None:
    with pytest.raises(ValueError, match=r"办理答复.*90日.*法定期限60日.*第三十四条"):
        dl.validate_limits({"handling": 90})


def test_lengthened_working_day_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="5个工作日"):
        dl.validate_limits({"transfer_objection": 6})


@pytest.mark.parametrize("days", [0, -3, True, 7.5])
def test_local_limit_must_be_a_positive_integer(days: object) -> None:
    with pytest.raises(ValueError, match="正整数"):
        dl.validate_limits({"acceptance": days})  # type: ignore[dict-item]


def test_unknown_code_in_local_limits_is_refused() -> None:
    with pytest.raises(UnknownRule, match="可用的规则"):
        dl.validate_limits({"reply": 10})


def test_unknown_code_is_refused_with_the_valid_codes_listed() -> None:
    with pytest.raises(UnknownRule) as caught:
        due("appeal", date(2025, 1, 1), calendar=CAL)
    message = str(caught.value)
    assert "appeal" in message
    assert all(code in message for code in RULES)


def test_rules_carry_the_statutory_defaults_and_cite_the_2022_regulation() -> None:
    assert {c: (r.days, r.unit) for c, r in RULES.items()} == {
        "acceptance": (15, DayUnit.CALENDAR), "handling": (60, DayUnit.CALENDAR),
        "extension": (30, DayUnit.CALENDAR), "review_request": (30, DayUnit.CALENDAR),
        "review": (30, DayUnit.CALENDAR), "re_review_request": (30, DayUnit.CALENDAR),
        "re_review": (30, DayUnit.CALENDAR), "transfer_objection": (5, DayUnit.WORKING),
    }
    assert all(r.basis.startswith("《信访工作条例》第") for r in RULES.values())
    assert RULES["re_review"].paused_by == ("听证",)
    assert DayUnit.WORKING.label == "工作日"


def test_accident_review_notice_names_the_three_day_window_and_the_article() -> None:
    text = dl.channel_notice_text("accident_review")
    assert "道路交通事故认定书" in text and "三日内" in text and "复核" in text
    assert "第七十一条" in text and "以一次为限" in text and "三十日内" in text


@pytest.mark.parametrize(("code", "phrase"), [
    ("camera_violation_objection", "五日内"),
    ("administrative_reconsideration", "六十日内"),
    ("administrative_litigation", "六个月内"),
    ("civil_litigation", "民事诉讼"),
    ("arbitration", "仲裁"),
])
def test_every_statutory_channel_has_a_notice_sentence(code: str, phrase: str) -> None:
    text = dl.channel_notice_text(code)
    assert phrase in text and "（依据《" in text and text.endswith("。")



def test_unknown_channel_is_refused() -> None:
    with pytest.raises(ValueError, match="未知的法定途径"):
        dl.channel_notice_text("petition")


_PAUSABLE = {c for c, r in RULES.items() if r.paused_by}


@settings(deadline=None)  # 未收录年份第一次用到时推算当年法定假日（约 30 毫秒，机器忙时更久），之后缓存
@given(
    code=st.sampled_from(sorted(RULES)),
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2035, 12, 31)),
    paused=st.integers(min_value=0, max_value=90),
    extension=st.integers(min_value=0, max_value=30),
)
def test_due_is_a_working_day_no_earlier_than_start_plus_limit(
    code: str, start: date, paused: int, extension: int
) -> None:
    paused = paused if code in _PAUSABLE else 0
    extension = extension if code == RuleCode.HANDLING else 0
    result = due(code, start, calendar=CAL, paused_days=paused, extension_days=extension)
    rule = RULES[code]
    assert CAL.is_workday(result.day)
    assert result.day >= start + timedelta(days=rule.days + paused + extension)
    if rule.unit is DayUnit.CALENDAR:
        # 只顺延到第一个工作日，不多走。
        last = start + timedelta(days=rule.days + paused + extension)
        assert result.day == CAL.next_workday(last)
    uncovered = any(not CAL.covers(y) for y in range(start.year, result.day.year + 1))
    assert result.provisional == uncovered


def test_the_deadline_command_answers_on_a_database_not_yet_migrated(tmp_path) -> None:
    """新检出、还没有 migrate 时也能算期限（按内置日历），不抛出缺表的回溯。"""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("XINFANG_")}
    env.update({"XINFANG_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "xinfang.settings"})
    done = subprocess.run([sys.executable, "-m", "xinfang.manage", "deadline", "acceptance", "2027-01-22"],
                          env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["2027-02-11", "provisional"]
    assert "尚未迁移" in done.stderr and "Traceback" not in done.stderr
