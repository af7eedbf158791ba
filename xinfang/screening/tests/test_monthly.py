from datetime import date, datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from xinfang.screening import monthly
from xinfang.screening.models import (CasePetitionLink, LinkSource, Measure, ScreeningItem, ScreeningRound,
                                      ScreeningTally, Verdict)

SHANGHAI = "Asia/Shanghai"


def at(*args):
    return timezone.make_aware(datetime(*args))


def test_the_round_appears_on_the_first_working_day_after_the_month_end(make_case):
    make_case(decided=datetime(2026, 11, 10, 9))
    with time_machine.travel(at(2026, 11, 30, 23, 0), tick=False):
        monthly.open_due_rounds()
        assert not ScreeningRound.objects.filter(month=date(2026, 11, 1)).exists()
    with time_machine.travel(at(2026, 12, 1, 8, 0), tick=False):  # 2026-12-01 is a Tuesday
        assert monthly.open_due_rounds() >= 1
        assert monthly.open_due_rounds() == 0  # safe to run twice
    round_ = ScreeningRound.objects.get(month=date(2026, 11, 1))
    assert round_.opened_on == date(2026, 12, 1) and round_.items.count() == 1


def test_the_national_day_holiday_delays_the_september_round(make_case):
    make_case(decided=datetime(2026, 9, 15, 9))
    with time_machine.travel(at(2026, 10, 5, 9, 0), tick=False):
        monthly.open_due_rounds()
        assert not ScreeningRound.objects.filter(month=date(2026, 9, 1)).exists()
    first = monthly.first_workday(date(2026, 10, 1))
    assert first > date(2026, 10, 7)
    with time_machine.travel(timezone.make_aware(datetime.combine(first, datetime.min.time())), tick=False):
        monthly.open_due_rounds()
    assert ScreeningRound.objects.get(month=date(2026, 9, 1)).opened_on == first


def test_the_list_has_last_months_cases_and_still_open_ones_ranked_by_risk(make_case, coded):
    make_case(case_no="LOW", risk_score=0.1)
    make_case(case_no="HIGH", risk_score=0.9)
    make_case(case_no="OLD-OPEN", decided=datetime(2026, 6, 1), closed=False, risk_score=0.5)
    make_case(case_no="OLD-CLOSED", decided=datetime(2026, 6, 1))
    make_case(case_no="OTHER-UNIT", department=coded.brigade_b, officer_no="B001")
    monthly.open_due_rounds(today=date(2026, 12, 1))
    round_ = ScreeningRound.objects.get(department=coded.brigade_a, month=date(2026, 11, 1))
    assert list(round_.items.values_list("case__case_no", flat=True)) == ["HIGH", "OLD-OPEN", "LOW"]


def test_marking_needs_a_hazard_and_a_measure_and_only_the_own_officer(make_case, coded):
    make_case()
    monthly.open_due_rounds(today=date(2026, 12, 1))
    item = ScreeningItem.objects.get()
    with pytest.raises(PermissionDenied):
        monthly.mark_item(item, by=coded.handler_b, verdict=Verdict.NO_HAZARD)
    with pytest.raises(ValidationError, match="须写明隐患"):
        monthly.mark_item(item, by=coded.handler_a, verdict=Verdict.HAZARD, measure=Measure.VISIT)
    item = monthly.mark_item(item, by=coded.handler_a, verdict=Verdict.HAZARD, hazard="当事人不满赔偿",
                             measure=Measure.REPORT)
    assert item.is_key  # 报请领导 → 重点案件


def _month_with_hazard(make_case, coded):
    case = make_case()
    monthly.open_due_rounds(today=date(2026, 12, 1))
    item = ScreeningItem.objects.get(case=case)
    monthly.mark_item(item, by=coded.handler_a, verdict=Verdict.HAZARD, hazard="赔偿未谈妥", measure=Measure.COMPENSATION)
    return case, item


def test_a_hazard_stays_listed_next_month_until_resolved(make_case, coded):
    case, item = _month_with_hazard(make_case, coded)
    monthly.open_due_rounds(today=date(2027, 1, 4))
    carried = ScreeningItem.objects.get(round__month=date(2026, 12, 1), case=case)
    assert carried.carried_over
    monthly.resolve_item(carried, by=coded.handler_a)
    monthly.open_due_rounds(today=date(2027, 2, 1))
    assert not ScreeningItem.objects.filter(round__month=date(2027, 1, 1), case=case).exists()


def test_a_hazard_that_became_a_petition_leaves_the_list(make_case, coded):
    case, item = _month_with_hazard(make_case, coded)
    CasePetitionLink.objects.create(case=case, petition_at=at(2026, 12, 20), source=LinkSource.HISTORY)
    monthly.open_due_rounds(today=date(2027, 1, 4))
    assert not ScreeningItem.objects.filter(round__month=date(2026, 12, 1), case=case).exists()


def test_the_head_signs_only_a_complete_round_and_the_tallies_are_kept(make_case, coded):
    make_case()
    make_case()
    with time_machine.travel(at(2026, 12, 1, 9), tick=False):
        monthly.open_due_rounds()
    round_ = ScreeningRound.objects.get(department=coded.brigade_a)
    first, second = round_.items.all()
    with time_machine.travel(at(2026, 12, 2, 9), tick=False):
        monthly.mark_item(first, by=coded.handler_a, verdict=Verdict.NO_HAZARD)
        with pytest.raises(ValidationError, match="还有 1 件"):
            monthly.sign_off(round_, by=coded.head_a)
    with time_machine.travel(at(2026, 12, 20, 9), tick=False):  # after the due date
        monthly.mark_item(second, by=coded.handler_a, verdict=Verdict.NO_HAZARD)
        with pytest.raises(PermissionDenied):
            monthly.sign_off(round_, by=coded.handler_a)
        round_ = monthly.sign_off(round_, by=coded.head_a, opinion="已逐件核对")
    assert (round_.items_total, round_.items_marked, round_.items_on_time) == (2, 2, 1)
    assert round_.signed_on_time is False
    assert ScreeningTally.objects.get(round=round_, officer_no="A001").on_time == 1
    with pytest.raises(ValidationError, match="已签字"):
        monthly.mark_item(first, by=coded.handler_a, verdict=Verdict.NO_HAZARD)


def test_the_word_report_lists_hazard_cases_not_parties(make_case, coded):
    from io import BytesIO

    from docx import Document

    from xinfang.screening.documents import round_report

    case, item = _month_with_hazard(make_case, coded, )
    case.party_name = "张三"
    case.save()
    text = "\n".join(p.text for p in Document(BytesIO(round_report(item.round))).paragraphs)
    tables = "\n".join(c.text for t in Document(BytesIO(round_report(item.round))).tables for r in t.rows for c in r.cells)
    assert "执法案件排查报告" in text and case.case_no in tables and "赔偿未谈妥" in tables
    assert "张三" not in text + tables
