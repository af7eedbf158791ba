"""敏感时期日报：各单位每日截止前报送（含零报告），值班人签名；截止后迟报照收并标注；未报的在截止时提示；
局里在截止后自动收到汇总报告（Word），也可随时再生成，每份留存可下载。

第 D 日的日报覆盖 D-1 日截止时刻至 D 日截止时刻（默认中午 12:00 到中午 12:00），于 D 日截止前报送。
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse

from xinfang.audit.services import record
from xinfang.core import clock
from xinfang.org import permissions
from xinfang.org.models import Department, RoleCode, Staff
from xinfang.petitions.models import Petition
from xinfang.supervision import notifications
from xinfang.supervision.models import Kind

from . import periods
from .models import Warning, WarningKind, WarningStatus
from .models_periods import ConsolidatedReport, DailyReport, Reception, SensitivePeriod
from .models_urgent import UrgentReport
from .services import close_warning, raise_warning

log = logging.getLogger("xinfang.warning")
CATCH_UP_DAYS = 7  # 截止任务停了几天后重新运行：补查最近这么多天


def window_petitions(period: SensitivePeriod, unit_id: int, day: date, organs: dict[int, int] | None = None):
    """某单位某日日报窗口内收到的信访件（事项的责任单位以该单位名义办理）。"""
    start, end = periods.window(period, day)
    return (Petition.objects.filter(received_at__gte=start, received_at__lt=end,
                                    matter__department_id__in=periods.unit_departments(unit_id, organs))
            .select_related("matter").order_by("received_at", "pk"))


def cutoff_at(period: SensitivePeriod, day: date) -> datetime:
    return periods.window(period, day)[1]


def _missing_key(period: SensitivePeriod, unit_id: int, day: date) -> str:
    return f"daily-missing:{period.pk}:{unit_id}:{day.isoformat()}"


def submit_daily_report(*, period: SensitivePeriod, by, day: date | None, is_zero: bool, content: str,
                        signed: bool) -> DailyReport:
    """报送本单位某日的日报（值班人即报送人，本人签名）。截止后照收并标"迟报"；窗口内有信访件时不收零报告。"""
    refused = permissions.refusal(by, "warning.daily.submit")
    if refused:
        raise PermissionDenied(refused)
    unit = periods.unit_of(by.department)
    units = {u.pk: u for u in periods.reporting_units(period)}
    if unit is None or unit.pk not in units:
        raise ValidationError({"department": f"报送单位：您所在的单位不在“{period.name}”的日报范围内"})
    now = clock.now()
    errors: dict[str, list[str]] = {}
    if day is None:
        errors["day"] = ["日报日期：请填写"]
    elif not period.starts_on <= day <= period.ends_on:
        errors["day"] = [f"日报日期：{day:%Y-%m-%d} 不在“{period.name}”（{period.starts_on:%Y-%m-%d}—"
                         f"{period.ends_on:%Y-%m-%d}）内"]
    elif day > periods.reporting_day(period, now):
        errors["day"] = [f"日报日期：{day:%Y-%m-%d} 的报送窗口还没开始"]
    if not signed:
        errors["signed"] = ["值班人签名：请确认本人是今天的值班人，并对报告内容负责"]
    content = (content or "").strip()
    if not is_zero and len(content) < 4:
        errors["content"] = ["情况：请写明窗口内收到的信访与处置情况；什么也没有发生请选“零报告”"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        petitions = list(window_petitions(period, unit.pk, day))
        if is_zero and petitions:
            start, end = periods.window(period, day)
            numbers = list(dict.fromkeys(p.matter.number for p in petitions))
            raise ValidationError({"is_zero": [
                f"零报告：{unit}在 {clock.localtime(start):%m月%d日 %H:%M} 至 {clock.localtime(end):%m月%d日 %H:%M} "
                f"收到信访 {len(petitions)} 件（{'、'.join(numbers[:20])}{' 等' if len(numbers) > 20 else ''}），"
                "不能报零报告，请如实填报"]})
        late = now >= cutoff_at(period, day)
        try:
            with transaction.atomic():
                row = DailyReport.objects.create(
                    period=period, department=unit, day=day, is_zero=is_zero, content=content,
                    petition_count=len(petitions), duty_officer=by, submitted_at=now, late=late)
        except IntegrityError:
            raise ValidationError({"day": f"日报日期：{unit}{day:%Y-%m-%d} 的日报已报送"}) from None
        record(actor=by, action="warning.daily_report.submit", obj=row, changes={
            "day": [None, day.isoformat()], "zero": [None, is_zero], "late": [None, late],
            "petitions": [None, len(petitions)]})
        missing = Warning.objects.filter(key=_missing_key(period, unit.pk, day)).exclude(
            status=WarningStatus.CLOSED).first()
        if missing is not None:
            close_warning(missing, by=by, outcome=f"已补报（迟报，{clock.localtime(now):%m月%d日 %H:%M}）")
    return row


def unit_report_form(period: SensitivePeriod, user) -> dict:
    """日报页：本单位应报的日期、窗口、窗口内已有的信访件、已报送的日报。"""
    unit = periods.unit_of(getattr(user, "department", None))
    in_scope = unit is not None and unit.pk in {u.pk for u in periods.reporting_units(period)}
    day = periods.reporting_day(period)
    day = min(max(day, period.starts_on), period.ends_on)
    submitted = list(DailyReport.objects.filter(period=period, department=unit).select_related("duty_officer")) \
        if in_scope else []
    done = {r.day for r in submitted}
    # 还没报的最早一天（迟报也要补）优先
    cursor = period.starts_on
    while cursor < day and cursor in done:
        cursor += timedelta(days=1)
    if cursor < day and cursor <= clock.today():
        day = cursor
    start, end = periods.window(period, day)
    petitions = list(window_petitions(period, unit.pk, day)) if in_scope else []
    return {"period": period, "unit": unit, "in_scope": in_scope, "day": day, "start": start, "end": end,
            "petitions": petitions, "submitted": submitted, "already": day in done,
            "late_now": clock.now() >= end}


# -- 截止：未报提示、汇总报告 -------------------------------------------------------------


def flag_missing(period: SensitivePeriod, day: date, now: datetime) -> int:
    """截止时仍未报的单位：提一条“日报未报”预警并提醒该单位一把手（照顾免打扰时段）；重复运行不重复提示。"""
    reported = set(DailyReport.objects.filter(period=period, day=day).values_list("department_id", flat=True))
    flagged = 0
    for unit in periods.reporting_units(period):
        if unit.pk in reported:
            continue
        with transaction.atomic():
            warning = raise_warning(
                kind=WarningKind.DAILY_REPORT_MISSING, key=_missing_key(period, unit.pk, day),
                title=f"{unit}未报送{period.name} {day:%m月%d日}日报",
                detail=(f"{period.name}期间，{unit}截至 {clock.localtime(cutoff_at(period, day)):%m月%d日 %H:%M} "
                        f"未报送 {day:%Y-%m-%d} 的日报（没有情况也须零报告）。补报后本提示自动关闭，日报标“迟报”。"),
                department=unit, period_start=day)
            if warning is None:
                continue
            people = [p for p in dict.fromkeys((unit.head_id, unit.petition_leader_id)) if p]
            notifications.create([notifications.Draft(
                recipient_id=pk, kind=Kind.DAILY_REPORT, title=warning.title,
                url=reverse("warning:daily_report", args=[period.pk])) for pk in people], now=now)
            flagged += 1
    return flagged


def run_cutoff(*, now: datetime | None = None) -> dict:
    """后台任务（每 5 分钟）：对已过截止时刻的日子，提示未报单位，并自动生成一次汇总报告给局里。"""
    now = now or clock.now()
    today = clock.local_date(now)
    result = {"missing": 0, "consolidated": 0}
    for period in SensitivePeriod.objects.filter(starts_on__lte=today, ends_on__gte=today - timedelta(days=CATCH_UP_DAYS)):
        day = max(period.starts_on, today - timedelta(days=CATCH_UP_DAYS))
        while day <= min(today, period.ends_on):
            if now >= cutoff_at(period, day):
                result["missing"] += flag_missing(period, day, now)
                if not ConsolidatedReport.objects.filter(period=period, day=day, automatic=True).exists():
                    result["consolidated"] += consolidate(period, day, by=None, now=now) is not None
            day += timedelta(days=1)
    return result


@dataclass
class UnitRow:
    unit: Department
    report: DailyReport | None
    petitions: int
    collective: int
    skip_level: int
    urgent: int

    @property
    def status(self) -> str:
        if self.report is None:
            return "未报"
        kind = "零报告" if self.report.is_zero else "已报"
        return f"{kind}（迟报）" if self.report.late else kind


def summary(period: SensitivePeriod, day: date) -> dict:
    """汇总的数字：每个单位的报送情况与窗口内的信访、集体访、越级访、重大紧急事项；重点事项；领导接访。"""
    start, end = periods.window(period, day)
    organs = periods.organ_map()
    reports = {r.department_id: r for r in
               DailyReport.objects.filter(period=period, day=day).select_related("duty_officer")}
    # 两次查询得出所有单位的数字：窗口内的信访件与重大紧急报告按责任单位所属的机关归到报送单位。
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for department_id, collective, skip in Petition.objects.filter(received_at__gte=start, received_at__lt=end) \
            .values_list("matter__department_id", "is_collective", "is_skip_level").iterator():
        row = counts[organs.get(department_id, department_id)]
        row[0], row[1], row[2] = row[0] + 1, row[1] + collective, row[2] + skip
    urgent = Counter(organs.get(d, d) for d in UrgentReport.objects.filter(
        reported_at__gte=start, reported_at__lt=end).values_list("department_id", flat=True))
    rows = [UnitRow(unit, reports.get(unit.pk), *counts.get(unit.pk, (0, 0, 0)), urgent.get(unit.pk, 0))
            for unit in periods.reporting_units(period)]
    keys = list(period.key_matters.select_related("matter", "matter__department").prefetch_related("reviews__reviewed_by"))
    receptions = list(Reception.objects.filter(day=day - timedelta(days=1), period=period)
                      .select_related("leader", "department")) + list(
        Reception.objects.filter(day=day, period=period).select_related("leader", "department"))
    return {
        "period": period, "day": day, "start": start, "end": end, "rows": rows, "key_matters": keys,
        "receptions": receptions,
        "totals": {
            "units": len(rows),
            "on_time": sum(1 for r in rows if r.report and not r.report.late),
            "late": sum(1 for r in rows if r.report and r.report.late),
            "zero": sum(1 for r in rows if r.report and r.report.is_zero),
            "missing": sum(1 for r in rows if r.report is None),
            "petitions": sum(r.petitions for r in rows),
            "collective": sum(r.collective for r in rows),
            "skip_level": sum(r.skip_level for r in rows),
            "urgent": sum(r.urgent for r in rows),
            "key_matters": len(keys),
        },
    }


def render_docx(data: dict) -> bytes:
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    period, day, totals = data["period"], data["day"], data["totals"]
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name, style.font.size = "宋体", Pt(11)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    doc.add_heading(f"{period.name}信访日报汇总（{day:%Y年%m月%d日}）", level=0)
    doc.add_paragraph(f"统计时段：{clock.localtime(data['start']):%Y年%m月%d日 %H:%M} 至 "
                      f"{clock.localtime(data['end']):%Y年%m月%d日 %H:%M}。生成时间："
                      f"{clock.localtime(clock.now()):%Y年%m月%d日 %H:%M}。")
    doc.add_heading("一、总体情况", level=1)
    doc.add_paragraph(
        f"应报单位 {totals['units']} 个，按时报送 {totals['on_time']} 个，迟报 {totals['late']} 个，未报 {totals['missing']} 个"
        f"（其中零报告 {totals['zero']} 个）。收到信访 {totals['petitions']} 件，其中集体访 {totals['collective']} 件、"
        f"越级访 {totals['skip_level']} 件；重大紧急事项报告 {totals['urgent']} 件；重点事项 {totals['key_matters']} 件。")
    doc.add_heading("二、各单位报送情况", level=1)
    table = doc.add_table(rows=1, cols=8)
    table.style = "Table Grid"
    header = ("单位", "报送情况", "值班人", "报送时间", "信访件", "集体访", "越级访", "重大紧急")
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = text
    for r in data["rows"]:
        cells = table.add_row().cells
        values = (str(r.unit), r.status, str(r.report.duty_officer) if r.report else "—",
                  f"{clock.localtime(r.report.submitted_at):%m-%d %H:%M}" if r.report else "—",
                  r.petitions, r.collective, r.skip_level, r.urgent)
        for cell, value in zip(cells, values):
            cell.text = str(value)
    reported = [r for r in data["rows"] if r.report and r.report.content]
    if reported:
        doc.add_heading("三、各单位报告内容", level=1)
        for r in reported:
            doc.add_paragraph(f"{r.unit}（值班人 {r.report.duty_officer}）：{r.report.content}")
    doc.add_heading("四、迟报、未报单位", level=1)
    late = [str(r.unit) for r in data["rows"] if r.report and r.report.late]
    missing = [str(r.unit) for r in data["rows"] if r.report is None]
    doc.add_paragraph(f"迟报：{'、'.join(late) or '无'}。")
    doc.add_paragraph(f"未报：{'、'.join(missing) or '无'}。")
    doc.add_heading("五、重点事项", level=1)
    if not data["key_matters"]:
        doc.add_paragraph("无。")
    for key in data["key_matters"]:
        reviews = list(key.reviews.all())
        latest = (f"最近研判：{reviews[0].day:%m月%d日} {reviews[0].reviewed_by}：{reviews[0].note}" if reviews
                  else "尚未研判")
        doc.add_paragraph(f"{key.matter.number} {key.matter.title}（{key.matter.department}）：{key.reason}。{latest}",
                          style="List Bullet")
    doc.add_heading("六、领导接访", level=1)
    if not data["receptions"]:
        doc.add_paragraph("无。")
    for rec in data["receptions"]:
        state = (f"已接访，接待信访件 {rec.petitions.count()} 件" if rec.held_at else "未登记接访记录")
        who = "一把手" if rec.by_head else "领导"
        doc.add_paragraph(f"{rec.day:%m月%d日} {rec.department}{who}{rec.leader}在{rec.place}接访：{state}。",
                          style="List Bullet")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def consolidate(period: SensitivePeriod, day: date, *, by, now: datetime | None = None) -> ConsolidatedReport | None:
    """生成并留存某日的汇总报告。by 为 None 时是截止后的自动生成（每日一份，重复运行不重复生成），并通知局领导。"""
    now = now or clock.now()
    if not period.starts_on <= day <= period.ends_on:
        raise ValidationError({"day": f"日期：{day:%Y-%m-%d} 不在“{period.name}”内"})
    data = summary(period, day)
    content = render_docx(data)
    automatic = by is None
    try:
        with transaction.atomic():
            row = ConsolidatedReport(period=period, day=day, automatic=automatic, summary=data["totals"],
                                     sha256=hashlib.sha256(content).hexdigest(), requested_by=by, created_at=now)
            row.docx.save(f"日报汇总{period.pk}-{day:%Y%m%d}.docx", ContentFile(content), save=False)
            row.save()
            record(actor=by, action="warning.daily_report.consolidate", obj=row,
                   changes={"day": [None, day.isoformat()], "totals": [None, data["totals"]]})
            if automatic:
                bureau = Staff.objects.filter(roles__code=RoleCode.BUREAU_LEADER, is_active=True).values_list(
                    "pk", flat=True)
                notifications.create([notifications.Draft(
                    recipient_id=pk, kind=Kind.DAILY_REPORT,
                    title=f"{period.name} {day:%m月%d日}日报汇总：未报 {data['totals']['missing']} 个单位，"
                          f"信访 {data['totals']['petitions']} 件",
                    url=reverse("warning:consolidated_download", args=[row.pk])) for pk in set(bureau)], now=now)
    except IntegrityError:  # 两个进程同时自动生成：只留一份
        return None
    return row


def period_overview(period: SensitivePeriod, day: date) -> dict:
    """时期页：今天（或所选日期）各单位的报送情况。"""
    return summary(period, day)
