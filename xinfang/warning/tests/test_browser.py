"""真实浏览器（时间冻结在全国两会期间）：大队A值班人报零报告被拒（点名窗口内的信访件）后如实报送，
大队B零报告；局领导看到各单位报送情况，生成日报汇总并下载 Word，数字与报送一致。"""

from datetime import date

import pytest
import time_machine
from docx import Document

from xinfang.core.tests.test_browser import log_in
from xinfang.petitions.testing import register

from .test_periods import at, two_sessions

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_units_daily_report_and_the_bureaus_consolidated_report(cast, live_server, page, tmp_path):
    period = two_sessions(cast)
    with time_machine.travel(at(3, 15), tick=False):
        matter = register(cast.clerk_a, department=cast.brigade_a, content="对扣车决定不服。")
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    base = live_server.url
    with time_machine.travel(at(4, 9), tick=True):
        log_in(page, base, "clerk_a")
        page.click("nav >> text=敏感时期")
        page.click("text=全国两会")
        page.click("#to-daily")
        assert "03月03日 12:00 至 03月04日 12:00" in page.inner_text("#window")
        assert matter.number in page.inner_text("#window-petitions")
        page.check("#kind-zero")
        page.check("#signed")
        page.click("#submit-daily")
        alert = page.locator(".alert-danger").inner_text()
        assert "不能报零报告" in alert and matter.number in alert
        page.check("#kind-report")
        page.fill("#content", "收到对扣车决定不服的来访一件，已交办承办人。")
        page.check("#signed")
        page.click("#submit-daily")
        page.wait_for_selector("text=03月04日日报已报送")
        assert "大队A登记员" in page.inner_text("#submitted")

        page.context.clear_cookies()
        log_in(page, base, "handler_b")
        page.goto(f"{base}/warning/periods/{period.pk}/daily/")
        page.check("#kind-zero")
        page.check("#signed")
        page.click("#submit-daily")
        page.wait_for_selector("text=03月04日日报已报送")
        assert "零报告" in page.inner_text("#submitted")

        page.context.clear_cookies()
        log_in(page, base, "bureau")
        page.goto(f"{base}/warning/periods/{period.pk}/")
        rows = {r.locator("td").first.inner_text(): r.locator("td").nth(1).inner_text()
                for r in page.locator("#units tbody tr").all()}
        assert rows == {"测试支队": "未报", "大队A": "已报", "大队B": "零报告"}
        page.click("#consolidate")
        page.wait_for_selector("text=已生成 03月04日 日报汇总")
        with page.expect_download() as download:
            page.locator("#consolidated a").first.click()
        path = tmp_path / "daily.docx"
        download.value.save_as(path)
    doc = Document(path)
    table = {r.cells[0].text: [c.text for c in r.cells[1:]] for r in doc.tables[0].rows[1:]}
    assert table["大队A"][0] == "已报" and table["大队A"][3] == "1"
    assert table["大队B"][0] == "零报告" and table["测试支队"][0] == "未报"
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "全国两会信访日报汇总（2026年03月04日）" in text
    assert "应报单位 3 个，按时报送 2 个，迟报 0 个，未报 1 个（其中零报告 1 个）。收到信访 1 件" in text
    assert "收到对扣车决定不服的来访一件" in text
    assert period.consolidated.get().day == date(2026, 3, 4)
    assert errors == []
