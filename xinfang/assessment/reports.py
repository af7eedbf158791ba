"""信访形势分析月报（Word）与同样的表格（Excel）：基本情况（按渠道、单位、领域，环比、同比）、主要特点、
新出现的问题与热点、办理质量（与 `xinfang metrics` 同一口径）、下一步工作。月份未结束时标"暂定"。"""

from __future__ import annotations

import io
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from xinfang.audit.services import record
from xinfang.core import clock
from xinfang.core.calendar import current_calendar
from xinfang.org.models import Department
from xinfang.petitions.models import Category, Channel

from . import contract
from .bulletin import month_bounds, monthly_bulletin, peer_units
from .facts import received_counts
from .models import Report, ReportKind, ReportStatus
from .registry import METRICS

log = logging.getLogger("xinfang.assessment")
QUALITY = ("acceptance_notice_on_time", "handling_on_time", "first_time_resolution", "repeat_rate",
           "review_overturn_rate", "return_visit_rate", "satisfaction_rate", "supervision_feedback_on_time")


def _prev_month(day: date) -> tuple[int, int]:
    d = day.replace(day=1) - timedelta(days=1)
    return d.year, d.month


def change(now: int, before: int) -> str:
    if before == 0:
        return "—" if now == 0 else "新增"
    return f"{100 * (now - before) / before:+.1f}%"


@dataclass
class Section:
    title: str
    header: list[str]
    rows: list[list]


def _breakdown(year: int, month: int) -> dict[str, list[list]]:
    """按渠道、单位（根部门的直接下级，含其下级）、领域（顶级类别）：本月、上月、去年同月、环比、同比。"""
    periods = [month_bounds(year, month), month_bounds(*_prev_month(date(year, month, 1))),
               month_bounds(year - 1, month)]
    counts = [received_counts(*p) for p in periods]
    peers = peer_units()
    owner = {}
    for peer in peers:
        for pk in Department.objects.filter(path__startswith=peer.path).values_list("pk", flat=True):
            owner[pk] = peer.name
    top = {}
    for c in Category.objects.select_related("parent"):
        top[c.pk] = c.parent.name if c.parent_id else c.name
    keyers = {
        "channel": lambda dept, cat, ch: Channel(ch).label if ch in Channel.values else "未记录",
        "unit": lambda dept, cat, ch: owner.get(dept, "其他"),
        "field": lambda dept, cat, ch: top.get(cat, "未分类"),
    }
    out = {}
    for name, key in keyers.items():
        tallies = [Counter() for _ in periods]
        for tally, rows in zip(tallies, counts):
            for dept, cat, ch, n in rows:
                tally[key(dept, cat, ch)] += n
        labels = sorted(set().union(*tallies), key=lambda k: -tallies[0][k])
        rows = [[k, tallies[0][k], tallies[1][k], tallies[2][k], change(tallies[0][k], tallies[1][k]),
                 change(tallies[0][k], tallies[2][k])] for k in labels]
        totals = [sum(t.values()) for t in tallies]
        rows.append(["合计", *totals, change(totals[0], totals[1]), change(totals[0], totals[2])])
        out[name] = rows
    return out


def build_content(year: int, month: int, *, as_of: date | None = None) -> dict:
    as_of = as_of or clock.today()
    start, end = month_bounds(year, month)
    if start > as_of:
        raise ValidationError({"month": f"{year}年{month}月尚未开始，不能生成月报"})
    provisional = end >= as_of
    basic = _breakdown(year, month)
    from .compute import compute_period

    figures = compute_period(start, end, as_of=as_of)  # 质量表与通报用同一份
    payload = contract.build(start, end, as_of=as_of, figures=figures)
    peers = {str(d.pk) for d in peer_units()}
    labels = {m.key: m.label for m in METRICS}
    quality_rows = [["全局", *[payload["total"][k]["value"] for k in QUALITY]]]
    quality_rows += [[u["unit_name"], *[u["metrics"][k]["value"] for k in QUALITY]]
                     for u in payload["units"] if u["unit"] in peers]
    fields = basic["field"][:-1]
    growing = sorted((r for r in fields if r[2] and r[1] > r[2]), key=lambda r: (r[2] - r[1]))
    emerging = [r for r in fields if r[1] and not r[2] and not r[3]]
    total = basic["channel"][-1]
    features = [f"本月共收到信访事项 {total[1]} 件，环比 {total[4]}，同比 {total[5]}。"]
    if fields:
        features.append(f"反映最多的领域是“{fields[0][0]}”（{fields[0][1]} 件，占 "
                        f"{100 * fields[0][1] / max(total[1], 1):.1f}%）。")
    if basic["channel"][:-1]:
        features.append(f"主要渠道为{basic['channel'][0][0]}（{basic['channel'][0][1]} 件）。")
    hot = [f"“{r[0]}”增加 {r[1] - r[2]} 件（环比 {r[4]}）" for r in growing[:3]]
    new = [f"“{r[0]}”本月出现 {r[1]} 件，上月与去年同月均无" for r in emerging[:3]]
    bulletin = monthly_bulletin(year, month, as_of=as_of, figures=figures)
    steps = []
    for s, reasons in bulletin.lowest:
        steps.append(f"督促{s.name}改进{'、'.join(r.label for r in reasons)}。")
    t = payload["total"]
    if t["handling_on_time"]["value"] is not None and t["handling_on_time"]["value"] < 100:
        steps.append(f"对超期未办结的 {t['handling_on_time']['denominator'] - t['handling_on_time']['numerator']} "
                     "件逐件督办，限期答复。")
    steps.append("坚持初信初访首办负责，把矛盾化解在基层；落实“一把手”第一责任人与一级抓一级的责任制。")
    return {
        "year": year, "month": month, "start": start, "end": end, "provisional": provisional, "as_of": as_of,
        "basic": basic, "features": features, "hot": hot or ["本月没有明显增多的领域。"],
        "emerging": new or ["本月没有新出现的领域。"],
        "quality_header": ["单位", *[labels[k] for k in QUALITY]], "quality": quality_rows,
        "bulletin": bulletin.paragraphs()[1:], "steps": steps, "metrics": payload,
        "trend": _trend(year, month),
    }


def _trend(year: int, month: int) -> list[tuple[str, int]]:
    """近 12 个月每月收到的事项数（与"基本情况"同一口径：按收到日期），一条分组查询。"""
    from django.db.models import Count

    from xinfang.petitions.models import Matter

    months, y, m = [], year, month
    for _ in range(12):
        months.append(f"{y}-{m:02d}")
        y, m = _prev_month(date(y, m, 1))
    months.reverse()
    first, _ = month_bounds(*map(int, months[0].split("-")))
    counts = Counter()
    for day, n in (Matter.objects.filter(received_on__range=(first, month_bounds(year, month)[1]))
                   .values_list("received_on").annotate(n=Count("pk")).order_by().values_list("received_on", "n")):
        counts[f"{day:%Y-%m}"] += n
    return [(mo, counts[mo]) for mo in months]


BASIC_HEADER = ["", "本月", "上月", "去年同月", "环比", "同比"]
BASIC_TITLES = (("channel", "按渠道"), ("unit", "按单位"), ("field", "按领域"))


def title_of(content: dict) -> str:
    return f"{content['year']}年{content['month']}月信访形势分析" + ("（暂定）" if content["provisional"] else "")


def render_docx(content: dict) -> bytes:
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt, Cm

    from . import charts  # matplotlib 只在生成报告时载入，别的命令和页面不必为它多等半秒

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name, style.font.size = "宋体", Pt(11)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    doc.add_heading(title_of(content), level=0)
    if content["provisional"]:
        doc.add_paragraph(f"本月尚未结束，数据截至 {content['as_of']:%Y年%m月%d日}，为暂定数。")
    doc.add_heading("一、基本情况", level=1)
    for key, label in BASIC_TITLES:
        doc.add_paragraph(label)
        _table(doc, BASIC_HEADER, content["basic"][key])
    trend = content["trend"]
    doc.add_picture(io.BytesIO(charts.line_chart("近 12 个月收到件数", [t[0] for t in trend], [t[1] for t in trend])),
                    width=Cm(15))
    fields = content["basic"]["field"][:-1][:10]
    if fields:
        doc.add_picture(io.BytesIO(charts.bar_chart("本月按领域", [r[0] for r in fields], [r[1] for r in fields])),
                        width=Cm(15))
    doc.add_heading("二、主要特点", level=1)
    for line in content["features"]:
        doc.add_paragraph(line)
    doc.add_heading("三、热点与新出现的问题", level=1)
    for line in content["hot"] + content["emerging"]:
        doc.add_paragraph(line, style="List Bullet")
    doc.add_heading("四、办理质量", level=1)
    _table(doc, content["quality_header"], [[r[0], *[_pct(v) for v in r[1:]]] for r in content["quality"]])
    for line in content["bulletin"]:
        doc.add_paragraph(line)
    doc.add_heading("五、下一步工作", level=1)
    for line in content["steps"]:
        doc.add_paragraph(line, style="List Number")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _pct(v) -> str:
    return "—" if v is None else f"{v:g}%"


def _table(doc, header, rows):
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = str(text)
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row):
            cell.text = str(value)


def render_xlsx(content: dict) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "基本情况"
    ws.append([title_of(content)])
    for key, label in BASIC_TITLES:
        ws.append([])
        ws.append([label])
        ws.append(BASIC_HEADER)
        for row in content["basic"][key]:
            ws.append(row)
    q = wb.create_sheet("办理质量")
    q.append(content["quality_header"])
    for row in content["quality"]:
        q.append(row)
    m = wb.create_sheet("全部指标")
    m.append(["单位代码", "单位", "指标", "名称", "分子", "分母", "数值"])
    labels = {x["key"]: x["label"] for x in content["metrics"]["metrics"]}
    for unit in [*content["metrics"]["units"], {"unit": "total", "unit_name": "合计",
                                                 "metrics": content["metrics"]["total"]}]:
        for key, fig in unit["metrics"].items():
            m.append([unit["unit"], unit["unit_name"], key, labels[key], fig["numerator"], fig["denominator"],
                      fig["value"]])
    b = wb.create_sheet("通报")
    for line in content["bulletin"]:
        b.append([line])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# -- 生成、留存 ---------------------------------------------------------------------


@transaction.atomic
def request_monthly_report(*, year: int, month: int, by=None) -> Report:
    """排队生成某月月报（后台任务生成）。月份还没开始的拒绝；还没结束的生成后标"暂定"。"""
    start, end = month_bounds(year, month)
    today = clock.today()
    if start > today:
        raise ValidationError({"month": f"{year}年{month}月尚未开始，不能生成月报"})
    report = Report.objects.create(kind=ReportKind.MONTHLY, period_start=start, period_end=end,
                                   provisional=end >= today, requested_by=by, created_at=clock.now())
    record(actor=by, action="assessment.request_report", obj=report,
           changes={"period": [None, f"{start}—{end}"]})
    return report


@transaction.atomic
def request_annual_report(*, year: int, by=None) -> Report:
    """排队生成某年的年度报告（第四十一条）。年份还没开始的拒绝；还没结束的生成后标"暂定"。"""
    start, end = date(year, 1, 1), date(year, 12, 31)
    today = clock.today()
    if start > today:
        raise ValidationError({"year": f"{year}年尚未开始，不能生成年度报告"})
    report = Report.objects.create(kind=ReportKind.ANNUAL, period_start=start, period_end=end,
                                   provisional=end >= today, requested_by=by, created_at=clock.now())
    record(actor=by, action="assessment.request_report", obj=report,
           changes={"kind": [None, ReportKind.ANNUAL], "period": [None, f"{start}—{end}"]})
    return report


def generate(report: Report) -> Report:
    """生成 Word 与 Excel 并留存，进度写在报告上（页面据此显示进度条）。"""
    def step(pct: int, **fields):
        Report.objects.filter(pk=report.pk).update(progress=pct, **fields)

    step(5, status=ReportStatus.RUNNING)
    try:
        if report.kind == ReportKind.ANNUAL:
            from . import annual

            content = annual.build_annual(report.period_start.year)
            step(60)
            docx, xlsx = annual.render_docx(content), annual.render_xlsx(content)
            name = f"信访工作年度报告{report.period_start:%Y}{'-暂定' if content['provisional'] else ''}"
        else:
            content = build_content(report.period_start.year, report.period_start.month)
            step(60)
            docx, xlsx = render_docx(content), render_xlsx(content)
            name = f"信访形势分析{report.period_start:%Y%m}{'-暂定' if content['provisional'] else ''}"
        step(90)
        with transaction.atomic():
            report.docx.save(f"{name}.docx", ContentFile(docx), save=False)
            report.xlsx.save(f"{name}.xlsx", ContentFile(xlsx), save=False)
            report.provisional, report.status, report.progress = content["provisional"], ReportStatus.DONE, 100
            report.save(update_fields=["docx", "xlsx", "provisional", "status", "progress"])
    except Exception as error:  # 记下原因，页面上给出；任务本身不中断
        log.exception("报告生成失败")
        step(0, status=ReportStatus.FAILED, error=str(error)[:500])
    report.refresh_from_db()
    return report


def build_pending() -> int:
    """后台任务：生成排队中的报告。"""
    done = 0
    for report in Report.objects.filter(status=ReportStatus.PENDING).order_by("pk")[:3]:
        claimed = Report.objects.filter(pk=report.pk, status=ReportStatus.PENDING).update(status=ReportStatus.RUNNING)
        if claimed:  # 以更新认领：两个进程不会生成同一份
            generate(report)
            done += 1
    return done


def first_workday(year: int, month: int) -> date:
    calendar, day = current_calendar(), date(year, month, 1)
    while not calendar.is_workday(day):
        day += timedelta(days=1)
    return day


def scheduled_monthly_report() -> Report | None:
    """后台任务（每天）：每月第一个工作日生成上月月报；已有正式（非暂定）月报的不重复生成。"""
    today = clock.today()
    if today != first_workday(today.year, today.month):
        return None
    year, month = _prev_month(today)
    start, _ = month_bounds(year, month)
    if Report.objects.filter(kind=ReportKind.MONTHLY, period_start=start, provisional=False,
                             status__in=LIVE).exists():
        return None
    return _claim_and_generate(request_monthly_report(year=year, month=month))


# 已有（排队、生成中或已生成的）正式报告就不再排一份。
LIVE = (ReportStatus.PENDING, ReportStatus.RUNNING, ReportStatus.DONE)


def _claim_and_generate(report: Report) -> Report | None:
    # 与 build_pending 同样以更新认领：排队的任务不会同时再生成这一份。
    if Report.objects.filter(pk=report.pk, status=ReportStatus.PENDING).update(status=ReportStatus.RUNNING):
        return generate(report)
    report.refresh_from_db()
    return report


def scheduled_annual_report() -> Report | None:
    """后台任务（每天）：每年第一个工作日生成上一年的年度报告；已有正式（非暂定）年报的不重复生成。"""
    today = clock.today()
    if today != first_workday(today.year, 1):
        return None
    year = today.year - 1
    if Report.objects.filter(kind=ReportKind.ANNUAL, period_start=date(year, 1, 1), provisional=False,
                             status__in=LIVE).exists():
        return None
    return _claim_and_generate(request_annual_report(year=year))
