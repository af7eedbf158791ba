"""登记时提示交警业务的法定途径：内容或关联案件指向事故认定、电子警察记录、处罚决定、扣车时，给出途径与期限，
勾选后登记完即打开依法分类处理表单并预选该途径。"""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from django.utils import timezone

from xinfang.petitions.deadlines import STATUTORY_CHANNELS
from xinfang.petitions.models import Matter, Status
from xinfang.petitions.testing import id_number
from xinfang.screening.importer import import_cases
from xinfang.screening.testing import give_codes, sample_case, write_cases
from xinfang.triage import channels

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.parametrize(("text", "codes"), [
    ("对事故认定书认定我负主要责任不服", ["accident_review"]),
    ("我的车被电子警察抓拍闯红灯，但当时是绿灯", ["camera_violation_objection"]),
    ("对罚款200元的处罚决定不服", ["administrative_reconsideration", "administrative_litigation"]),
    ("车辆被扣车已经三十天，至今不放", ["administrative_reconsideration", "administrative_litigation"]),
    ("小区门口路灯坏了，晚上很黑", []),
])
def test_the_text_points_to_its_statutory_channel(text, codes):
    assert [h.code for h in channels.hints(text)] == codes


def test_each_hint_states_the_limit_and_the_article():
    hint = channels.hints("对事故认定不服")[0]
    assert hint.limit == "自道路交通事故认定书或者道路交通事故证明送达之日起 3 日内"
    assert "《道路交通事故处理程序规定》第七十一条" in hint.notice and "事故认定" in hint.because


def test_the_window_counts_from_the_day_after_and_moves_off_a_holiday():
    accident = STATUTORY_CHANNELS["accident_review"]
    assert channels.window_closes(accident, date(2026, 3, 2)) == date(2026, 3, 5)
    assert channels.window_closes(accident, date(2026, 9, 28)) == date(2026, 10, 8)  # 国庆假期后第一个工作日
    litigation = STATUTORY_CHANNELS["administrative_litigation"]
    assert channels.window_closes(litigation, date(2026, 8, 31)) == date(2027, 3, 1)  # 2 月无 31 日，取月末后顺延


def test_a_linked_accident_case_gives_the_channel_with_its_estimated_closing_date(cast, tmp_path):
    give_codes(cast)
    path = tmp_path / "cases.csv"
    write_cases(path, [sample_case("SG2026-001", decided_at=datetime(2026, 3, 5, 10)),
                       sample_case("KC2026-002", case_type="impound", department_code="B", severity="",
                                   injuries=0, compensation="", impound_days=30)])
    import_cases(path, by=cast.admin)
    with time_machine.travel(timezone.make_aware(datetime(2026, 3, 6, 9)), tick=False):
        hint = channels.hints("请求处理", "SG2026-001", user=cast.head_a)[0]
        assert hint.code == "accident_review" and hint.closes == date(2026, 3, 9) and not hint.lapsed
        assert "关联案件 SG2026-001 是交通事故" in hint.because
        assert channels.hints("请求处理", "KC2026-002", user=cast.head_a) == []  # 大队B的案件，大队A看不到
        assert [h.code for h in channels.hints("请求处理", "KC2026-002", user=cast.head_b)][0] == \
            "administrative_reconsideration"


def test_the_intake_page_offers_the_channel_and_opens_the_diversion_form(cast, login):
    client = login(cast.clerk)
    page = client.get("/triage/suggest/", {"content": "对事故认定书认定我负全部责任不服，请求重新认定。"}).content.decode()
    assert "道路交通事故认定复核" in page and 'name="then_divert" value="accident_review"' in page
    assert "100%" not in page
    response = client.post("/petitions/intake/", {
        "channel": "visit", "received_at": "2026-03-02T09:00", "content": "对事故认定书认定我负全部责任不服，请求重新认定。",
        "head_count": 1, "p-TOTAL_FORMS": 1, "p-INITIAL_FORMS": 0, "p-MIN_NUM_FORMS": 1, "p-MAX_NUM_FORMS": 50,
        "p-0-name": "赵六", "p-0-kind": "person", "p-0-id_number": id_number(), "p-0-phone": "13800138000",
        "then_divert": "accident_review",
    })
    matter = Matter.objects.get()
    assert matter.status == Status.REGISTERED
    assert response.status_code == 302 and response["Location"] == \
        f"/petitions/matters/{matter.pk}/divert/?channel=accident_review"
    form = client.get(response["Location"]).content.decode()
    assert '<option value="accident_review" selected>' in form


def test_without_the_choice_intake_goes_to_the_matter_page(cast, login):
    response = login(cast.clerk).post("/petitions/intake/", {
        "channel": "visit", "received_at": "2026-03-02T09:00", "content": "对事故认定书不服。",
        "head_count": 1, "p-TOTAL_FORMS": 1, "p-INITIAL_FORMS": 0, "p-MIN_NUM_FORMS": 1, "p-MAX_NUM_FORMS": 50,
        "p-0-name": "赵六", "p-0-kind": "person", "then_divert": "",
    })
    assert response["Location"] == f"/petitions/matters/{Matter.objects.get().pk}/"
