"""真实浏览器，宽屏（1366）与手机（390）：登记表每一格的错误写明是哪一格；审批页看得见所审的草稿并记下审批意见。"""

import pytest

from xinfang.org.testing import PASSWORD
from xinfang.petitions.actions import decisions, handling
from xinfang.petitions.models import Matter, MatterEvent, Status
from xinfang.petitions.testing import id_number, register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"wide": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def staff_page(browser, base, username, viewport):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def fits(page, viewport) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


@pytest.mark.parametrize("width", WIDTHS)
def test_every_petitioner_field_error_names_its_field_and_all_show_at_once(cast, live_server, browser, width):
    viewport = WIDTHS[width]
    clerk = staff_page(browser, live_server.url, "clerk", viewport)
    clerk.goto(f"{live_server.url}/petitions/intake/")
    for name, label in (("name", "姓名或单位名称"), ("kind", "类型"), ("id_number", "身份证号码"),
                        ("phone", "联系电话"), ("address", "地址")):
        assert clerk.locator(f"label[for=id_p-0-{name}]").inner_text().startswith(label)
    assert clerk.get_attribute("#id_p-0-id_number", "placeholder") and clerk.get_attribute("#id_p-0-phone", "placeholder")
    clerk.fill("#id_p-0-id_number", "44010119900101")
    clerk.fill("#id_p-0-phone", "12345")
    clerk.evaluate("document.getElementById('id_p-0-address').removeAttribute('maxlength')")
    clerk.fill("#id_p-0-address", "路" * 201)
    clerk.click("button[type=submit]:has-text('登记')")
    clerk.wait_for_selector("[data-field-errors]")
    expected = {
        "#id_p-0-name_error": "姓名或单位名称：请填写",
        "#id_p-0-id_number_error": "身份证号码应为 18 位",
        "#id_p-0-phone_error": "联系电话应为 11 位手机号",
        "#id_p-0-address_error": "地址：",
        "#id_content_error": "信访内容：",  # 登记表本身的错误同时列出，不必改一处提交一次
    }
    for selector, text in expected.items():
        assert text in clerk.locator(selector).inner_text(), selector
    summary = clerk.locator("[data-field-errors]").inner_text()
    assert "信访人 1 · 身份证号码" in summary and "信访人 1 · 联系电话" in summary and "信访内容" in summary
    assert "表单" not in summary, summary
    assert "Select an option" not in clerk.locator("body").inner_text() and "---------" not in clerk.content()
    assert "is-invalid" in clerk.get_attribute("#id_p-0-phone", "class")
    assert fits(clerk, viewport)
    assert Matter.objects.count() == 0

    clerk.fill("#id_p-0-name", "赵六")
    clerk.fill("#id_p-0-id_number", id_number())
    clerk.fill("#id_p-0-phone", "138-0013-8000")
    clerk.fill("#id_p-0-address", "示范市人民路 1 号")
    clerk.fill("#id_content", "车辆被扣押三个月未处理。")
    clerk.select_option("#id_involved_department", label="大队A")
    clerk.click("button[type=submit]:has-text('登记')")
    clerk.wait_for_selector("text=已登记")
    assert Matter.objects.get().department == cast.brigade_a


def drafted(cast, text):
    matter = register(cast.clerk, department=cast.brigade_a)
    matter = decisions.accept_matter(matter, by=cast.clerk)
    matter = decisions.assign_matter(matter, by=cast.clerk, lead=cast.brigade_a, handler=cast.handler_a)
    matter = handling.start_handling(matter, by=cast.handler_a)
    return handling.draft_reply(matter, by=cast.handler_a, outcome="explain", text=text)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_approval_page_shows_the_draft_and_the_opinion_goes_on_the_event(cast, live_server, browser, width):
    viewport = WIDTHS[width]
    matter = drafted(cast, "经核查，抓拍照片清晰，违法事实成立，现向您解释说明如下。")
    head = staff_page(browser, live_server.url, "head_a", viewport)
    head.goto(f"{live_server.url}/petitions/matters/{matter.pk}/")
    head.click("a.btn:has-text('审批并答复')")
    assert "抓拍照片清晰" in head.locator("#draft-text").inner_text()
    assert "解释说明" in head.locator("#draft").inner_text() and head.locator("#draft").inner_text().count("承办人A")
    assert fits(head, viewport)
    head.click("button[type=submit]:has-text('确认')")
    assert "审批意见：请填写审批意见" in head.locator("#id_note_error").inner_text()
    assert Matter.objects.get().status == Status.REPLY_DRAFTED
    head.fill("#id_note", "同意，按此答复。")
    head.click("button[type=submit]:has-text('确认')")
    head.wait_for_selector(".alert-success")
    assert MatterEvent.objects.get(matter=matter, action="approve_reply").reason == "同意，按此答复。"
    assert "同意，按此答复。" in head.locator("#timeline").inner_text()
    assert head.locator("a.btn:has-text('审批并答复')").count() == 0
    assert head.locator("#clocks [data-clock-state=met]").count() >= 1  # 已完成的期限写按期，不再倒数
