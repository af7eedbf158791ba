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
    citizen.select_option("#id_involved_department", label="测试支队大队A")  # 机关全称
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
        citizen.click("#documents .doc-row:has-text('处理意见书') a:has-text('下载')")
    text = "\n".join(p.text for p in Docx(io.BytesIO(open(info.value.path(), "rb").read())).paragraphs)
    assert "支持" in text and "复查" in text
    for name in (cast.handler_a.name, cast.head_a.name):
        assert name not in citizen.content()
    citizen.click("#rating label:has-text('基本满意')")
    citizen.fill("#rating_reason", "处理及时")
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


@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1366, "height": 900}],
                         ids=["phone", "wide"])
def test_the_petitioner_reads_the_reply_on_the_page_without_downloading(cast, live_server, browser, viewport):
    from xinfang.petitions.actions import decisions, handling
    from xinfang.petitions.models import Opinion, Petition
    from xinfang.portal.testing import submit

    matter, code = submit(department=cast.brigade_a)
    Petition.objects.filter(matter=matter).update(consents_electronic_delivery=True)
    matter = decisions.accept_matter(matter, by=cast.clerk)
    matter = decisions.assign_matter(matter, by=cast.clerk, lead=cast.brigade_a, handler=cast.handler_a)
    matter = handling.start_handling(matter, by=cast.handler_a)
    matter = handling.draft_reply(matter, by=cast.handler_a, outcome="support",
                                  text="经核查，当日抓拍设备校准异常，撤销该次处罚。")
    handling.approve_reply(matter, by=cast.head_a, approval_note="同意")

    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=viewport,
                                  is_mobile=viewport["width"] < 500)
    citizen = context.new_page()
    citizen.set_default_timeout(15000)
    downloads = []
    citizen.on("download", lambda download: downloads.append(download))
    citizen.goto(f"{live_server.url}/portal/query/")
    citizen.fill("#id_number", matter.number)
    citizen.fill("#id_code", code)
    citizen.click("button[type=submit]:has-text('查询')")
    citizen.click("#documents .doc-row:has-text('处理意见书') a:has-text('在线阅读')")
    text = citizen.locator("#doc-read").inner_text()
    assert "校准异常" in text and "复查" in text  # 意见书全文，含请求复查的告知
    assert citizen.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert downloads == []
    # 同意电子送达的，在线阅读即送达；回到进度页，结论与全文就写在页面上。
    assert Opinion.objects.get(matter=matter).delivery_proof.startswith("门户在线阅读")
    citizen.click("text=返回办理进度")
    assert "校准异常" in citizen.locator("#opinions").inner_text()
    # 请求复查：空理由不行；写了理由还要确认一次。
    citizen.click("#review button[type=submit]")
    assert "请写明理由" in citizen.locator("#review_reason_error").inner_text()
    citizen.fill("#review_reason", "我要求当面说明设备校准情况。")
    citizen.click("#review button[type=submit]")
    assert "我要求当面说明设备校准情况" in citizen.locator("#confirm-reason").inner_text()
    assert Matter.objects.get(pk=matter.pk).status == Status.REPLIED
    citizen.click("#confirm-review")
    citizen.wait_for_selector("text=已收到您的复查请求")
    assert Matter.objects.get(pk=matter.pk).status == Status.REVIEWING
    assert downloads == []
    context.close()
