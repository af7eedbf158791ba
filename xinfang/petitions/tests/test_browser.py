"""真实浏览器：登记一件信访 → 受理 → 交办 → 答复 → 办结，下载受理告知书与处理意见书。"""

import io

import pytest
from docx import Document as Docx

from xinfang.org.testing import PASSWORD
from xinfang.petitions.models import Matter, Status
from xinfang.petitions.testing import id_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def as_user(browser, base, username):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def act(page, label, fill=None):
    page.click(f"a.btn:has-text('{label}')")
    for selector, value in (fill or {}).items():
        if value is True:
            page.check(selector)
        elif selector.startswith("select"):
            page.select_option(selector.split("|")[1], label=value)
        else:
            page.fill(selector, value)
    page.click("button[type=submit]:has-text('确认')")
    page.wait_for_selector(".alert-success")


def download_text(page, link_text) -> str:
    with page.expect_download() as info:
        page.click(f"#documents a:has-text('{link_text}')")
    data = open(info.value.path(), "rb").read()
    return "\n".join(p.text for p in Docx(io.BytesIO(data)).paragraphs)


def test_a_petition_goes_from_intake_to_closure_in_the_browser(cast, live_server, browser):
    base = live_server.url
    clerk = as_user(browser, base, "clerk")
    clerk.click("text=登记信访")
    clerk.fill("#id_p-0-name", "赵六")
    clerk.fill("#id_p-0-id_number", id_number())
    clerk.fill("#id_p-0-phone", "13800138000")
    clerk.select_option("#id_channel", label="来访")
    clerk.fill("#id_content", "我的车被扣押三个月未处理，请求尽快返还。")
    clerk.fill("#id_requests", "返还车辆")
    clerk.select_option("#id_involved_department", label="大队A")
    clerk.keyboard.press("Alt+S")
    clerk.wait_for_selector("text=已登记")
    matter = Matter.objects.get()
    assert clerk.locator("#status").inner_text() == "已登记"

    act(clerk, "受理")
    assert "受理" in download_text(clerk, "受理告知书")
    act(clerk, "交办", {"select|#id_lead": "大队A", "select|#id_handler": "承办人A（大队A）"})

    handler = as_user(browser, base, "handler_a")
    handler.goto(f"{base}/petitions/matters/{matter.pk}/")
    act(handler, "开始办理")
    handler.fill("#note", "已联系停车场核实。")
    handler.click("button:has-text('记录')")
    act(handler, "起草答复", {"#id_text": "经核查，车辆已具备返还条件，支持您的请求。", "#id_outcome_0": True})

    head = as_user(browser, base, "head_a")
    head.goto(f"{base}/petitions/matters/{matter.pk}/")
    act(head, "审批并答复", {"#id_note": "同意。"})
    reply = download_text(head, "处理意见书")
    assert "支持" in reply and "复查" in reply

    clerk.goto(f"{base}/petitions/matters/{matter.pk}/")
    act(clerk, "办结")
    assert clerk.locator("#status").inner_text() == "已办结"
    assert Matter.objects.get().status == Status.CLOSED
    assert "已联系停车场核实" in clerk.locator("#timeline").inner_text()
