"""年度报告（第四十一条）：Word 与 Excel 打开来核对，办理质量与 `xinfang metrics` 一年的输出一致，
件数与独立的查询一致；建议及采纳、转送交办督办、新出现的问题都在；未结束的年份标暂定，未开始的拒绝；
每年第一个工作日按时生成。"""

import io
import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from docx import Document
from openpyxl import load_workbook

from xinfang.assessment import reports
from xinfang.assessment.models import Report, ReportKind, ReportStatus
from xinfang.petitions.actions import followup
from xinfang.petitions.models import Adoption, Matter, MatterEvent
from xinfang.warning.models import WarningKind
from xinfang.warning.services import raise_warning

from .fixture import build

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2027, 1, 11, 9, 0, tzinfo=TZ)  # 2026 年已结束：正式年报


@pytest.fixture
def year_2026(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(datetime(2026, 9, 30, 9, 0, tzinfo=TZ), tick=False):
        m = build(cast)
    # 第四十条的建议是事项上的记录（petitions.Recommendation），被建议单位的负责人登记书面反馈与采纳情况。
    on = Matter.objects.order_by("pk").first()
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=TZ), tick=False):
        a = followup.recommend(on, by=cast.supervisor, department=cast.brigade_a, kind="improve",
                               text="扣车告知书写明复议途径")
    with time_machine.travel(datetime(2026, 3, 20, 9, 0, tzinfo=TZ), tick=False):
        followup.record_feedback(a, by=cast.head_a, adoption=Adoption.ADOPTED, feedback="已采纳，告知书已改")
    with time_machine.travel(datetime(2026, 4, 1, 9, 0, tzinfo=TZ), tick=False):
        b = followup.recommend(on, by=cast.bureau, department=cast.brigade_b, kind="policy", text="事故快处延长受理时间")
    with time_machine.travel(datetime(2026, 5, 1, 9, 0, tzinfo=TZ), tick=False):
        followup.record_feedback(b, by=cast.head_b, adoption=Adoption.REJECTED, feedback="人手不足，明年再议")
    with time_machine.travel(datetime(2026, 6, 1, 9, 0, tzinfo=TZ), tick=False):
        followup.recommend(on, by=cast.supervisor, department=cast.squadron_a1, kind="improve", text="窗口增设叫号")
    with time_machine.travel(datetime(2026, 9, 30, 9, 0, tzinfo=TZ), tick=False):
        raise_warning(kind=WarningKind.HOT_ISSUE, key="annual-hot-1", title="人民路违停抓拍集中投诉",
                      detail="说明", department=cast.brigade_a)
    with time_machine.travel(NOW, tick=False):
        report = reports.generate(reports.request_annual_report(year=2026, by=cast.bureau))
        out = io.StringIO()
        call_command("metrics", "--from", "2026-01-01", "--to", "2026-12-31", stdout=out)
        yield m, report, json.loads(out.getvalue())


def _table(doc, first_header):
    return next(t for t in doc.tables if t.rows[0].cells[0].text == first_header)


def _rows(table):
    return [[c.text for c in r.cells] for r in table.rows[1:]]


def test_word_annual_report_has_the_contents_of_article_41_and_matches_xinfang_metrics(year_2026):
    m, report, metrics = year_2026
    assert report.status == ReportStatus.DONE and report.kind == ReportKind.ANNUAL and not report.provisional
    doc = Document(report.docx.path)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert doc.paragraphs[0].text == "2026年度信访工作情况报告"
    for heading in ("一、信访事项数据统计", "二、信访事项涉及领域", "三、被投诉较多的机关或者单位",
                    "四、转送、交办、督办情况", "五、改进工作、完善政策和追究责任建议及采纳情况", "六、新出现的问题"):
        assert heading in text
    received = Matter.objects.filter(received_on__year=2026).count()  # 独立的查询
    assert received > 0 and f"2026年共收到信访事项 {received} 件" in text
    # 办理质量：每个指标的分子、分母、数值与 xinfang metrics 的合计一致
    quality = {r[0]: r[1:] for r in _rows(_table(doc, "指标"))}
    labels = {x["key"]: x["label"] for x in metrics["metrics"]}
    assert len(quality) == len(labels)
    for key, fig in metrics["total"].items():
        want = [str(fig["numerator"]), "" if fig["denominator"] is None else str(fig["denominator"]),
                "—" if fig["value"] is None else str(fig["value"])]
        assert quality[labels[key]] == want, key
    # 转送、交办：按办理记录独立数；督办单办结数即指标"督办事项办结数"
    routing = dict(_rows(_table(doc, "处理决定")))
    for action, label in (("transfer", "转送"), ("assign", "交办"), ("decline", "不予受理")):
        assert routing[label] == str(MatterEvent.objects.filter(action=action, at__year=2026).count())
    assert routing["转送"] == "1"  # n4
    supervision = dict(_rows(_table(doc, "督办")))
    assert supervision["期间内办结的督办单"] == str(metrics["total"]["supervision_closed_count"]["numerator"])
    # 建议及采纳
    recs = {r[0]: r[1:] for r in _rows(_table(doc, "种类"))}
    assert recs["改进工作的建议"] == ["2", "1", "0", "1", "100%"]
    assert recs["完善政策的建议"] == ["1", "0", "1", "0", "0%"]
    assert "事故快处延长受理时间（未采纳；人手不足，明年再议）" in text
    # 新出现的问题：预警模块的热点预警
    assert "人民路违停抓拍集中投诉" in text
    # 被投诉较多的单位：大队A 收到最多
    units = _rows(_table(doc, "单位"))
    assert units[0][0] == "大队A" and units[-1][0] == "合计" and units[-1][1] == str(received)
    assert len(doc.inline_shapes) == 2  # 各月件数与领域两张图


def test_excel_annual_workbook_carries_every_indicator_as_xinfang_metrics_prints_it(year_2026):
    _, report, metrics = year_2026
    wb = load_workbook(report.xlsx.path)
    assert {"数据统计", "涉及领域", "被投诉较多的单位", "转送交办督办", "建议及采纳", "新出现的问题", "全部指标"} <= set(
        wb.sheetnames)
    by = {(r[0], r[2]): (r[4], r[5], r[6]) for r in wb["全部指标"].iter_rows(min_row=2, values_only=True)}
    for unit in [*metrics["units"], {"unit": "total", "metrics": metrics["total"]}]:
        for key, fig in unit["metrics"].items():
            assert by[(unit["unit"], key)] == (fig["numerator"], fig["denominator"], fig["value"])
    monthly = {r[0]: r[1] for r in wb["数据统计"].iter_rows(values_only=True) if r and str(r[0]).endswith("月")
               and len(r) > 1 and isinstance(r[1], int)}
    assert monthly["2月"] == Matter.objects.filter(received_on__year=2026, received_on__month=2).count()


def test_a_year_still_running_is_provisional_and_a_year_not_begun_is_refused(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(datetime(2026, 9, 30, 9, 0, tzinfo=TZ), tick=False):
        report = reports.generate(reports.request_annual_report(year=2026))
        assert report.provisional and Document(report.docx.path).paragraphs[0].text.endswith("（暂定）")
        with pytest.raises(ValidationError) as error:
            reports.request_annual_report(year=2027)
        assert "2027年尚未开始" in str(error.value)
        assert Report.objects.count() == 1


def test_annual_report_is_scheduled_for_the_first_working_day_of_the_year(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    # 2027 年元旦放假 1 月 1 日（周五）：第一个工作日是 1 月 4 日（周一）
    assert reports.first_workday(2027, 1) == date(2027, 1, 4)
    with time_machine.travel(datetime(2027, 1, 1, 9, 0, tzinfo=TZ), tick=False):
        assert reports.scheduled_annual_report() is None
    with time_machine.travel(datetime(2027, 1, 4, 9, 0, tzinfo=TZ), tick=False):
        report = reports.scheduled_annual_report()
        assert report.kind == ReportKind.ANNUAL and report.period_start == date(2026, 1, 1)
        assert report.status == ReportStatus.DONE and not report.provisional
        assert reports.scheduled_annual_report() is None  # 已有正式年报，不重复
    assert Report.objects.filter(kind=ReportKind.ANNUAL).count() == 1


def test_annual_report_requested_on_the_page_builds_in_the_background_with_progress(cast, login, settings,
                                                                                   tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(NOW, tick=False):
        client = login(cast.bureau)  # 在冻结的时刻登录：会话按那时起算
        response = client.post("/assessment/reports/new/", {"kind": "annual", "year": "2026"})
        report = Report.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/assessment/reports/{report.pk}/"
        assert 'hx-trigger="every 2s"' in client.get(response["Location"]).content.decode()  # 排队中：页面轮询进度
        assert reports.build_pending() == 1
        page = client.get(response["Location"]).content.decode()
        assert "100%" in page and "2026年度信访工作报告" in page
        assert client.get(f"/assessment/reports/{report.pk}/docx/").status_code == 200
        bad = client.post("/assessment/reports/new/", {"kind": "annual", "year": "明年"}, follow=True)
        assert "年份：格式应为 YYYY" in bad.content.decode() and Report.objects.count() == 1
