"""事项页讲完整的故事、按钮只给做得成的、登记表一次说清全部错误、局领导总览只写现有的事实。"""

from datetime import timedelta

import pytest
import time_machine

from xinfang.core import clock
from xinfang.petitions import buttons, clock_rows
from xinfang.petitions.actions import decisions, handling
from xinfang.petitions.models import Matter, MatterEvent
from xinfang.petitions.overview import overview
from xinfang.petitions.testing import register
from xinfang.portal.actions import visits
from xinfang.portal.models import ReturnVisit
from xinfang.supervision import orders
from xinfang.supervision.models import OrderLevel

pytestmark = pytest.mark.django_db


def in_progress(cast):
    m = register(cast.clerk, department=cast.brigade_a)
    m = decisions.accept_matter(m, by=cast.clerk)
    m = decisions.assign_matter(m, by=cast.clerk, lead=cast.brigade_a, handler=cast.handler_a)
    return handling.start_handling(m, by=cast.handler_a)


def test_a_finished_clock_reads_met_on_its_date_and_a_late_one_reads_missed(cast):
    m = in_progress(cast)
    m = handling.draft_reply(m, by=cast.handler_a, outcome="explain", text="解释说明。")
    late = m.handling_due + timedelta(days=3)
    with time_machine.travel(clock.now() + (late - clock.today()), tick=False):
        m = handling.approve_reply(Matter.objects.get(pk=m.pk), by=cast.head_a, approval_note="同意")
        rows = {r.label: r for r in clock_rows.rows(m, list(m.events.all()), clock.today())}
    assert rows["告知受理期限"].state == "met" and "按期" in rows["告知受理期限"].text
    assert rows["办理期限"].state == "missed" and rows["办理期限"].text == f"逾期 3 天：{late:%Y-%m-%d} 完成"
    assert "复查申请截止" not in rows  # 尚未送达：复查请求期限还没起算


def test_extension_is_not_offered_once_it_cannot_succeed(cast):
    m = in_progress(cast)
    assert "extend" in [t.action for t in buttons.actions_now(cast.head_a, m, clock.today())]
    after_due = m.handling_due + timedelta(days=1)
    assert "extend" not in [t.action for t in buttons.actions_now(cast.head_a, m, after_due)]
    m = handling.extend_matter(m, by=cast.head_a, days=10, reason="需调取外省记录。")
    assert buttons.blocked(m, "extend", clock.today()).startswith("该事项已延期 10 日")
    assert "extend" not in [t.action for t in buttons.actions_now(cast.head_a, m, clock.today())]


def test_the_extension_form_says_why_instead_of_offering_a_button_that_fails(cast, login):
    m = handling.extend_matter(in_progress(cast), by=cast.head_a, days=10, reason="需调取外省记录。")
    client = login(cast.head_a)
    assert f"/petitions/matters/{m.pk}/extend/" not in client.get(f"/petitions/matters/{m.pk}/").content.decode()
    page = client.get(f"/petitions/matters/{m.pk}/extend/").content.decode()
    assert 'id="blocked"' in page and "不能再次延期" in page


def test_the_matter_page_shows_its_orders_and_flags_an_overdue_return_visit(cast, login):
    m = in_progress(cast)
    orders.issue_order(by=cast.supervisor, matter=m, level=OrderLevel.GENERAL, lead=cast.squadron_a1,
                       requirement="五日内书面反馈。", due_on=clock.today() + timedelta(days=5))
    m = handling.draft_reply(Matter.objects.get(pk=m.pk), by=cast.handler_a, outcome="explain", text="解释。")
    m = handling.approve_reply(m, by=cast.head_a, approval_note="同意", delivered_on=clock.today())
    visits.sync_for_matter(m)
    ReturnVisit.objects.filter(matter=m).update(due_on=clock.today() - timedelta(days=4))
    page = login(cast.head_a).get(f"/petitions/matters/{m.pk}/").content.decode()
    assert "督办单（1）" in page and "大队A / 中队A1（牵头单位）" in page
    assert "逾期 4 天未回访" in page
    assert MatterEvent.objects.get(matter=m, action="approve_reply").reason == "同意"


def test_intake_reports_the_matter_and_every_petitioner_problem_in_one_go(cast, login):
    client = login(cast.clerk)
    response = client.post("/petitions/intake/", {
        "p-TOTAL_FORMS": "2", "p-INITIAL_FORMS": "0", "p-MIN_NUM_FORMS": "1", "p-MAX_NUM_FORMS": "50",
        "p-0-name": "", "p-0-kind": "person", "p-0-id_number": "440101199001011234", "p-0-phone": "110",
        "p-1-name": "某公司", "p-1-kind": "organisation", "p-1-id_number": "91440101MA5ABCDEFG",
        "channel": "letter", "received_at": "2026-01-01T10:00", "head_count": "1", "content": "",
    })
    page = response.content.decode()
    for text in ("信访人 1 · 姓名或单位名称：请填写", "信访人 1 · 身份证号码校验位不正确", "信访人 1 · 联系电话应为",
                 "信访人 2 · 身份证号码：统一社会信用代码", "信访内容："):
        assert text in page, text
    assert Matter.objects.count() == 0


def test_an_empty_petitioner_list_is_told_in_plain_chinese(cast, login):
    page = login(cast.clerk).post("/petitions/intake/", {
        "p-TOTAL_FORMS": "0", "p-INITIAL_FORMS": "0", "channel": "letter", "received_at": "2026-01-01T10:00",
        "head_count": "1", "content": "内容"}).content.decode()
    assert "请至少填写一名信访人" in page and "表单" not in page.split("<main")[1].split("</main>")[0]


def test_the_bureau_overview_counts_open_overdue_supervised_by_first_level_unit(cast, login):
    a = in_progress(cast)
    register(cast.clerk, department=cast.squadron_a1)
    register(cast.clerk, department=cast.brigade_b)
    orders.issue_order(by=cast.supervisor, matter=a, level=OrderLevel.GENERAL, lead=cast.brigade_a,
                       requirement="反馈。", due_on=clock.today() + timedelta(days=5))
    total, rows = overview(cast.bureau, a.handling_due + timedelta(days=1))
    by_unit = {r.department.name: r for r in rows}
    assert (total.open, total.supervised) == (3, 1)
    assert by_unit["大队A"].open == 2 and by_unit["大队A"].supervised == 1  # 中队A1 的事项算进大队A
    assert by_unit["大队B"].open == 1
    assert total.overdue == 3  # 那一天，三件的当前期限都已过
    page = login(cast.bureau).get("/").content.decode()
    assert 'href="/assessment/"' in page and 'href="/warning/"' in page and "排名" not in page.split("按单位")[0]
