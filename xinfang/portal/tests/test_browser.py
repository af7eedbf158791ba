"""真实浏览器、手机宽度（375×740）：信访人网上提交 → 工作人员受理、答复 → 信访人凭查询码看到答复、
下载处理意见书并评价 → 承办人记录回访。"""

import io
import re

import pytest
from docx import Document as Docx

from xinfang.org.testing import PASSWORD
from xinfang.petitions.models import Matter, Status
from xinfang.petitions.testing import id_number
from xinfang.portal import security
from xinfang.portal.models import ReturnVisit
from xinfang.portal.testing import reply

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}


def solve(question: str) -> str:
    a, op, b = re.search(r"：(.+?)([加减])(.+?)等于几", question).groups()
    value = {security.chinese_number(n): n for n in range(100)}
    return str(value[a] + value[b] if op == "加" else value[a] - value[b])


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_citizen_on_a_phone_submits_follows_rates_and_staff_record_the_return_visit(cast, live_server, browser):
    base = live_server.url
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=PHONE,
                                  accept_downloads=True, is_mobile=True)
    citizen = context.new_page()
    citizen.set_default_timeout(15000)

    citizen.goto(f"{base}/portal/")
    assert fits_the_screen(citizen)
    citizen.fill("#id_name", "钱七")
    citizen.fill("#id_id_number", id_number())
    citizen.fill("#id_phone", "13700137000")
    citizen.select_option("#id_involved_department", label="大队A")
    citizen.fill("#id_content", "我的摩托车被扣押两个月，手续齐全仍未返还。")
    citizen.fill("#id_requests", "返还车辆")
    citizen.check("#id_consent")
    citizen.fill("#id_answer", solve(citizen.locator("label[for=id_answer]").inner_text()))
    citizen.click("button[type=submit]:has-text('提交')")
    number = citizen.locator("#number").inner_text().strip()
    code = citizen.locator("#code").inner_text().strip()
    assert fits_the_screen(citizen)
    matter = Matter.objects.get(number=number)
    assert matter.department == cast.brigade_a

    # 工作人员：受理、交办、办理、答复（经 actions；工作人员页面另有浏览器测试）
    reply(cast, matter, text="经核查，车辆手续齐全，已通知返还，支持您的请求。")

    citizen.goto(f"{base}/portal/query/")
    citizen.fill("#id_number", number)
    citizen.fill("#id_code", code)
    citizen.click("button[type=submit]:has-text('查询')")
    assert citizen.locator("#stage").inner_text() == "已答复"
    assert fits_the_screen(citizen)
    with citizen.expect_download() as info:
        citizen.click("#documents a:has-text('处理意见书')")
    text = "\n".join(p.text for p in Docx(io.BytesIO(open(info.value.path(), "rb").read())).paragraphs)
    assert "支持" in text and "复查" in text
    for name in (cast.handler_a.name, cast.head_a.name):
        assert name not in citizen.content()
    citizen.click("#rating label:has-text('基本满意')")
    citizen.fill("#id_reason", "处理及时")
    citizen.click("#rating button[type=submit]")
    assert "基本满意" in citizen.locator("#rating").inner_text()

    staff_context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=PHONE)
    handler = staff_context.new_page()
    handler.set_default_timeout(15000)
    handler.goto(f"{base}/accounts/login/")
    handler.fill("#id_username", "handler_a")
    handler.fill("#id_password", PASSWORD)
    handler.click("button[type=submit]")
    handler.wait_for_url(f"{base}/")
    handler.click(f"#panel-return-visits a:has-text('{number}')")
    assert "13700137000" in handler.content()
    assert "基本满意" in handler.locator("#online-rating").inner_text()
    handler.select_option("#id_method", label="电话")
    handler.select_option("#id_solved", label="已解决")
    handler.select_option("#id_satisfaction", label="满意")
    handler.fill("#id_notes", "电话回访，车辆已领回。")
    handler.click("#visit-form button[type=submit]")
    handler.wait_for_selector(".alert-success")
    assert "车辆已领回" in handler.locator("#result").inner_text()

    visit = ReturnVisit.objects.get(matter=matter)
    assert visit.is_done and visit.recorded_by == cast.handler_a and not visit.needs_attention
    assert Matter.objects.get(pk=matter.pk).status == Status.REPLIED
    context.close()
    staff_context.close()
