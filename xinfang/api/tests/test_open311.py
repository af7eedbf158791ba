"""Open311 GeoReport v2：目录与定义不需令牌；提交须持 open311 能力的 api_key，经门户的提交；查询凭查询码，不返回个人资料。"""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import pytest

from xinfang.api.testing import issue
from xinfang.petitions.models import Channel, Matter, Petition
from xinfang.petitions.testing import id_number
from xinfang.portal.models import PortalAccess

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _key(scopes=("open311",)):
    _, headers = issue(list(scopes), name="市民 App")
    return headers["HTTP_AUTHORIZATION"].removeprefix("Bearer ")


FORM = {"service_code": "xinfang", "first_name": "三", "last_name": "张", "phone": "13800138000",
        "description": "交警拖车后拖车费收取过高。", "attribute[id_number]": id_number(),
        "attribute[requests]": "请求核实并退还多收的拖车费。", "attribute[consent]": "true",
        "lat": "23.1", "long": "113.3"}


def test_services_and_definitions_in_json_and_xml_need_no_key(client, cast):
    services = json.loads(client.get("/open311/v2/services.json").content)
    assert services[0]["service_code"] == "xinfang"
    xml = ET.fromstring(client.get("/open311/v2/services.xml").content)
    assert xml.tag == "services" and xml.find("service/service_code").text == "xinfang"
    definition = json.loads(client.get("/open311/v2/services/xinfang.json").content)
    assert {a["code"] for a in definition["attributes"]} >= {"id_number", "requests", "consent"}
    assert ET.fromstring(client.get("/open311/v2/services/xinfang.xml").content).tag == "service_definitions"
    assert client.get("/open311/v2/services/nope.json").status_code == 404
    discovery = json.loads(client.get("/open311/discovery.json").content)
    assert discovery["endpoints"][0]["url"].endswith("/open311/v2/")


def test_a_post_becomes_a_portal_submission_and_get_with_the_code_shows_no_personal_data(client, cast):
    response = client.post("/open311/v2/requests.json", {**FORM, "api_key": _key()})
    assert response.status_code == 201, response.content.decode()
    row = json.loads(response.content)[0]
    matter = Matter.objects.get(number=row["service_request_id"])
    petition = matter.petitions.get()
    assert petition.channel == Channel.ONLINE and PortalAccess.objects.filter(matter=matter).exists()
    code = row["service_notice"]
    found = json.loads(client.get("/open311/v2/requests.json", {"service_request_id": matter.number,
                                                                 "code": code}).content)[0]
    assert found["status"] == "open" and found["status_notes"] and found["expected_datetime"].startswith(
        matter.current_due.isoformat())
    text = json.dumps(found, ensure_ascii=False)
    for private in ("张三", "13800138000", id_number(), "拖车费", "23.1"):
        assert private not in text
    xml = ET.fromstring(client.get(f"/open311/v2/requests/{matter.number}.xml", {"code": code}).content)
    assert xml.find("request/service_request_id").text == matter.number and "张" not in ET.tostring(
        xml, encoding="unicode")


def test_a_get_without_or_with_a_wrong_code_answers_nothing(client, cast):
    row = json.loads(client.post("/open311/v2/requests.json", {**FORM, "api_key": _key()}).content)[0]
    number = row["service_request_id"]
    missing = client.get("/open311/v2/requests.json", {"service_request_id": number})
    assert missing.status_code == 400 and json.loads(missing.content)[0]["field"] == "code"
    wrong = client.get(f"/open311/v2/requests/{number}.json", {"code": "AAAA-BBBB-CCCC"})
    assert wrong.status_code == 404 and number not in wrong.content.decode()


def test_a_post_needs_an_open311_key(client, cast):
    assert client.post("/open311/v2/requests.json", FORM).status_code == 401
    response = client.post("/open311/v2/requests.json", {**FORM, "api_key": _key(("matter.list",))})
    assert response.status_code == 403 and json.loads(response.content)[0]["field"] == "api_key"
    assert not Petition.objects.exists()


def test_a_post_without_the_required_fields_names_them_in_chinese_and_writes_nothing(client, cast):
    response = client.post("/open311/v2/requests.json", {"service_code": "xinfang", "api_key": _key()})
    errors = json.loads(response.content)
    assert response.status_code == 400
    fields = {e["field"] for e in errors}
    assert {"description", "phone", "attribute[id_number]", "attribute[requests]", "name"} <= fields
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in e["description"]) for e in errors)
    bad = client.post("/open311/v2/requests.xml", {**FORM, "attribute[id_number]": "110101199001011230",
                                                   "api_key": _key()})
    assert bad.status_code == 400 and ET.fromstring(bad.content).find("error/field").text == "attribute[id_number]"
    assert not Petition.objects.exists() and not PortalAccess.objects.exists()


def test_submissions_are_limited_per_partner_key(client, cast, settings):
    settings.OPEN311_SUBMISSIONS_PER_HOUR = 1
    key = _key()
    assert client.post("/open311/v2/requests.json", {**FORM, "api_key": key}).status_code == 201
    assert client.post("/open311/v2/requests.json", {**FORM, "api_key": key}).status_code == 429
    assert Petition.objects.count() == 1
