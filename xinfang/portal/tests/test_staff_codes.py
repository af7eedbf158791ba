"""工作人员登记的信访也能凭查询码在门户上查进度：事项页上发码、重发使旧码作废、只有登记类角色能发。"""

import re

import pytest

from xinfang.audit.models import AuditEvent
from xinfang.portal.models import PortalAccess
from xinfang.portal.testing import submit
from xinfang.petitions.testing import register

pytestmark = pytest.mark.django_db


def issue(client, petition):
    response = client.post(f"/portal/petitions/{petition.pk}/code/")
    assert response.status_code == 200
    return re.search(r'id="code">([A-Z0-9-]+)<', response.content.decode()).group(1)


def opens_progress(client, matter, code) -> bool:
    response = client.post("/portal/query/", {"number": matter.number, "code": code})
    return response.status_code == 302 and response["Location"] == "/portal/progress/"


def test_a_clerk_gives_a_visitor_a_code_that_opens_the_progress_page(cast, login, client):
    matter = register(cast.clerk, department=cast.brigade_a)
    petition = matter.petitions.get()
    staff = login(cast.clerk)
    assert "发查询码" in staff.get(f"/petitions/matters/{matter.pk}/").content.decode()
    code = issue(staff, petition)
    assert opens_progress(client, matter, code)
    access = PortalAccess.objects.get(petition=petition)
    assert code.replace("-", "") not in (access.code_hash, access.salt)
    assert AuditEvent.objects.filter(action="portal.code_issued", actor=cast.clerk).exists()
    assert "重发查询码" in staff.get(f"/petitions/matters/{matter.pk}/").content.decode()


def test_reissuing_a_code_makes_the_old_one_stop_working(cast, login, client):
    matter = register(cast.clerk, department=cast.brigade_a)
    petition = matter.petitions.get()
    staff = login(cast.clerk)
    old = issue(staff, petition)
    new = issue(staff, petition)
    assert old != new and PortalAccess.objects.filter(petition=petition).count() == 1
    assert not opens_progress(client, matter, old)
    assert opens_progress(client, matter, new)
    assert AuditEvent.objects.filter(action="portal.code_reissued").exists()


def test_reissuing_a_code_ends_a_portal_session_opened_with_the_old_one(cast, login, client):
    matter = register(cast.clerk, department=cast.brigade_a)
    petition = matter.petitions.get()
    staff = login(cast.clerk)
    assert opens_progress(client, matter, issue(staff, petition))
    assert client.get("/portal/progress/").status_code == 200
    issue(staff, petition)
    response = client.get("/portal/progress/", follow=True)
    assert response.redirect_chain == [("/portal/query/", 302)]
    assert "查询码已更换或已失效" in response.content.decode()
    assert client.get("/portal/progress/")["Location"] == "/portal/query/"


def test_only_intake_roles_that_see_the_matter_may_issue_a_code(cast, login):
    matter = register(cast.clerk, department=cast.brigade_a)
    petition = matter.petitions.get()
    handler = login(cast.handler_a)
    assert "发查询码" not in handler.get(f"/petitions/matters/{matter.pk}/").content.decode()
    assert handler.post(f"/portal/petitions/{petition.pk}/code/").status_code == 404
    elsewhere = register(cast.clerk, department=cast.brigade_b).petitions.get()
    assert login(cast.head_a).post(f"/portal/petitions/{elsewhere.pk}/code/").status_code == 404
    assert not PortalAccess.objects.exists()


def test_a_petition_submitted_online_keeps_the_code_its_petitioner_chose_to_save(cast, login):
    matter, _ = submit(department=cast.brigade_a)
    petition = matter.petitions.get()
    before = PortalAccess.objects.get(petition=petition).code_hash
    staff = login(cast.clerk)
    assert "发查询码" not in staff.get(f"/petitions/matters/{matter.pk}/").content.decode()
    response = staff.post(f"/portal/petitions/{petition.pk}/code/", follow=True)
    assert "网上提交的信访件在提交时已取得查询码" in response.content.decode()
    assert PortalAccess.objects.get(petition=petition).code_hash == before
