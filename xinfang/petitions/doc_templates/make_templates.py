"""重新生成随系统提供的默认文书模板：每种文书一个 <kind>.docx。

    .venv/bin/python xinfang/petitions/doc_templates/make_templates.py

版式参照《党政机关公文格式》（GB/T 9704—2012）：标题宋体二号加粗居中，正文仿宋三号、
固定行距28磅、首行缩进两字，落款单位与成文日期右对齐。字体不嵌入，由打开文书的电脑提供。
占位符写作 {{中文名}}，可用的名字见 documents.template_placeholders(kind)；每个占位符
放在一个 run 里（管理员自己在 Word 里编辑的模板被拆开也没关系，render 会合并）。
不依赖 Django，修改正文后运行本脚本并提交生成的 .docx。
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

HERE = Path(__file__).resolve().parent
BODY_FONT, TITLE_FONT = "仿宋", "宋体"

RECEIVED = "你（单位）于{{收到日期}}提出的关于“{{事由}}”的信访事项（事项编号：{{事项编号}}）"
FACTS = ["你（单位）反映的主要内容：{{主要内容}}", "你（单位）的诉求：{{诉求}}"]

# 种类 → (标题, 正文段落)。正文不含称谓、“特此告知”和落款，由 build() 统一加上。
KINDS: dict[str, tuple[str, list[str]]] = {
    "acceptance": ("信访事项受理告知书", [
        RECEIVED + "，本机关已收悉。",
        "经审查，该信访事项属于本机关职权范围。依照《信访工作条例》第二十三条的规定，"
        "本机关决定予以受理，受理日期为{{受理日期}}。",
        *FACTS,
        "依照《信访工作条例》第三十四条的规定，本机关将自受理之日起{{办理时限}}日内办结，"
        "办理期限至{{办理期限}}；情况复杂需要延长办理期限的，将另行书面告知延期理由。"
        "办理期间，请你（单位）保持联系方式畅通，配合调查核实。",
    ]),
    "decline": ("信访事项不予受理告知书", [
        RECEIVED + "，本机关已收悉。",
        *FACTS,
        "经审查，{{不予受理理由}}。依照《信访工作条例》第二十三条的规定，本机关决定不予受理。",
        "你（单位）可以{{告知去向}}。",
    ]),
    "transfer": ("信访事项转送告知书", [
        RECEIVED + "，本机关已收悉。",
        *FACTS,
        "经审查，该信访事项不属于本机关职权范围。依照《信访工作条例》第二十三条的规定，"
        "本机关已将该信访事项转送{{转送机关}}依法处理。",
        "请你（单位）就该事项今后的办理情况与{{转送机关}}联系。",
    ]),
    "diversion": ("信访事项依法分类处理告知书", [
        RECEIVED + "，本机关已收悉。",
        *FACTS,
        "经审查，你（单位）反映的问题属于{{法定途径}}的范围，依法应当通过相应的法定程序解决。"
        "依照《信访工作条例》第三十一条的规定，本机关将其导入相应法定程序处理，不再按信访程序办理。现告知如下：",
        "{{途径告知}}",
        "请你（单位）在法定期限内依法行使权利，以免超过期限影响自身权益。",
    ]),
    "extension": ("信访事项延期告知书", [
        RECEIVED + "，本机关已于{{受理日期}}受理。",
        "因{{延期理由}}，该信访事项不能在原定期限内办结。依照《信访工作条例》第三十四条的规定，"
        "经本机关负责人批准，办理期限延长{{延期天数}}日，延长后的办理期限至{{办理期限}}。",
        "本机关将在延长后的期限内办结，并书面答复你（单位）。",
    ]),
    "reply": ("信访事项处理意见书", [
        RECEIVED + "，本机关于{{受理日期}}受理，现已办理完毕。依照《信访工作条例》第三十二条的规定，"
        "答复如下：",
        "一、投诉请求：{{诉求}}",
        "二、反映的事实和理由：{{主要内容}}",
        "三、调查核实情况：{{意见内容}}",
        "四、处理意见：{{处理意见}}。{{补救措施}}",
        "{{复查告知}}",
    ]),
    "review": ("信访事项复查意见书", [
        "你（单位）不服{{原处理意见书}}，于{{复查请求日期}}请求复查（事项编号：{{事项编号}}）。"
        "依照《信访工作条例》第三十五条的规定，本机关进行了复查，现将复查意见答复如下：",
        "一、复查请求：{{诉求}}",
        "二、复查认定的事实和理由：{{意见内容}}",
        "三、复查意见：{{处理意见}}。{{补救措施}}",
        "{{复核告知}}",
    ]),
    "re_review": ("信访事项复核意见书", [
        "你（单位）不服{{原复查意见书}}，于{{复核请求日期}}请求复核（事项编号：{{事项编号}}）。"
        "依照《信访工作条例》第三十六条的规定，本机关进行了复核，现将复核意见答复如下：",
        "一、复核请求：{{诉求}}",
        "二、复核认定的事实和理由：{{意见内容}}",
        "三、复核意见：{{处理意见}}。{{补救措施}}",
        "{{终结告知}}",
    ]),
    "not_accepted_again": ("信访事项不再受理告知书", [
        "你（单位）于{{本次信访日期}}再次提出关于“{{事由}}”的投诉请求。",
        "经查，该信访事项（事项编号：{{事项编号}}）已经复核，并作出{{原复核意见书}}，"
        "信访程序已经终结。你（单位）此次以同一事实和理由提出投诉请求，依照《信访工作条例》第三十六条的规定，"
        "信访部门和其他机关、单位不再受理。",
        "希望你（单位）尊重复核意见；如有新的事实和理由，可以依法另行提出。",
    ]),
    "late_appeal": ("信访事项{{请求种类}}请求不予受理告知书", [
        "你（单位）于{{请求日期}}就“{{事由}}”（事项编号：{{事项编号}}）请求{{请求种类}}，本机关已登记。",
        "依照《信访工作条例》{{请求依据}}的规定，请求{{请求种类}}应当自收到书面答复之日起30日内提出。"
        "你（单位）于{{送达日期}}收到{{原意见书}}，请求{{请求种类}}的期限已于{{期限届满日}}届满。"
        "本机关决定对该{{请求种类}}请求不予受理。",
        "如有新的事实和理由，可以依法另行提出信访事项。",
    ]),
    # 以下两种发给转送、交办的机关，不是发给信访人的（见 ORGAN_ADDRESSED）。
    "objection": ("信访事项转送（交办）异议书", [
        "{{转送交办机关}}于{{收到日期}}{{转送交办}}本机关的{{信访人}}反映“{{事由}}”的信访事项（事项编号：{{事项编号}}，"
        "来文编号：{{来文编号}}），本机关已收悉。",
        "经审查，该信访事项不属于本机关职权范围，理由如下：{{异议理由}}",
        "依照《信访工作条例》第二十三条的规定，本机关在收到之日起5个工作日内提出异议，"
        "请予核实；核实同意后，本机关即交还相关材料。",
    ]),
    "completion_report": ("信访事项办结报告", [
        "{{转送交办机关}}于{{收到日期}}交办本机关的{{信访人}}反映“{{事由}}”的信访事项（事项编号：{{事项编号}}，"
        "来文编号：{{来文编号}}），要求于{{报告期限}}前报告办理结果。",
        *FACTS,
        "办理结果：{{办理结果}}",
        "{{报告内容}}",
        "依照《信访工作条例》第二十二条关于交办事项提交办结报告的规定，现将办结情况报告如上，请审核。",
    ]),
}
# 发给机关的文书：称谓为收文机关，不写送达信访人的说明。
ORGAN_ADDRESSED = {"objection", "completion_report"}


def _font(run, name: str, size: float, *, bold: bool = False) -> None:
    run.font.name = "Times New Roman"
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
    run.font.size = Pt(size)
    run.font.bold = bold


def _paragraph(doc, text: str, *, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent: bool = True,
               font: str = BODY_FONT, size: float = 16, bold: bool = False, right_chars: int = 0):
    p = doc.add_paragraph()
    p.alignment = align
    fmt = p.paragraph_format
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(28 if size <= 16 else 36)
    fmt.space_before = fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    if right_chars:
        fmt.right_indent = Pt(size * right_chars)
    _font(p.add_run(text), font, size, bold=bold)
    return p


def build(title: str, body: list[str], *, to_organ: bool = False):
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = "Times New Roman", Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)

    center = WD_ALIGN_PARAGRAPH.CENTER
    _paragraph(doc, "{{发文单位}}", align=center, indent=False, font=TITLE_FONT, size=22, bold=True)
    _paragraph(doc, title, align=center, indent=False, font=TITLE_FONT, size=22, bold=True)
    _paragraph(doc, "{{文号}}", align=center, indent=False)
    _paragraph(doc, "", indent=False)
    _paragraph(doc, "{{转送交办机关}}：" if to_organ else "{{信访人}}：", indent=False)
    for text in body:
        _paragraph(doc, text)
    _paragraph(doc, "特此报告。" if to_organ else "特此告知。" if "告知书" in title else "特此答复。")
    _paragraph(doc, "", indent=False)
    right = WD_ALIGN_PARAGRAPH.RIGHT
    _paragraph(doc, "{{发文单位}}", align=right, indent=False, right_chars=2)
    _paragraph(doc, "{{成文日期}}", align=right, indent=False, right_chars=2)
    if not to_organ:
        _paragraph(doc, "", indent=False)
        _paragraph(doc, "送达地址：{{信访人地址}}", indent=False, size=12)
        _paragraph(doc, "本文书一式两份，一份送达信访人，一份存入信访事项档案。", indent=False, size=12)

    footer = section.footer.paragraphs[0]
    footer.alignment = center
    _font(footer.add_run("{{发文单位}}　{{文号}}　事项编号：{{事项编号}}"), BODY_FONT, 10.5)

    props = doc.core_properties
    props.title, props.author, props.comments = title, "Xinfang", "占位符 {{中文名}} 由系统填写"
    return doc


def main() -> None:
    for kind, (title, body) in KINDS.items():
        build(title, body, to_organ=kind in ORGAN_ADDRESSED).save(HERE / f"{kind}.docx")
        print(f"{kind}.docx  {title}")


if __name__ == "__main__":
    main()
