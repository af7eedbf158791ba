"""单位每月排查报告（Word）：概况、有隐患的案件及措施、负责人意见与签字。只列案件，不列当事人。"""

from __future__ import annotations

from io import BytesIO

from docx import Document

from xinfang.core import clock

from .models import ScreeningRound, Verdict


def round_report(round_: ScreeningRound) -> bytes:
    items = list(round_.items.select_related("case").order_by("-risk_score"))
    hazards = [i for i in items if i.verdict == Verdict.HAZARD]
    document = Document()
    document.add_heading(f"{round_.department.name}{round_.month:%Y年%m月}执法案件排查报告", level=1)
    document.add_paragraph(f"下发日期：{round_.opened_on:%Y年%m月%d日}；应完成：{round_.due_on:%Y年%m月%d日}。")
    marked = sum(1 for i in items if i.verdict)
    document.add_paragraph(f"排查案件 {len(items)} 件，已排查 {marked} 件，其中有隐患 {len(hazards)} 件、"
                           f"重点案件 {sum(1 for i in hazards if i.is_key)} 件。")
    if hazards:
        table = document.add_table(rows=1, cols=5)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, ("案件编号", "类型", "隐患", "措施", "状态")):
            cell.text = text
        for item in hazards:
            row = table.add_row().cells
            row[0].text = item.case.case_no
            row[1].text = item.case.get_case_type_display()
            row[2].text = item.hazard
            row[3].text = item.get_measure_display()
            row[4].text = "已化解" if item.resolved_at else ("重点案件" if item.is_key else "化解中")
    document.add_paragraph("")
    document.add_paragraph(f"单位负责人意见：{round_.head_opinion or '（无）'}")
    if round_.signed_at:
        document.add_paragraph(f"审核签字：{round_.signed_by}　{clock.localtime(round_.signed_at):%Y年%m月%d日 %H:%M}")
    else:
        document.add_paragraph("审核签字：（尚未签字）")
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
