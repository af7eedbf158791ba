"""真实浏览器：民警走完自己的排查清单，单位负责人审核签字。"""

from datetime import date, datetime

import pytest
from django.utils import timezone

from xinfang.core.tests.test_browser import log_in
from xinfang.screening import monthly
from xinfang.screening.models import EnforcementCase, ScreeningRound
from xinfang.screening.testing import give_codes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_officer_walks_the_list_and_the_head_signs_off(cast, live_server, page):
    give_codes(cast)
    cast.handler_a.police_number = "A001"
    cast.handler_a.save()
    decided = timezone.make_aware(datetime(2026, 11, 10, 9))
    for no, score, reasons in (("K-HIGH", 0.9, ["死亡事故且赔偿未到位"]), ("K-LOW", 0.1, [])):
        EnforcementCase.objects.create(case_no=no, case_type="accident", department=cast.brigade_a, officer_no="A001",
                                       opened_at=decided, decided_at=decided, closed_at=decided, risk_score=score,
                                       risk_reasons=reasons)
    monthly.open_due_rounds(today=date(2026, 12, 1))

    log_in(page, live_server.url, "handler_a")
    page.goto(f"{live_server.url}/screening/")
    rows = page.locator("tbody tr")
    assert rows.first.get_attribute("data-case") == "K-HIGH"
    assert "死亡事故且赔偿未到位" in rows.first.inner_text()
    high = page.locator("tr[data-case=K-HIGH]")
    high.locator("select[name=verdict]").select_option("hazard")
    high.locator("input[name=hazard]").fill("家属对赔偿不满")
    high.locator("select[name=measure]").select_option(label="协调赔偿")
    high.locator("button[value=mark]").click()
    page.wait_for_selector("text=案件 K-HIGH 已排查")
    low = page.locator("tr[data-case=K-LOW]")
    low.locator("select[name=verdict]").select_option("none")
    low.locator("button[value=mark]").click()
    page.wait_for_selector("text=还有 0 件未排查")

    page.context.clear_cookies()
    log_in(page, live_server.url, "head_a")
    round_ = ScreeningRound.objects.get(department=cast.brigade_a)
    page.goto(f"{live_server.url}/screening/rounds/{round_.pk}/")
    assert "家属对赔偿不满" in page.inner_text("body")
    page.fill("#opinion", "已核对，赔偿由大队协调")
    page.click("text=审核签字")
    page.wait_for_selector("text=已审核签字")
    round_.refresh_from_db()
    assert round_.signed_by == cast.head_a and round_.items_marked == 2
