"""找人找事（按姓名、身份证号、电话、号牌、事项编号、案件编号检索）、Excel 台账与打印：范围与审计。"""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from xinfang.audit.models import AuditEvent
from xinfang.petitions import search, selectors
from xinfang.petitions.actions.intake import PetitionerInput
from xinfang.petitions.models import Matter
from xinfang.petitions.testing import id_number, register

pytestmark = pytest.mark.django_db

ID_A = id_number("44010219900101123")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def matters(cast):
    """大队A一件（王小明、号牌粤A12345、案件 2026A00042、事由像公式），大队B一件（李四）。"""
    a = register(cast.clerk, department=cast.brigade_a,
                 content="本人驾驶小型汽车（车牌号粤A12345）被电子警察抓拍闯红灯，请求撤销。",
                 title="=HYPERLINK(\"http://example.invalid\",\"点我\")", case_numbers="2026A00042",
                 person=PetitionerInput(name="王小明", id_number=ID_A, phone="13912345678", address="示范市"))
    b = register(cast.clerk, department=cast.brigade_b, content="对扣车决定不服，车辆湘B·6K2M9至今未返还。",
                 person=PetitionerInput(name="李四", id_number=id_number("43010519851212123"), phone="13700001111"))
    return a, b


def found(user, q: str) -> list[str]:
    page = selectors.matter_page(user, selectors.MatterFilter(q=q), today=__import__("datetime").date.today(),
                                 page=1, size=30)
    return [m.number for m in page.rows]


@pytest.mark.parametrize("q", ["王小明", ID_A, ID_A.lower(), "13912345678", "139 1234 5678", "+86 139-1234-5678",
                               "粤A12345", "A12345", "粤A·12345", "2026A00042"])
def test_the_list_finds_a_matter_by_each_kind_of_search(cast, matters, q):
    a, _ = matters
    assert found(cast.clerk, q) == [a.number]


def test_a_plate_written_with_a_separator_is_found_with_or_without_the_province(cast, matters):
    _, b = matters
    assert found(cast.clerk, "湘B6K2M9") == [b.number]
    assert found(cast.clerk, "B6K2M9") == [b.number]


def test_the_matter_number_is_found_exactly(cast, matters):
    a, b = matters
    assert found(cast.clerk, b.number) == [b.number]
    assert found(cast.clerk, b.number.lower()) == [b.number]


def test_searches_stay_inside_the_visible_scope(cast, matters):
    a, b = matters
    assert found(cast.head_b, "王小明") == []  # 大队B看不到大队A的事项
    assert found(cast.head_b, ID_A) == []
    assert found(cast.head_b, "粤A12345") == []
    assert found(cast.head_b, "李四") == [b.number]
    assert found(cast.head_a, "13912345678") == [a.number]


def test_every_search_of_personal_data_is_audited_with_masked_values(cast, matters):
    a, _ = matters
    before = AuditEvent.objects.filter(action="personal_data.search").count()
    for q in ("王小明", ID_A, "13912345678", "粤A12345", "不存在的人名"):
        found(cast.head_b, q)  # 查不到也记
    rows = list(AuditEvent.objects.filter(action="personal_data.search").order_by("id"))[before:]
    assert [r.object_repr for r in rows] == ["王**", "4401**********" + ID_A[-4:], "139****5678", "A1***5"]
    text = " ".join(str(r.changes) + r.object_repr for r in rows)
    assert ID_A not in text and "13912345678" not in text and "王小明" not in text and "A12345" not in text
    assert rows[1].actor_id == cast.head_b.pk and rows[1].changes["matters"] == [None, []]


def test_a_topic_search_is_not_recorded_as_a_personal_search(cast, matters):
    before = AuditEvent.objects.filter(action="personal_data.search").count()
    found(cast.clerk, "电子警察")
    found(cast.clerk, "2026A00042")
    assert AuditEvent.objects.filter(action="personal_data.search").count() == before


def test_a_500_character_search_is_answered(cast, matters, login):
    client = login(cast.clerk)
    for q in ("扣" * 500, "A" * 500, "王小明 " * 80, "'\"%_;--" * 70):
        response = client.get("/petitions/", {"q": q[:500]})
        assert response.status_code == 200
    assert found(cast.clerk, ("电子警察 抓拍 " * 80)[:500]) == [matters[0].number]
    assert len(search.query_tokens("".join(chr(0x4e00 + i) for i in range(500)))) == search.MAX_QUERY_TOKENS


def test_classify_names_what_the_search_was(cast):
    assert search.classify("粤A12345").plate == "A12345"
    assert search.classify("0731-84561234").phone
    assert search.classify("XF202600000123").matter_number == "XF202600000123"
    assert search.classify("电子警察 抓拍").kind == "全文"
    assert search.plate_body("ABCDEF") == ""  # 没有数字的不是号牌


# -- Excel 台账 --------------------------------------------------------------------------------


def workbook(response):
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_the_export_is_the_filtered_list_scoped_to_the_viewer(cast, matters, login):
    a, b = matters
    sheet = workbook(login(cast.clerk).get("/petitions/", {"export": "xlsx"})).active
    numbers = [row[0].value for row in sheet.iter_rows(min_row=2) if row[0].value and row[0].value.startswith("XF")]
    assert sorted(numbers) == sorted([a.number, b.number])
    sheet = workbook(login(cast.head_b).get("/petitions/", {"export": "xlsx"})).active
    numbers = [row[0].value for row in sheet.iter_rows(min_row=2) if row[0].value and row[0].value.startswith("XF")]
    assert numbers == [b.number]
    sheet = workbook(login(cast.clerk).get("/petitions/", {"export": "xlsx", "q": "李四"})).active
    assert [row[0].value for row in sheet.iter_rows(min_row=2, max_row=2)] == [b.number]


def test_the_export_has_a_frozen_header_widths_dates_and_no_formulas(cast, matters, login):
    a, _ = matters
    sheet = workbook(login(cast.clerk).get("/petitions/", {"export": "xlsx", "q": "王小明"})).active
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]][:5] == ["事项编号", "收到日期", "渠道", "信访人", "事由"]
    assert sheet.column_dimensions["E"].width == 40
    row = sheet[2]
    assert row[0].value == a.number
    assert row[1].is_date and row[1].value.date() == Matter.objects.get(pk=a.pk).received_on
    assert row[3].value == "王小明"
    assert row[4].value.startswith("=HYPERLINK") and row[4].data_type == "s" and row[4].quotePrefix
    assert row[13].value == 1 and row[13].data_type == "n"
    assert row[17].value == "2026A00042"


def test_the_export_is_audited_with_masked_filters_and_refused_without_the_role(cast, matters, login):
    before = AuditEvent.objects.filter(action="matter.export").count()
    response = login(cast.head_a).get("/petitions/", {"export": "xlsx", "q": ID_A, "status": "registered"})
    workbook(response)
    event = AuditEvent.objects.filter(action="matter.export").latest("id")
    assert AuditEvent.objects.filter(action="matter.export").count() == before + 1
    assert event.actor_id == cast.head_a.pk
    assert event.changes["filters"][1] == {"q": "4401**********" + ID_A[-4:], "status": "registered"}
    refused = login(cast.handler_a).get("/petitions/", {"export": "xlsx"})
    assert refused.status_code == 403 and "导出事项台账" in refused.content.decode()


# -- 打印 ---------------------------------------------------------------------------------------


def test_the_print_view_of_a_matter_is_the_registration_form_with_its_timeline(cast, matters, login):
    a, b = matters
    client = login(cast.head_a)
    before = AuditEvent.objects.filter(action="personal_data.read").count()
    page = client.get(f"/petitions/matters/{a.pk}/print/").content.decode()
    assert "信访事项登记表" in page and a.number in page and "办理经过" in page and "登记" in page
    assert "打印时间" in page and "测试支队大队A" in page  # 责任单位所属机关的全称
    assert "139****5678" in page and "13912345678" not in page
    assert AuditEvent.objects.filter(action="personal_data.read").count() == before + 1
    assert client.get(f"/petitions/matters/{b.pk}/print/").status_code == 404  # 看不到的事项


def test_the_print_view_of_the_list_is_scoped_and_audited(cast, matters, login):
    a, b = matters
    page = login(cast.head_b).get("/petitions/", {"print": "1"}).content.decode()
    assert "信访事项清单" in page and b.number in page and a.number not in page and "打印时间" in page
    assert AuditEvent.objects.filter(action="matter.print", actor=cast.head_b).exists()
