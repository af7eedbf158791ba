"""重新生成随系统提供的督办单模板 order.docx：

    .venv/bin/python xinfang/supervision/doc_templates/make_template.py

版式与信访文书一致（标题宋体二号加粗居中，正文仿宋三号）。占位符写作 {{中文名}}，
可用的名字见 supervision.documents.PLACEHOLDERS。不依赖 Django。
"""

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

HERE = Path(__file__).resolve().parent


def _font(run, name: str, size: float, bold: bool = False) -> None:
    run.font.name, run.font.size, run.font.bold = name, Pt(size), bold
    run.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def build() -> Document:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin, section.left_margin, section.right_margin = Mm(37), Mm(35), Mm(28), Mm(26)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(title.add_run("信访事项督办单"), "宋体", 22, bold=True)
    number = doc.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(number.add_run("{{文号}}"), "仿宋", 16)
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in (
        ("督办级别", "{{督办级别}}"), ("事项编号", "{{事项编号}}"), ("事由", "{{事由}}"),
        ("收到日期", "{{收到日期}}"), ("牵头单位", "{{牵头单位}}"), ("参与单位", "{{参与单位}}"),
        ("包案领导", "{{包案领导}}"), ("办结时限", "{{办结时限}}"), ("督办要求", "{{督办要求}}"),
    ):
        cells = table.add_row().cells
        _font(cells[0].paragraphs[0].add_run(label), "黑体", 14)
        _font(cells[1].paragraphs[0].add_run(value), "仿宋", 14)
    for text in (
        "请牵头单位会同参与单位按上述要求办理，于办结时限前将办理情况书面反馈督办人；"
        "不能按期办结的，须说明理由。事项须真正解决（答复送达且未被复查推翻）方可办结本督办单。",
        "督办人：{{督办人}}",
    ):
        p = doc.add_paragraph()
        p.paragraph_format.first_line_indent = Pt(32)
        _font(p.add_run(text), "仿宋", 16)
    for text in ("{{发文单位}}", "{{成文日期}}"):
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _font(p.add_run(text), "仿宋", 16)
    return doc


if __name__ == "__main__":
    build().save(HERE / "order.docx")
    print(HERE / "order.docx")
