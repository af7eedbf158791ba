"""督办页面：督办台、本单位、包案（也在领导首页上）、签发表单的中文报错、督办单下载；看不到的一律 404。"""

from datetime import date

import pytest
import time_machine

from xinfang.supervision import orders
from xinfang.supervision.models import OrderLevel, SupervisionOrder
from xinfang.supervision.testing import at, handled

pytestmark = pytest.mark.django_db


def leader_case(cast, matter):
    with time_machine.travel(at("2026-03-10 09:00"), tick=False):
        return orders.issue_order(by=cast.supervisor, matter=matter, level=OrderLevel.LEADER, lead=cast.brigade_a,
                                  requirement="分管领导包案，亲自接访。", due_on=date(2026, 4, 30),
                                  owner_leader=cast.leader)


def test_the_supervisors_board_lists_open_orders_and_red_matters_by_department(cast, login):
    m = handled(cast)
    order = leader_case(cast, m)
    with time_machine.travel(at("2026-05-08 09:00"), tick=False):
        page = login(cast.supervisor).get("/supervision/").content.decode()
    assert order.number in page and m.number in page
    assert "大队A 1" in page and "clock-red" in page


def test_people_without_a_supervising_role_get_404_on_the_board(cast, login):
    for person in (cast.handler_a, cast.handler_b, cast.clerk, cast.auditor):
        assert login(person).get("/supervision/").status_code == 404


def test_the_leaders_cases_show_on_their_start_page(cast, login):
    order = leader_case(cast, handled(cast))
    client = login(cast.leader)
    assert order.number in client.get("/").content.decode()
    assert order.number in client.get("/supervision/cases/").content.decode()
    assert order.number not in login(cast.bureau).get("/supervision/cases/").content.decode()


def test_the_unit_head_sees_the_units_warnings_and_orders_but_not_another_unit(cast, login):
    m = handled(cast)
    order = leader_case(cast, m)
    client = login(cast.head_a)
    with time_machine.travel(at("2026-04-29 09:00"), tick=False):
        page = client.get("/supervision/unit/").content.decode()
        other = client.get(f"/supervision/unit/?department={cast.brigade_b.pk}")
    assert m.number in page and order.number in page and "clock-yellow" in page
    assert other.status_code == 404


def test_the_matter_page_offers_an_order_to_issuers_only(cast, login):
    m = handled(cast)
    link = f"/supervision/matters/{m.pk}/order/"
    assert link in login(cast.supervisor).get(f"/petitions/matters/{m.pk}/").content.decode()
    assert link not in login(cast.head_a).get(f"/petitions/matters/{m.pk}/").content.decode()


def test_the_order_form_shows_the_missing_lead_department_in_chinese_and_writes_nothing(cast, login):
    m = handled(cast)
    with time_machine.travel(at("2026-03-10 09:00"), tick=False):
        response = login(cast.supervisor).post(f"/supervision/matters/{m.pk}/order/", {
            "level": "general", "requirement": "请尽快办理。", "due_on": "2026-04-01"})
    assert response.status_code == 200 and "请指定一个牵头单位" in response.content.decode()
    assert not SupervisionOrder.objects.exists()


def test_an_order_issued_through_the_page_can_be_downloaded_by_the_unit_but_not_by_another(
        cast, login, django_capture_on_commit_callbacks):
    m = handled(cast)
    client = login(cast.supervisor)
    with time_machine.travel(at("2026-03-10 09:00"), tick=False), django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/supervision/matters/{m.pk}/order/", {
            "level": "key", "lead": cast.brigade_a.pk, "requirement": "请尽快办理。", "due_on": "2026-04-01"})
    order = SupervisionOrder.objects.get()
    assert response.status_code == 302 and order.file  # 没有 Redis：提交后就地生成
    download = login(cast.head_a).get(f"/supervision/orders/{order.pk}/document/")
    assert download.status_code == 200 and download["Content-Disposition"].endswith(".docx")
    assert login(cast.handler_b).get(f"/supervision/orders/{order.pk}/").status_code == 404


def test_the_unit_gives_feedback_through_the_order_page(cast, login):
    order = leader_case(cast, handled(cast))
    client = login(cast.head_a)
    response = client.post(f"/supervision/orders/{order.pk}/", {"fb-department": cast.brigade_a.pk, "fb-text": "已办理。"})
    assert response.status_code == 302
    assert "已办理。" in client.get(f"/supervision/orders/{order.pk}/").content.decode()


def test_closing_an_unresolved_order_through_the_page_explains_why(cast, login):
    order = leader_case(cast, handled(cast))
    client = login(cast.leader)
    response = client.post(f"/supervision/orders/{order.pk}/close/", follow=True)
    assert "尚未真正解决" in response.content.decode()


def test_menu_items_follow_the_roles(cast, login):
    assert "督办台" in login(cast.supervisor).get("/").content.decode()
    page = login(cast.handler_a).get("/").content.decode()
    assert "督办台" not in page and "责任追究" not in page
    assert "责任追究" in login(cast.auditor).get("/").content.decode()


def test_the_order_form_lists_every_problem_at_once_under_its_field(cast, login):
    m = handled(cast)
    with time_machine.travel(at("2026-03-10 09:00"), tick=False):
        page = login(cast.supervisor).post(f"/supervision/matters/{m.pk}/order/", {
            "level": "joint", "requirement": "", "due_on": "2026-03-01"}).content.decode()
    for field, text in (("id_lead", "请指定一个牵头单位"), ("id_participants", "联合督办须至少有一个参与单位"),
                        ("id_requirement", "请写明督办要求"), ("id_due_on", "办结时限不能早于今天")):
        assert f'id="{field}_error"' in page and text in page.split(f'id="{field}_error"')[1][:200], field
    assert '<optgroup label="大队A">' in page  # 牵头单位按大队分组
    assert not SupervisionOrder.objects.exists()
