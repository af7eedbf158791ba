"""信访工作年度报告（Word 与 Excel），内容按《信访工作条例》第四十一条：

（一）信访事项的数据统计、涉及领域以及被投诉较多的机关或者单位；
（二）转送、交办、督办情况；
（三）提出改进工作、完善政策和追究责任建议以及建议被采纳情况；
（四）其他应当报告的事项——这里是新出现的问题（有预警模块时取其预警记录）与办理质量的全部指标。

办理质量与 `xinfang metrics --from <年初> --to <年末>` 同一口径（都经 contract.build）。年份未结束时标"暂定"。
"""

from __future__ import annotations

import io
from collections import Counter
from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils import timezone

from xinfang.core import clock
from xinfang.org.models import Department
from xinfang.petitions.models import Adoption, Category, Channel, Matter, MatterEvent, Recommendation, RecommendationKind
from xinfang.supervision.models import AccountabilityRecord, OrderLevel, RecordStatus, SupervisionOrder

from . import contract
from .facts import received_counts
from .reports import _pct, _table, change

TOP_UNITS = 10
# 第四十一条第二项：转送、交办两种处理决定按其办理记录计（期间内作出的）。
ROUTING_ACTIONS = {"accept": "受理", "decline": "不予受理", "transfer": "转送", "divert": "依法分类处理",
                   "assign": "交办"}
ADOPTED = (Adoption.ADOPTED, Adoption.PARTLY)


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 日 0 时, end 次日 0 时)，按 Asia/Shanghai。"""
    return (timezone.make_aware(datetime.combine(start, time())),
            timezone.make_aware(datetime.combine(end + timedelta(days=1), time())))


def _tally(rows, key) -> Counter:
    out = Counter()
    for dept, cat, ch, n in rows:
        out[key(dept, cat, ch)] += n
    return out


def _compare(now: Counter, before: Counter, *, limit: int | None = None) -> list[list]:
    """[名称, 本年, 上年, 同比, 占比]，按本年件数从多到少，末行合计。"""
    total_now, total_before = sum(now.values()), sum(before.values())
    labels = sorted(set(now) | set(before), key=lambda k: (-now[k], -before[k], str(k)))
    rows = [[k, now[k], before[k], change(now[k], before[k]), f"{100 * now[k] / total_now:.1f}%" if total_now else "—"]
            for k in labels if now[k] or before[k]]
    if limit is not None:
        rows = rows[:limit]
    return rows + [["合计", total_now, total_before, change(total_now, total_before), "100%" if total_now else "—"]]


def _monthly(year: int) -> list[list]:
    by_month = Counter()
    start, end = year_bounds(year)
    for month, n in (Matter.objects.filter(received_on__range=(start, end)).values_list("received_on")
                     .annotate(n=Count("pk")).order_by().values_list("received_on", "n")):
        by_month[month.month] += n
    return [[f"{m}月", by_month[m]] for m in range(1, 13)]


def _routing(start: date, end: date) -> dict[str, int]:
    """期间内作出的受理、不予受理、转送、分类处理、交办决定（按办理记录），与期间内办结的事项数。"""
    since, until = _bounds(start, end)
    counts = dict(MatterEvent.objects.filter(action__in=list(ROUTING_ACTIONS), at__gte=since, at__lt=until)
                  .values_list("action").annotate(n=Count("pk")).order_by().values_list("action", "n"))
    out = {label: counts.get(action, 0) for action, label in ROUTING_ACTIONS.items()}
    out["办结"] = Matter.objects.filter(closed_on__range=(start, end)).count()
    return out


def _supervision(start: date, end: date, payload: dict) -> list[list]:
    since, until = _bounds(start, end)
    issued = dict(SupervisionOrder.objects.filter(issued_at__gte=since, issued_at__lt=until)
                  .values_list("level").annotate(n=Count("pk")).order_by().values_list("level", "n"))
    rows = [[f"签发{label}", issued.get(level, 0)] for level, label in OrderLevel.choices]
    rows.append(["签发督办单合计", sum(issued.values())])
    t = payload["total"]
    rows.append(["期间内办结的督办单", t["supervision_closed_count"]["numerator"]])
    fb = t["supervision_feedback_on_time"]
    rows.append(["督办按期反馈率", f"{_pct(fb['value'])}（{fb['numerator']}/{fb['denominator'] or 0}）"])
    return rows


def _recommendations(start: date, end: date) -> dict:
    """建议：信访部门登记的三种建议，及系统提出、经认定的责任追究（追究责任建议的另一来源）。"""
    recs = list(Recommendation.objects.filter(issued_on__range=(start, end)).select_related("department")
                .order_by("issued_on", "pk"))
    table = []
    for kind, label in RecommendationKind.choices:
        mine = [r for r in recs if r.kind == kind]
        adopted = sum(r.adoption in ADOPTED for r in mine)
        answered = sum(r.adoption != Adoption.PENDING for r in mine)
        table.append([label, len(mine), adopted, sum(r.adoption == Adoption.REJECTED for r in mine),
                      len(mine) - answered, _pct(round(100 * adopted / answered, 2) if answered else None)])
    since, until = _bounds(start, end)
    acc = dict(AccountabilityRecord.objects.filter(proposed_at__gte=since, proposed_at__lt=until)
               .values_list("status").annotate(n=Count("pk")).order_by().values_list("status", "n"))
    confirmed = acc.get(RecordStatus.CONFIRMED, 0) + acc.get(RecordStatus.COMPLETED, 0)
    decided = confirmed + acc.get(RecordStatus.DISMISSED, 0)
    table.append(["责任追究线索（系统提出）", sum(acc.values()), confirmed, acc.get(RecordStatus.DISMISSED, 0),
                  acc.get(RecordStatus.PROPOSED, 0), _pct(round(100 * confirmed / decided, 2) if decided else None)])
    items = [[r.issued_on.isoformat(), r.get_kind_display(), r.department.name, r.text, r.get_adoption_display(),
              r.feedback] for r in recs]
    return {"table": table, "items": items}


def _emerging(start: date, end: date, fields: list[list]) -> list[str]:
    """新出现的问题：上年没有、本年出现的领域，增幅最大的领域，及预警模块期间内的上升与热点预警。"""
    lines = [f"“{r[0]}”本年出现 {r[1]} 件，上年没有。" for r in fields[:-1] if r[1] and not r[2]]
    growing = sorted((r for r in fields[:-1] if r[2] and r[1] > r[2]), key=lambda r: r[2] - r[1])[:3]
    lines += [f"“{r[0]}”{r[1]} 件，比上年增加 {r[1] - r[2]} 件（{r[3]}）。" for r in growing]
    if apps.is_installed("xinfang.warning"):
        from xinfang.warning.models import Warning, WarningKind

        since, until = _bounds(start, end)
        warnings = (Warning.objects.filter(created_at__gte=since, created_at__lt=until,
                                           kind__in=(WarningKind.RISE, WarningKind.HOT_ISSUE))
                    .order_by("-created_at"))
        counts = Counter(warnings.values_list("kind", flat=True))
        if counts:
            lines.append("预警：" + "，".join(f"{WarningKind(k).label} {n} 条" for k, n in counts.items()) + "。")
        for w in warnings[:8]:
            lines.append(f"{w.created_at:%m月%d日}（{w.get_kind_display()}）{w.title}，{w.get_status_display()}。")
    return lines or ["本年没有新出现的领域或预警。"]


def build_annual(year: int, *, as_of: date | None = None) -> dict:
    """年度报告的全部内容（表与文字）。年份未开始的拒绝；未结束的标暂定。"""
    as_of = as_of or clock.today()
    start, end = year_bounds(year)
    if start > as_of:
        raise ValidationError({"year": f"{year}年尚未开始，不能生成年度报告"})
    provisional = end >= as_of
    now, before = received_counts(start, end), received_counts(*year_bounds(year - 1))
    top = {c.pk: (c.parent.name if c.parent_id else c.name) for c in Category.objects.select_related("parent")}
    names = dict(Department.objects.values_list("pk", "name"))

    def channel(dept, cat, ch):
        return Channel(ch).label if ch in Channel.values else "未记录"

    def field_(dept, cat, ch):
        return top.get(cat, "未分类")

    def unit(dept, cat, ch):
        return names.get(dept, "其他")

    channels = _compare(_tally(now, channel), _tally(before, channel))
    fields = _compare(_tally(now, field_), _tally(before, field_))
    units = _compare(_tally(now, unit), _tally(before, unit), limit=TOP_UNITS)
    payload = contract.build(start, end, as_of=as_of)
    labels = {m["key"]: m["label"] for m in payload["metrics"]}
    quality = [[labels[k], f["numerator"], "" if f["denominator"] is None else f["denominator"],
                "—" if f["value"] is None else f["value"]] for k, f in payload["total"].items()]
    routing = _routing(start, end)
    total = channels[-1]
    summary = [f"{year}年共收到信访事项 {total[1]} 件，上年 {total[2]} 件，同比 {total[3]}。"]
    if fields[:-1]:
        summary.append(f"反映最多的领域是“{fields[0][0]}”（{fields[0][1]} 件，占 {fields[0][4]}）。")
    if units[:-1]:
        summary.append(f"被投诉较多的单位依次为：{'、'.join(f'{r[0]}（{r[1]} 件）' for r in units[:3])}。")
    summary.append("全年作出" + "、".join(f"{k} {v} 件" for k, v in routing.items() if k != "办结")
                   + f"，办结 {routing['办结']} 件。")
    recs = _recommendations(start, end)
    steps = []
    t = payload["total"]
    if t["handling_on_time"]["value"] is not None and t["handling_on_time"]["value"] < 100:
        steps.append(f"按期办结率 {_pct(t['handling_on_time']['value'])}：对超期的单位逐件督办，落实第三十四条的办理期限。")
    if units[:-1]:
        steps.append(f"对被投诉较多的{units[0][0]}开展专项分析，从源头减少同类信访。")
    pending = sum(r[4] for r in recs["table"])
    if pending:
        steps.append(f"尚有 {pending} 条建议或责任追究线索未反馈、未认定，督促有关单位限期答复。")
    steps.append("坚持初信初访首办负责，把矛盾化解在基层；落实“一把手”第一责任人与一级抓一级的责任制。")
    return {
        "year": year, "start": start, "end": end, "as_of": as_of, "provisional": provisional,
        "summary": summary, "channels": channels, "monthly": _monthly(year), "fields": fields, "units": units,
        "routing": [[k, v] for k, v in routing.items()], "supervision": _supervision(start, end, payload),
        "recommendations": recs, "emerging": _emerging(start, end, fields), "quality": quality, "steps": steps,
        "metrics": payload,
    }


def title_of(content: dict) -> str:
    return f"{content['year']}年度信访工作情况报告" + ("（暂定）" if content["provisional"] else "")


COMPARE_HEADER = ["", "本年", "上年", "同比", "占比"]
REC_HEADER = ["种类", "提出", "采纳（含部分采纳）", "未采纳", "待反馈", "采纳率"]


def render_docx(content: dict) -> bytes:
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    from . import charts  # matplotlib 只在生成报告时载入，别的命令和页面不必为它多等半秒

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name, style.font.size = "宋体", Pt(11)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    doc.add_heading(title_of(content), level=0)
    if content["provisional"]:
        doc.add_paragraph(f"本年尚未结束，数据截至 {content['as_of']:%Y年%m月%d日}，为暂定数。")
    doc.add_paragraph("依据《信访工作条例》第四十一条报告本年度信访情况。")
    doc.add_heading("一、信访事项数据统计", level=1)
    for line in content["summary"]:
        doc.add_paragraph(line)
    doc.add_paragraph("按渠道")
    _table(doc, COMPARE_HEADER, content["channels"])
    doc.add_picture(io.BytesIO(charts.bar_chart("各月收到件数", [r[0] for r in content["monthly"]],
                                                [r[1] for r in content["monthly"]])), width=Cm(15))
    doc.add_heading("二、信访事项涉及领域", level=1)
    _table(doc, COMPARE_HEADER, content["fields"])
    fields = content["fields"][:-1][:10]
    if fields:
        doc.add_picture(io.BytesIO(charts.bar_chart("本年按领域", [r[0] for r in fields], [r[1] for r in fields])),
                        width=Cm(15))
    doc.add_heading("三、被投诉较多的机关或者单位", level=1)
    _table(doc, ["单位", *COMPARE_HEADER[1:]], content["units"])
    doc.add_heading("四、转送、交办、督办情况", level=1)
    _table(doc, ["处理决定", "件数"], content["routing"])
    _table(doc, ["督办", "数"], content["supervision"])
    doc.add_heading("五、改进工作、完善政策和追究责任建议及采纳情况", level=1)
    _table(doc, REC_HEADER, content["recommendations"]["table"])
    for d, kind, unit, text, adoption, answer in content["recommendations"]["items"][:30]:
        doc.add_paragraph(f"{d} 向{unit}提出{kind}：{text}（{adoption}{'；' + answer if answer else ''}）",
                          style="List Bullet")
    doc.add_heading("六、新出现的问题", level=1)
    for line in content["emerging"]:
        doc.add_paragraph(line, style="List Bullet")
    doc.add_heading("七、办理质量", level=1)
    _table(doc, ["指标", "分子", "分母", "数值"], content["quality"])
    doc.add_heading("八、下一步工作", level=1)
    for line in content["steps"]:
        doc.add_paragraph(line, style="List Number")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def render_xlsx(content: dict) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "数据统计"
    ws.append([title_of(content)])
    ws.append([])
    ws.append(["按渠道"])
    ws.append(COMPARE_HEADER)
    for row in content["channels"]:
        ws.append(row)
    ws.append([])
    ws.append(["按月"])
    for row in content["monthly"]:
        ws.append(row)
    for title, header, rows in (("涉及领域", COMPARE_HEADER, content["fields"]),
                                ("被投诉较多的单位", ["单位", *COMPARE_HEADER[1:]], content["units"]),
                                ("转送交办督办", ["项目", "数"], content["routing"] + content["supervision"]),
                                ("建议及采纳", REC_HEADER, content["recommendations"]["table"]),
                                ("建议明细", ["提出日期", "种类", "单位", "内容", "采纳情况", "说明"],
                                 content["recommendations"]["items"]),
                                ("新出现的问题", ["情况"], [[x] for x in content["emerging"]])):
        sheet = wb.create_sheet(title)
        sheet.append(header)
        for row in rows:
            sheet.append(row)
    m = wb.create_sheet("全部指标")
    m.append(["单位代码", "单位", "指标", "名称", "分子", "分母", "数值"])
    payload = content["metrics"]
    labels = {x["key"]: x["label"] for x in payload["metrics"]}
    for u in [*payload["units"], {"unit": "total", "unit_name": "合计", "metrics": payload["total"]}]:
        for key, fig in u["metrics"].items():
            m.append([u["unit"], u["unit_name"], key, labels[key], fig["numerator"], fig["denominator"], fig["value"]])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
