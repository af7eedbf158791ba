"""月报：Word 与 Excel 打开来核对，数字与 `xinfang metrics` 一致；未结束的月份标暂定；未开始的月份拒绝。"""

import io
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from docx import Document
from openpyxl import load_workbook

from xinfang.assessment import reports
from xinfang.assessment.models import Report, ReportStatus

from .fixture import build

NOW = datetime(2026, 9, 30, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def february(cast, frozen, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    build(cast)
    report = reports.generate(reports.request_monthly_report(year=2026, month=2, by=cast.bureau))
    out = io.StringIO()
    call_command("metrics", "--from", "2026-02-01", "--to", "2026-02-28", stdout=out)
    return report, json.loads(out.getvalue())


def test_word_report_numbers_match_xinfang_metrics(february):
    report, metrics = february
    assert report.status == ReportStatus.DONE and not report.provisional
    doc = Document(report.docx.path)
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "2026年2月信访形势分析" in text and "暂定" not in doc.paragraphs[0].text
    assert "本月共收到信访事项 7 件" in text
    quality = next(t for t in doc.tables if t.rows[0].cells[0].text == "单位")
    header = [c.text for c in quality.rows[0].cells]
    overall = {h: c.text for h, c in zip(header, quality.rows[1].cells)}
    assert overall["单位"] == "全局"
    # 6/11，见 test_registry_fixture
    assert overall["按期办结率"] == f"{metrics['total']['handling_on_time']['value']:g}%" == "54.55%"
    assert overall["按期受理告知率"] == f"{metrics['total']['acceptance_notice_on_time']['value']:g}%"
    assert len(doc.inline_shapes) == 2  # 趋势图与领域图，服务器端画好嵌入


def test_excel_workbook_carries_every_indicator_as_xinfang_metrics_prints_it(february):
    report, metrics = february
    wb = load_workbook(report.xlsx.path)
    rows = list(wb["全部指标"].iter_rows(min_row=2, values_only=True))
    by = {(r[0], r[2]): (r[4], r[5], r[6]) for r in rows}
    for unit in metrics["units"]:
        for key, fig in unit["metrics"].items():
            assert by[(unit["unit"], key)] == (fig["numerator"], fig["denominator"], fig["value"])
    assert by[("total", "handling_on_time")] == (6, 11, 54.55)
    basic = [r for r in wb["基本情况"].iter_rows(values_only=True) if r and r[0] == "合计"]
    assert basic[0][1] == 7  # 按渠道合计：本月 7 件


def test_a_month_still_running_is_marked_provisional(cast, frozen, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = reports.generate(reports.request_monthly_report(year=2026, month=9))
    assert report.provisional and "（暂定）" in Document(report.docx.path).paragraphs[0].text


def test_a_month_not_yet_begun_is_refused_and_nothing_is_written(cast, frozen):
    with pytest.raises(ValidationError) as error:
        reports.request_monthly_report(year=2026, month=10)
    assert "2026年10月尚未开始" in str(error.value) and Report.objects.count() == 0


def test_scheduled_report_runs_on_the_first_working_day_only(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(datetime(2026, 10, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        # 2026 年国庆假期 10 月 1 日至 7 日：10 月 8 日才是第一个工作日
        assert reports.first_workday(2026, 10).isoformat() == "2026-10-08"
        assert reports.scheduled_monthly_report() is None
    with time_machine.travel(datetime(2026, 10, 8, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        report = reports.scheduled_monthly_report()
        assert report.period_start.isoformat() == "2026-09-01" and not report.provisional
        assert reports.scheduled_monthly_report() is None  # 已有正式月报，不重复


def test_report_pages_show_progress_and_download(cast, login, february):
    report, _ = february
    client = login(cast.bureau)
    assert "100%" in client.get(f"/assessment/reports/{report.pk}/").content.decode()
    response = client.get(f"/assessment/reports/{report.pk}/docx/")
    assert response.status_code == 200 and b"".join(response.streaming_content)[:2] == b"PK"
