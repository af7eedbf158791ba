"""信访页面：工作台、列表与检索、事项页、动作表单、文书下载、期限命令。"""

from datetime import date

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from xinfang.audit.models import AuditEvent
from xinfang.petitions.actions import decisions, handling
from xinfang.petitions.models import Matter, Status
from xinfang.petitions.testing import register

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_the_workbench_orders_by_nearest_deadline_with_lights(cast, login):
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False):
        later = register(cast.clerk, department=cast.brigade_a, title="后到期")
    with time_machine.travel("2026-02-24 09:00 +0800", tick=False):
        sooner = register(cast.clerk, department=cast.brigade_a, title="先到期")
    assert sooner.acceptance_due == date(2026, 3, 11) and later.acceptance_due == date(2026, 3, 17)
    with time_machine.travel("2026-03-10 09:00 +0800", tick=False):
        body = login(cast.head_a).get("/petitions/workbench/").content.decode()
    assert body.index("先到期") < body.index("后到期")
    # 3 月 10 日看：先到期的 11 日截止，不足 3 个工作日为黄；后到期的 17 日截止为绿。
    assert body.count("clock-yellow") == 1 and body.count("clock-green") == 1


def test_the_list_filters_by_state_and_searches_chinese_text(cast, login):
    a = register(cast.clerk, department=cast.brigade_a, content="车辆被扣押后停车场收费过高")
    register(cast.clerk, department=cast.brigade_a, content="电子警察抓拍闯红灯有误")
    decisions.accept_matter(a, by=cast.clerk)
    client = login(cast.head_a)
    body = client.get("/petitions/", {"q": "停车场"}).content.decode()
    assert a.number in body and "电子警察" not in body
    assert "闯红灯" in client.get("/petitions/", {"q": "电子警察"}).content.decode()
    body = client.get("/petitions/", {"status": Status.ACCEPTED}).content.decode()
    assert a.number in body and body.count("/petitions/matters/") == 1
    assert "检索词至少两个字" in client.get("/petitions/", {"q": "扣"}).content.decode()


def test_the_list_and_search_are_scoped_to_the_users_departments(cast, login):
    register(cast.clerk, department=cast.brigade_a, content="车辆被扣押后停车场收费过高")
    body = login(cast.handler_b).get("/petitions/", {"q": "停车场"}).content.decode()
    assert "没有符合条件的事项" in body


def test_the_matter_page_shows_facts_clocks_timeline_and_allowed_actions_and_audits_the_read(cast, login):
    m = decisions.accept_matter(register(cast.clerk, department=cast.brigade_a), by=cast.clerk)
    body = login(cast.clerk).get(f"/petitions/matters/{m.pk}/").content.decode()
    assert "张三" in body and "办理期限" in body and "受理告知书" in body and "交办" in body
    assert "审批并答复" not in body
    assert AuditEvent.objects.filter(action="personal_data.read", object_id=str(m.pk)).exists()


def test_another_departments_matter_page_and_document_answer_404(cast, login):
    m = decisions.accept_matter(register(cast.clerk, department=cast.brigade_a), by=cast.clerk)
    client = login(cast.handler_b)
    assert client.get(f"/petitions/matters/{m.pk}/").status_code == 404
    assert client.get(f"/petitions/matters/{m.pk}/accept/").status_code == 404
    assert client.get(f"/petitions/documents/{m.documents.get().pk}/").status_code == 404


def test_an_action_form_applies_the_action_and_a_stale_one_is_told_so(cast, login):
    m = register(cast.clerk, department=cast.brigade_a)
    client = login(cast.clerk)
    assert "确认受理" in client.get(f"/petitions/matters/{m.pk}/accept/").content.decode()
    response = client.post(f"/petitions/matters/{m.pk}/accept/", {"version": m.version}, follow=True)
    assert "已受理" in response.content.decode()
    body = client.post(f"/petitions/matters/{m.pk}/decline/",
                       {"version": m.version, "reason": "x", "where_to_go": "y"}, follow=True).content.decode()
    assert "您的提交未保存" in body
    assert Matter.objects.get(pk=m.pk).status == Status.ACCEPTED


def test_an_action_form_with_errors_keeps_what_was_typed(cast, login):
    m = handling.start_handling(decisions.assign_matter(
        decisions.accept_matter(register(cast.clerk, department=cast.brigade_a), by=cast.clerk),
        by=cast.clerk, lead=cast.brigade_a), by=cast.handler_a)
    body = login(cast.head_a).post(f"/petitions/matters/{m.pk}/extend/",
                                   {"version": m.version, "days": "45", "reason": "需要调查"}).content.decode()
    assert "需要调查" in body and "30" in body
    assert Matter.objects.get(pk=m.pk).extension_days == 0


def test_a_document_downloads_as_docx_and_the_download_is_audited(cast, login):
    m = decisions.accept_matter(register(cast.clerk, department=cast.brigade_a), by=cast.clerk)
    response = login(cast.head_a).get(f"/petitions/documents/{m.documents.get().pk}/")
    content = b"".join(response.streaming_content)
    assert response.status_code == 200 and content.startswith(b"PK")
    assert AuditEvent.objects.filter(action="personal_data.read", object_type="petitions.document").exists()


def test_the_deadline_command_prints_the_due_date(capsys):
    call_command("deadline", "acceptance", "2026-02-01")
    assert capsys.readouterr().out.strip() == "2026-02-24"
    call_command("deadline", "re_review", "2031-03-01", "--paused-days", "5")
    assert capsys.readouterr().out.strip().endswith(" provisional")


@pytest.mark.parametrize("args", [("nosuch", "2026-01-01"), ("acceptance", "2026-02-30")])
def test_the_deadline_command_refuses_unknown_codes_and_bad_dates(args):
    with pytest.raises(CommandError):
        call_command("deadline", *args)


def test_a_co_department_sees_the_matter_in_its_workbench_and_list(cast, login):
    m = decisions.assign_matter(decisions.accept_matter(
        register(cast.clerk, department=cast.brigade_a, title="协办的事项"), by=cast.clerk),
        by=cast.clerk, lead=cast.brigade_a, co=[cast.brigade_b])
    assert Matter.objects.get(pk=m.pk).has_co_assignment
    client = login(cast.handler_b)
    assert "协办的事项" in client.get("/petitions/workbench/").content.decode()
    assert "协办的事项" in client.get("/petitions/", {"status": Status.ASSIGNED}).content.decode()
