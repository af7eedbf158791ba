"""门户提交：成功时给出编号与查询码；任何一项不对都给出中文说明，什么也不保存。"""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from xinfang.audit.models import AuditEvent
from xinfang.petitions.models import Channel, Matter, Petition, Petitioner
from xinfang.petitions.testing import id_number
from xinfang.portal import security
from xinfang.portal.models import PortalAccess

pytestmark = pytest.mark.django_db


def challenge(client):
    page = client.get("/portal/")
    html = page.content.decode()
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    question = re.search(r"验证问题：(.+?)（", html).group(1)
    return token, solve(question)


def solve(question: str) -> str:
    a, op, b = re.match(r"(.+?)([加减])(.+?)等于几？", question).groups()
    x, y = parse(a), parse(b)
    return str(x + y if op == "加" else x - y)


def parse(text: str) -> int:
    for n in range(100):
        if security.chinese_number(n) == text:
            return n
    raise AssertionError(text)


def form(client, **overrides):
    token, answer = challenge(client)
    data = {
        "name": "王五", "id_number": id_number(), "phone": "13900139000", "address": "示范市人民路1号",
        "involved_department": "", "content": "4月1日在人民路口被认定闯红灯，当时是绿灯。",
        "requests": "撤销处罚", "case_numbers": "", "consent": "on", "answer": answer, "token": token,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_a_citizen_submits_and_gets_a_number_and_a_code_that_is_stored_only_as_a_hash(client, cast):
    response = client.post("/portal/", form(client))
    assert response.status_code == 200
    html = response.content.decode()
    number = re.search(r'id="number">([^<]+)<', html).group(1)
    code = re.search(r'id="code">([^<]+)<', html).group(1)
    matter = Matter.objects.get(number=number)
    assert matter.department == cast.detachment  # 未选单位：交组织树的根
    petition = matter.petitions.get()
    assert petition.channel == Channel.ONLINE and petition.registered_by is None
    access = PortalAccess.objects.get(matter=matter)
    raw = security.normalize_code(code)
    assert len(raw) >= 10 and set(raw) <= set(security.ALPHABET)
    assert raw not in access.code_hash and access.code_hash == security.hash_code(access.salt, raw)
    assert "个人信息" in access.consent_text
    assert "告知您是否受理" in html and "15 日" in html
    assert AuditEvent.objects.filter(action="portal.submit").count() == 1


def test_the_citizen_may_choose_the_unit_involved(client, cast):
    client.post("/portal/", form(client, involved_department=str(cast.brigade_a.pk)))
    assert Matter.objects.get().department == cast.brigade_a


@pytest.mark.parametrize(("overrides", "message"), [
    ({"name": ""}, "必填"),
    ({"content": ""}, "必填"),
    ({"id_number": "430105198001011230"}, "校验位"),
    ({"id_number": "12345"}, "18 位"),
    ({"phone": "12345"}, "联系电话"),
    ({"consent": None}, "请阅读并同意"),
    ({"answer": "999"}, "验证问题的答案不对"),
    ({"token": "forged"}, "验证问题的答案不对"),
])
def test_bad_input_gets_a_chinese_message_and_nothing_is_saved(client, cast, overrides, message):
    response = client.post("/portal/", form(client, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "什么也没有保存" in response.content.decode()
    assert not Matter.objects.exists() and not Petitioner.objects.exists() and not PortalAccess.objects.exists()


def test_a_disallowed_attachment_is_refused_and_nothing_is_saved(client, cast):
    upload = SimpleUploadedFile("virus.exe", b"MZ\x90\x00" * 10)
    response = client.post("/portal/", {**form(client), "attachments": [upload]})
    assert "类型不允许" in response.content.decode()
    assert not Petition.objects.exists()


def test_an_attachment_whose_content_does_not_match_its_name_is_refused(client, cast):
    upload = SimpleUploadedFile("photo.jpg", b"not a jpeg at all")
    response = client.post("/portal/", {**form(client), "attachments": [upload]})
    assert "内容与扩展名不符" in response.content.decode()
    assert not Petition.objects.exists()


def test_an_oversize_attachment_is_refused(client, cast, settings):
    settings.ATTACHMENT_MAX_MB = 1
    upload = SimpleUploadedFile("scan.pdf", b"%PDF" + b"0" * (1024 * 1024 + 10))
    response = client.post("/portal/", {**form(client), "attachments": [upload]})
    assert response.status_code in (200, 413)
    assert "MB" in response.content.decode()
    assert not Petition.objects.exists()


def test_a_request_larger_than_the_limit_is_refused_before_it_is_read(client, cast, settings):
    settings.ATTACHMENT_MAX_MB = 1
    upload = SimpleUploadedFile("scan.pdf", b"%PDF" + b"0" * (3 * 1024 * 1024))
    response = client.post("/portal/", {**form(client), "attachments": [upload]})
    assert response.status_code == 413
    assert "过大" in response.content.decode()
    assert not Petition.objects.exists()


def test_more_than_three_attachments_are_refused(client, cast):
    files = [SimpleUploadedFile(f"p{i}.pdf", b"%PDF-1.4 x") for i in range(4)]
    response = client.post("/portal/", {**form(client), "attachments": files})
    assert "至多 3 个" in response.content.decode()
    assert not Petition.objects.exists()


def test_a_good_attachment_is_kept(client, cast):
    upload = SimpleUploadedFile("scan.pdf", b"%PDF-1.4 evidence", content_type="application/pdf")
    client.post("/portal/", {**form(client), "attachments": [upload]})
    assert Petition.objects.get().attachments.get().name == "scan.pdf"


def test_submissions_from_one_address_are_limited_per_hour(client, cast, settings):
    settings.PORTAL_SUBMISSIONS_PER_HOUR = 2
    for i in range(2):
        assert client.post("/portal/", form(client, content=f"第{i}件")).status_code == 200
    response = client.post("/portal/", form(client, content="第三件"))
    assert response.status_code == 429 and "过于频繁" in response.content.decode()
    assert Matter.objects.count() == 2


def test_failed_attempts_from_one_address_are_limited_too(client, cast, settings):
    settings.PORTAL_REQUESTS_PER_HOUR = 3
    for _ in range(3):
        assert client.post("/portal/", form(client, answer="999")).status_code == 200
    assert client.post("/portal/", form(client)).status_code == 429
    assert not Matter.objects.exists()


def test_the_portal_needs_no_staff_login_and_shows_no_staff_navigation(client, cast):
    html = client.get("/portal/").content.decode()
    assert "提交网上信访" in html
    assert "工作台" not in html and "/petitions/" not in html
    assert "http://" not in html and "https://" not in html  # 无外部资源


def test_the_challenge_reads_numbers_in_chinese():
    assert [security.chinese_number(n) for n in (0, 7, 10, 12, 20, 35)] == ["零", "七", "十", "十二", "二十", "三十五"]
    question, token = security.new_challenge()
    assert security.challenge_passed(token, solve(question))
    assert not security.challenge_passed(token, str(int(solve(question)) + 1))
