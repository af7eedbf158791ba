"""主要页面在宽屏（1366）与手机（390）上的截图，并核对手机上没有横向滚动。

截图先写到临时目录；设了 XINFANG_SCREENSHOTS_DIR 时另存一份（docs/screenshots/ 就是这样生成的）：
    XINFANG_SCREENSHOTS_DIR=docs/screenshots .venv/bin/python -m pytest xinfang/petitions/tests/test_browser_screens.py
"""

import os
import shutil
from datetime import timedelta

import pytest

from xinfang.core import clock
from xinfang.org.demo import DEMO_PASSWORD, seed_demo
from xinfang.org.models import Department, Staff
from xinfang.petitions.actions import decisions, handling
from xinfang.petitions.actions.intake import PetitionerInput
from xinfang.petitions.models import Petition
from xinfang.petitions.testing import id_number, register
from xinfang.portal.actions import visits
from xinfang.portal.models import ReturnVisit
from xinfang.portal.testing import submit
from xinfang.supervision import orders
from xinfang.supervision.models import OrderLevel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"1366": {"width": 1366, "height": 900}, "390": {"width": 390, "height": 844}}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _world():
    seed_demo()
    staff = {s.username: s for s in Staff.objects.all()}
    unit = {f"{d.parent.name}/{d.name}" if d.depth > 1 else d.name: d for d in Department.objects.select_related("parent")}
    people = [PetitionerInput(name=name, id_number=id_number(f"44010519800101{i}12"), phone=f"1380013800{i}")
              for i, name in enumerate(("赵六", "钱七", "孙八", "周九"))]
    squad = unit["一大队/一中队"]

    in_progress = register(staff["clerk"], department=squad, person=people[0],
                           content="事故认定书送达后三个月，对方保险仍未赔付，请求督促。")
    in_progress = decisions.accept_matter(in_progress, by=staff["clerk"])
    in_progress = decisions.assign_matter(in_progress, by=staff["clerk"], lead=squad, handler=staff["handler"])
    in_progress = handling.start_handling(in_progress, by=staff["handler"])
    orders.issue_order(by=staff["supervisor"], matter=in_progress, level=OrderLevel.GENERAL, lead=squad,
                       requirement="十日内书面反馈赔付进展。", due_on=clock.today() + timedelta(days=10))

    drafted = register(staff["clerk"], department=squad, person=people[1],
                       content="电子警察抓拍的闯红灯违法有异议：当时绿灯，请求撤销处罚。", requests="撤销处罚")
    drafted = decisions.accept_matter(drafted, by=staff["clerk"])
    drafted = decisions.assign_matter(drafted, by=staff["clerk"], lead=squad, handler=staff["handler"])
    drafted = handling.start_handling(drafted, by=staff["handler"])
    drafted = handling.draft_reply(drafted, by=staff["handler"], outcome="explain",
                                   text="经调取路口视频核查，您的车辆越过停止线时信号灯为红灯，违法事实清楚。"
                                        "现向您解释说明：如对处罚不服，可依法申请行政复议或提起行政诉讼。")

    register(staff["clerk"], department=unit["二大队/一中队"], person=people[2],
             content="车辆被扣押后一直未通知领取，请求返还。")

    portal_matter, code = submit(department=unit["一大队"], name="吴十", content="摩托车被扣押两个月，手续齐全仍未返还。")
    Petition.objects.filter(matter=portal_matter).update(consents_electronic_delivery=True)
    portal_matter = decisions.accept_matter(portal_matter, by=staff["clerk"])
    portal_matter = decisions.assign_matter(portal_matter, by=staff["clerk"], lead=squad, handler=staff["handler"])
    portal_matter = handling.start_handling(portal_matter, by=staff["handler"])
    portal_matter = handling.draft_reply(portal_matter, by=staff["handler"], outcome="support",
                                         text="经核查，您的车辆手续齐全，已通知停车场于三日内返还，支持您的请求。")
    portal_matter = handling.approve_reply(portal_matter, by=staff["head"], approval_note="同意。",
                                           delivered_on=clock.today())
    visits.sync_for_matter(portal_matter)
    # 回访期限已过仍未回访：事项页与回访清单上标红。
    ReturnVisit.objects.filter(matter=portal_matter).update(replied_on=clock.today() - timedelta(days=9),
                                                            due_on=clock.today() - timedelta(days=2))
    return {"in_progress": in_progress, "drafted": drafted, "portal": (portal_matter, code)}


def _login(browser, base, username, viewport):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(20000)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def test_screenshots_of_the_main_pages_at_both_widths(live_server, browser, tmp_path):
    world = _world()
    base = live_server.url
    out = tmp_path / "shots"
    out.mkdir()
    matter, drafted = world["in_progress"], world["drafted"]
    portal_matter, code = world["portal"]
    too_wide = []
    for width, viewport in WIDTHS.items():
        def shot(page, name):
            page.wait_for_load_state("networkidle")
            if page.evaluate("document.documentElement.scrollWidth") > viewport["width"]:
                too_wide.append(f"{name}-{width}")
            page.screenshot(path=out / f"{name}-{width}.png", full_page=True)

        handler = _login(browser, base, "handler", viewport)
        handler.goto(f"{base}/petitions/workbench/")
        shot(handler, "workbench")

        clerk = _login(browser, base, "clerk", viewport)
        clerk.goto(f"{base}/petitions/")
        shot(clerk, "list")
        clerk.goto(f"{base}/petitions/intake/")
        clerk.fill("#id_p-0-id_number", "44010119900101")
        clerk.fill("#id_p-0-phone", "12345")
        clerk.click("button[type=submit]:has-text('登记')")
        clerk.wait_for_selector("[data-field-errors]")
        shot(clerk, "intake-errors")

        head = _login(browser, base, "head", viewport)
        head.goto(f"{base}/petitions/matters/{portal_matter.pk}/")
        assert head.locator("[data-overdue-visit]").count() == 1
        shot(head, "matter")
        head.goto(f"{base}/petitions/matters/{drafted.pk}/approve_reply/")
        assert "路口视频" in head.locator("#draft-text").inner_text()
        shot(head, "approval")
        head.goto(f"{base}/petitions/matters/{matter.pk}/")
        assert head.locator("#orders").inner_text().count("一大队 / 一中队")

        bureau = _login(browser, base, "bureau", viewport)
        shot(bureau, "leader")
        assert bureau.locator("#overview a[href='/assessment/']").count() == 1
        assert bureau.locator("#overview a[href='/warning/']").count() == 1

        citizen = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=viewport,
                                      is_mobile=viewport["width"] < 500).new_page()
        citizen.goto(f"{base}/portal/query/")
        citizen.fill("#id_number", portal_matter.number)
        citizen.fill("#id_code", code)
        citizen.click("button[type=submit]:has-text('查询')")
        citizen.wait_for_selector("#opinions")
        shot(citizen, "portal-progress")
        for page in (handler, clerk, head, bureau, citizen):
            page.context.close()
    if target := os.environ.get("XINFANG_SCREENSHOTS_DIR"):
        os.makedirs(target, exist_ok=True)
        for png in out.glob("*.png"):
            shutil.copy(png, target)
    assert too_wide == [], f"这些页面在该宽度上出现横向滚动：{too_wide}"
