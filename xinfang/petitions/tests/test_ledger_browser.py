"""真实浏览器（1366 与 390 像素宽）：按姓名、身份证号、电话、号牌（带或不带省份简称）检索；导出 Excel 台账后用
openpyxl 打开核对值、类型与像公式的文字；打开事项的打印登记表并按 A4 打印成 PDF。"""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from xinfang.org.testing import PASSWORD
from xinfang.petitions.actions.intake import PetitionerInput
from xinfang.petitions.testing import id_number, register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [pytest.param(1366, id="1366px"), pytest.param(390, id="390px")]
ID_A = id_number("44010219900101123")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def matters(cast):
    a = register(cast.clerk, department=cast.brigade_a,
                 content="本人驾驶小型汽车（车牌号粤A12345）被电子警察抓拍闯红灯，请求撤销。",
                 title="=1+2 对抓拍有异议", case_numbers="2026A00042",
                 person=PetitionerInput(name="王小明", id_number=ID_A, phone="13912345678", address="示范市"))
    b = register(cast.clerk, department=cast.brigade_b, content="对扣车决定不服。",
                 person=PetitionerInput(name="李四", id_number=id_number("43010519851212123"), phone="13700001111"))
    return a, b


def signed_in(browser, base, username, width):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", accept_downloads=True,
                                  viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


@pytest.mark.parametrize("width", WIDTHS)
def test_the_list_finds_a_person_by_name_id_phone_and_plate(cast, matters, live_server, browser, width):
    a, b = matters
    page = signed_in(browser, live_server.url, "clerk", width)
    page.goto(f"{live_server.url}/petitions/")
    for q, kind in (("王小明", "姓名"), (ID_A, "身份证号"), ("139 1234 5678", "电话"), ("粤A12345", "号牌"),
                    ("A12345", "号牌")):
        page.fill("#id_q", q)
        page.click("button[type=submit]:has-text('查询')")
        page.wait_for_selector("#searched-as")
        assert page.locator("#searched-as").inner_text().startswith(f"按{kind}检索"), q
        numbers = page.locator("table tbody td:first-child a").all_inner_texts()
        assert numbers == [a.number], (q, numbers)
    page.context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_excel_export_opens_with_its_values_types_and_text(cast, matters, live_server, browser, width):
    a, b = matters
    page = signed_in(browser, live_server.url, "clerk", width)
    page.goto(f"{live_server.url}/petitions/?status=registered")
    assert re.search(r"status=registered&export=xlsx$", page.locator("#export-xlsx").get_attribute("href"))
    with page.expect_download() as info:
        page.click("#export-xlsx")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(open(download.path(), "rb").read())).active
    assert sheet.freeze_panes == "A2"
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2) if str(row[0].value).startswith("XF")}
    assert set(rows) == {a.number, b.number}
    row = rows[a.number]
    assert row[1].is_date and row[3].value == "王小明" and row[9].value == "已登记"
    assert row[4].value == "=1+2 对抓拍有异议" and row[4].data_type == "s"  # 不是公式
    assert row[13].value == 1 and row[17].value == "2026A00042"
    page.context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_print_view_of_a_matter_prints_on_a4(cast, matters, live_server, browser, width):
    a, _ = matters
    page = signed_in(browser, live_server.url, "head_a", width)
    page.goto(f"{live_server.url}/petitions/matters/{a.pk}/")
    with page.context.expect_page() as opened:
        page.click("#print-matter")
    sheet = opened.value
    sheet.wait_for_selector("#sheet")
    assert sheet.locator("h1").inner_text() == "信访事项登记表"
    assert sheet.locator("#organ").inner_text() == "测试支队大队A"
    assert "打印时间" in sheet.locator("#printed-at").inner_text()
    assert sheet.locator("#timeline tbody tr").count() >= 1 and "登记" in sheet.locator("#timeline").inner_text()
    assert "139****5678" in sheet.content() and "13912345678" not in sheet.content()
    sheet.emulate_media(media="print")
    assert sheet.locator(".toolbar").is_hidden()  # 打印时不印按钮
    assert sheet.pdf(format="A4", prefer_css_page_size=True)[:4] == b"%PDF"
    page.context.close()
