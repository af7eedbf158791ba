"""接口的检索与列表页同一条路（认出身份证号、电话、号牌、姓名、事项编号、案件编号，检索个人资料记审计），
以及登录会话调用接口按账号限流。"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from django.core import signing
from django.test import Client

from xinfang.api.matters import CURSOR_SALT
from xinfang.api.models import SessionCallWindow
from xinfang.api.testing import issue
from xinfang.audit.models import AuditEvent
from xinfang.petitions.actions.intake import PetitionerInput
from xinfang.petitions.testing import id_number, register

pytestmark = pytest.mark.django_db

ID_A = id_number("44010219900101123")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.REDIS_URL = ""


@pytest.fixture
def matters(cast):
    """大队A一件（王小明、号牌粤A12345、案件 2026A00042），大队B一件（李四、号牌湘B·6K2M9）。"""
    a = register(cast.clerk, department=cast.brigade_a,
                 content="本人驾驶小型汽车（车牌号粤A12345）被电子警察抓拍闯红灯，请求撤销。",
                 case_numbers="2026A00042，粤公交决字2026-0815",
                 person=PetitionerInput(name="王小明", id_number=ID_A, phone="13912345678", address="示范市"))
    b = register(cast.clerk, department=cast.brigade_b, content="对扣车决定不服，车辆湘B·6K2M9至今未返还。",
                 person=PetitionerInput(name="李四", id_number=id_number("43010519851212123"), phone="13700001111"))
    return a, b


def _json(response):
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return json.loads(response.content)


def api_search(client, headers, q, **params):
    response = client.get("/api/v1/matters", {"q": q, **params}, **headers)
    assert response.status_code == 200, response.content[:300]
    return _json(response)


@pytest.mark.parametrize(("q", "kind"), [
    ("王小明", "姓名"), (ID_A, "身份证号"), (ID_A.lower(), "身份证号"), ("13912345678", "电话"),
    ("139 1234 5678", "电话"), ("粤A12345", "号牌"), ("A12345", "号牌"), ("粤A·12345", "号牌"),
    ("2026A00042", "案件编号"), ("2026a00042", "案件编号"),
])
def test_the_api_finds_a_matter_by_each_kind_of_search_as_the_list_page_does(cast, matters, client, q, kind):
    a, _ = matters
    _, headers = issue(["matter.list"])
    body = api_search(client, headers, q)
    assert [r["number"] for r in body["items"]] == [a.number] and body["searched_as"] == kind


def test_the_api_finds_a_plate_written_with_a_separator_and_the_matter_number(cast, matters, client):
    a, b = matters
    _, headers = issue(["matter.list"])
    assert [r["number"] for r in api_search(client, headers, "B6K2M9")["items"]] == [b.number]
    assert [r["number"] for r in api_search(client, headers, "湘B6K2M9")["items"]] == [b.number]
    body = api_search(client, headers, a.number.lower())
    assert [r["number"] for r in body["items"]] == [a.number] and body["searched_as"] == "事项编号"


def test_an_api_search_stays_inside_the_tokens_department(cast, matters, client):
    a, b = matters
    _, headers = issue(["matter.list"], department=cast.brigade_b)
    for q in ("王小明", ID_A, "13912345678", "粤A12345", "2026A00042"):
        assert api_search(client, headers, q)["items"] == []
    assert [r["number"] for r in api_search(client, headers, "李四")["items"]] == [b.number]


def test_every_api_search_of_personal_data_is_audited_like_the_list_page(cast, matters, client):
    a, _ = matters
    token, headers = issue(["matter.list"], department=cast.brigade_b)
    before = AuditEvent.objects.filter(action="personal_data.search").count()
    for q in ("王小明", ID_A, "13912345678", "粤A12345", "不存在的人名"):
        api_search(client, headers, q)  # 查不到也记
    rows = list(AuditEvent.objects.filter(action="personal_data.search").order_by("id"))[before:]
    assert [r.object_repr for r in rows] == ["王**", "4401**********" + ID_A[-4:], "139****5678", "A1***5"]
    text = " ".join(str(r.changes) + r.object_repr for r in rows)
    assert ID_A not in text and "13912345678" not in text and "王小明" not in text and "A12345" not in text
    assert all(r.actor_id == token.service_id for r in rows)
    assert rows[0].changes["purpose"] == [None, "通过接口检索信访人"] and rows[0].changes["matters"] == [None, []]
    # 看得见的一方：审计里记下显示出的事项
    _, whole = issue(["matter.list"])
    api_search(client, whole, ID_A)
    assert AuditEvent.objects.filter(action="personal_data.search").latest("id").changes["matters"] == [None, [a.pk]]


def test_a_topic_or_case_number_search_through_the_api_is_not_a_personal_search(cast, matters, client):
    _, headers = issue(["matter.list"])
    before = AuditEvent.objects.filter(action="personal_data.search").count()
    assert api_search(client, headers, "电子警察")["searched_as"] == "全文"
    assert api_search(client, headers, "2026A00042")["items"]
    assert AuditEvent.objects.filter(action="personal_data.search").count() == before


def test_search_results_page_with_the_cursor_and_the_cursor_does_not_carry_the_query(cast, client):
    person = PetitionerInput(name="赵六", id_number=id_number("11010519800101123"), phone="13600000000")
    made = [register(cast.clerk, department=cast.brigade_a, person=person) for _ in range(3)]
    _, headers = issue(["matter.list"])
    seen, cursor = [], ""
    for _ in range(5):
        body = api_search(client, headers, person.id_number, limit=1, cursor=cursor)
        seen += [r["id"] for r in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
        assert person.id_number not in json.dumps(signing.loads(cursor, salt=CURSOR_SALT))
    assert seen == sorted((m.pk for m in made), reverse=True)
    response = client.get("/api/v1/matters", {"q": "赵六", "cursor": cursor or "x"}, **headers)
    assert response.status_code == 400 and _json(response)["field"] == "cursor"


# -- 登录会话的限流 ------------------------------------------------------------------------------


def test_session_calls_are_rate_limited_per_account_with_a_chinese_429(cast, login, settings):
    settings.API_CALLS_PER_MINUTE = 2
    client = login(cast.clerk)
    assert [client.get("/api/v1/matters").status_code for _ in range(2)] == [200, 200]
    response = client.get("/api/v1/matters")
    body = _json(response)
    assert response.status_code == 429 and body["code"] == "rate_limited"
    assert "每分钟至多调用接口 2 次" in body["message"]
    # 别的账号不受影响；公开的接口入口不计数
    second = Client()
    second.force_login(cast.head_a)
    assert second.get("/api/v1/matters").status_code == 200
    assert client.get("/api/v1/").status_code == 200
    # 同一账号另开一个会话也算在一起
    third = Client()
    third.force_login(cast.clerk)
    assert third.get("/api/v1/matters").status_code == 429
    # 一分钟窗口过去后又能调用
    SessionCallWindow.objects.filter(user=cast.clerk).update(
        window_started_at=SessionCallWindow.objects.get(user=cast.clerk).window_started_at - timedelta(minutes=2))
    assert client.get("/api/v1/matters").status_code == 200


def test_a_rate_limited_session_write_writes_nothing(cast, login, settings):
    from xinfang.petitions.models import Petition

    settings.API_CALLS_PER_MINUTE = 1
    client = login(cast.clerk)
    assert client.get("/api/v1/matters").status_code == 200
    count = Petition.objects.count()
    response = client.post("/api/v1/petitions", data=json.dumps({"channel": "visit"}), content_type="application/json")
    assert response.status_code == 429 and _json(response)["code"] == "rate_limited"
    assert Petition.objects.count() == count
