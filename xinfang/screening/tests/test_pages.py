from datetime import date

import pytest

from xinfang.screening import monthly
from xinfang.screening.models import ScreeningItem, ScreeningRound, Verdict


@pytest.fixture
def round_a(make_case, coded):
    make_case(case_no="HIGH", risk_score=0.9, risk_reasons=["逃逸案件未破"], party_name="李四",
              party_id_masked="320*************34")
    make_case(case_no="B-CASE", department=coded.brigade_b, officer_no="B001")
    monthly.open_due_rounds(today=date(2026, 12, 1))
    return ScreeningRound.objects.get(department=coded.brigade_a)


def test_an_officer_sees_only_own_cases_with_reasons_and_no_party(round_a, coded, login):
    page = login(coded.handler_a).get("/screening/").content.decode()
    assert "HIGH" in page and "逃逸案件未破" in page and "B-CASE" not in page
    assert "李四" not in page and "320*" not in page
    assert "只按规则排序" in page


def test_another_units_officer_cannot_mark_the_case(round_a, coded, login):
    item = ScreeningItem.objects.get(case__case_no="HIGH")
    response = login(coded.handler_b).post(f"/screening/items/{item.pk}/", {"verdict": "none"})
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.verdict == Verdict.PENDING


def test_marking_from_the_page_saves_and_reports_missing_fields_in_chinese(round_a, coded, login):
    item = ScreeningItem.objects.get(case__case_no="HIGH")
    client = login(coded.handler_a)
    response = client.post(f"/screening/items/{item.pk}/", {"verdict": "hazard", "hazard": "", "measure": ""}, follow=True)
    assert "有隐患时须写明隐患" in response.content.decode()
    client.post(f"/screening/items/{item.pk}/", {"verdict": "hazard", "hazard": "当事人不满", "measure": "visit"})
    item.refresh_from_db()
    assert item.verdict == Verdict.HAZARD and item.get_measure_display() == "回访当事人"


def test_a_round_of_another_unit_answers_404(round_a, coded, login):
    assert login(coded.handler_b).get(f"/screening/rounds/{round_a.pk}/").status_code == 404
    assert login(coded.head_a).get(f"/screening/rounds/{round_a.pk}/").status_code == 200


def test_the_unit_overview_lists_only_visible_units(round_a, coded, login):
    page = login(coded.head_a).get("/screening/rounds/").content.decode()
    assert "大队A" in page and "大队B" not in page


def test_the_report_downloads_as_word(round_a, coded, login):
    response = login(coded.head_a).get(f"/screening/rounds/{round_a.pk}/report.docx")
    assert response.status_code == 200 and response.content[:2] == b"PK"


def test_key_cases_reach_the_leaders_page(round_a, coded, login):
    item = ScreeningItem.objects.get(case__case_no="HIGH")
    monthly.mark_item(item, by=coded.handler_a, verdict=Verdict.HAZARD, hazard="需领导协调", measure="report")
    assert "需领导协调" in login(coded.leader).get("/screening/key/").content.decode()
    assert login(coded.handler_a).get("/screening/key/").status_code == 404


def test_a_long_list_shows_the_riskiest_hundred_first_and_all_on_request(make_case, coded, login, monkeypatch):
    from xinfang.screening import views

    monkeypatch.setattr(views, "PAGE", 2)
    for score in (0.1, 0.5, 0.9):
        make_case(case_no=f"S{score}", risk_score=score)
    monthly.open_due_rounds(today=date(2026, 12, 1))
    client = login(coded.handler_a)
    page = client.get("/screening/").content.decode()
    assert "S0.9" in page and "S0.5" in page and "S0.1" not in page and "列出全部" in page
    assert "S0.1" in client.get("/screening/?all=1").content.decode()
