"""文书：取文号、按 Word 模板填写、存档到事项上。

文号格式为 ``{机关全称}信访〔{年}〕{序号}号``，如"示范市公安局交通警察支队一大队信访〔2026〕17号"：
文书以机关的名义发出（中队、科室用所属机关，见 ``organs``），每个机关每年一个序列
（``DocumentSequence``），从1起连续编号，并发取号也不重号。机关全称在全系统唯一（同一上级下
不重名），所以文号也全系统唯一——两个大队各有一个"一中队"也不会撞号。

模板是 .docx，占位符写作 ``{{中文名}}``（如 ``{{信访人}}``、``{{文号}}``），可放在正文、
表格、页眉页脚、文本框里；Word 把一个占位符拆成几段 run 也能识别，填入的文字沿用第一段
的格式。管理员上传的模板（``DocumentTemplate``）优先，否则用随系统提供的
``doc_templates/<kind>.docx``（由同目录的 ``make_templates.py`` 生成）。模板里写了本系统
不认识的占位符，成文中显示"【缺少：名】"，不会报错。

``Matter.disposal`` 中本模块读取的键：``reason``、``where_to_go``（不予受理的理由与去向），
``authority``（转送机关），``channel``（依法分类处理的法定途径代码，见
``deadlines.STATUTORY_CHANNELS``），``extension_reason``（延期理由）。调用方也可以用
``extra`` 直接给出任一占位符的值。
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path

import docx
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from docx.opc.part import XmlPart
from docx.oxml.ns import qn

from xinfang.audit.services import record
from xinfang.core import clock
from xinfang.org.models import Department

from . import organs
from .deadlines import RULES, STATUTORY_CHANNELS, RuleCode, channel_notice_text
from .models import (
    AppealRequest, Document, DocumentKind, DocumentSequence, DocumentTemplate, Matter, MatterEvent, Opinion,
    OpinionKind, Outcome, ReviewOutcome,
)

__all__ = [
    "next_number", "format_number", "render", "placeholders_in", "document_context",
    "issue_document", "template_placeholders", "cn_date",
]

logger = logging.getLogger(__name__)

TEMPLATE_DIR = Path(__file__).resolve().parent / "doc_templates"
PLACEHOLDER = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")
_XML_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # lxml 拒收的控制字符
_FILLED_PARTS = re.compile(r"^/word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml$")
_W_P, _W_R = qn("w:p"), qn("w:r")

# 每种文书都可用的占位符。
COMMON = [
    "发文单位", "上级机关", "文书名称", "文号", "成文日期", "事项编号", "事由", "主要内容", "诉求",
    "信访人", "信访人地址", "收到日期",
]
_OPINION = ["处理意见", "处理结论", "意见内容", "补救措施"]
# 各种文书另外可用的占位符。
KIND_PLACEHOLDERS: dict[str, list[str]] = {
    DocumentKind.ACCEPTANCE: ["受理日期", "办理时限", "办理期限"],
    DocumentKind.DECLINE: ["不予受理理由", "告知去向"],
    DocumentKind.TRANSFER: ["转送机关"],
    DocumentKind.DIVERSION: ["法定途径", "途径告知"],
    DocumentKind.EXTENSION: ["受理日期", "延期天数", "延期理由", "办理期限"],
    DocumentKind.REPLY: ["受理日期", *_OPINION, "复查告知"],
    DocumentKind.REVIEW: ["原处理意见书", "复查请求日期", *_OPINION, "复核告知"],
    DocumentKind.RE_REVIEW: ["原复查意见书", "复核请求日期", *_OPINION, "终结告知"],
    DocumentKind.NOT_ACCEPTED_AGAIN: ["本次信访日期", "原复核意见书"],
    DocumentKind.LATE_APPEAL: ["请求种类", "请求日期", "原意见书", "送达日期", "期限届满日", "请求依据"],
    DocumentKind.OBJECTION: ["转送交办机关", "转送交办", "来文编号", "异议理由"],
    DocumentKind.COMPLETION_REPORT: ["转送交办机关", "来文编号", "报告期限", "办理结果", "报告内容"],
}
# 发给转送、交办机关的文书（不送达信访人，门户不列）。
TO_ORGAN = frozenset({DocumentKind.OBJECTION, DocumentKind.COMPLETION_REPORT})
# 缺了就不能发出的内容：先校验，再取号，免得白占文号。
_REQUIRED: dict[str, tuple[str, ...]] = {
    DocumentKind.DECLINE: ("不予受理理由", "告知去向"),
    DocumentKind.TRANSFER: ("转送机关",),
    DocumentKind.DIVERSION: ("途径告知",),
    DocumentKind.EXTENSION: ("延期天数", "延期理由"),
    DocumentKind.REPLY: ("处理意见", "意见内容"),
    DocumentKind.REVIEW: ("处理意见", "意见内容"),
    DocumentKind.RE_REVIEW: ("处理意见", "意见内容"),
    DocumentKind.LATE_APPEAL: ("请求种类", "期限届满日"),
    DocumentKind.OBJECTION: ("转送交办机关", "异议理由"),
    DocumentKind.COMPLETION_REPORT: ("转送交办机关", "报告内容"),
}
# 《信访工作条例》第三十二条：予以支持、解释说明、不予支持。
_OUTCOME_PHRASES = {
    Outcome.SUPPORT: "对你（单位）的投诉请求予以支持",
    Outcome.REJECT: "对你（单位）的投诉请求不予支持",
    Outcome.EXPLAIN: "你（单位）的请求事由合理但缺乏法律依据，本机关作出解释说明",
}
_ITEM_PHRASES = {Outcome.SUPPORT: "予以支持", Outcome.REJECT: "不予支持", Outcome.EXPLAIN: "作出解释说明"}


def _kind(kind: str) -> DocumentKind:
    try:
        return DocumentKind(kind)
    except ValueError:
        valid = "、".join(f"{k.value}（{k.label}）" for k in DocumentKind)
        raise ValueError(f"未知的文书种类“{kind}”，可用的种类：{valid}") from None


def template_placeholders(kind: str) -> list[str]:
    """某种文书的模板可以使用的占位符名（不含花括号），供管理员上传模板时参考。"""
    return COMMON + KIND_PLACEHOLDERS[_kind(kind)]


# -- 文号 ---------------------------------------------------------------------


def format_number(prefix: str, year: int, sequence: int) -> str:
    """文号的写法："示范市公安局交通警察支队一大队信访〔2026〕17号"（前缀是机关全称）。"""
    return f"{prefix}信访〔{year}〕{sequence}号"


def next_number(department: Department, year: int) -> tuple[int, str]:
    """为机关取当年的下一个文号，返回（序号, 文号）。中队、科室的文书用所属机关的序列。

    在调用方的事务里调用时，序列行一直锁到该事务结束：同一单位的下一次取号要等它提交或
    回滚，因此号码不重复；回滚则号码一并退回，也不留空号。
    """
    organ = organs.organ_of(department)
    with transaction.atomic():
        row = _locked_sequence(organ, year)
        row.last += 1
        row.save(update_fields=["last"])
    return row.last, format_number(organs.full_name(organ), year, row.last)


def _locked_sequence(department: Department, year: int) -> DocumentSequence:
    rows = DocumentSequence.objects.select_for_update()
    try:
        return rows.get(department=department, year=year)
    except DocumentSequence.DoesNotExist:
        pass
    try:
        # 保存点：两人同时为新的一年建序列行时，后到者撞上唯一约束，只回滚这一步，改为锁住先到者的行。
        with transaction.atomic():
            return DocumentSequence.objects.create(department=department, year=year)
    except IntegrityError:
        return rows.get(department=department, year=year)


# -- 填写模板 -------------------------------------------------------------------


def _template_bytes(kind: DocumentKind) -> bytes:
    custom = DocumentTemplate.objects.filter(kind=kind).first()
    if custom is not None and custom.file:
        try:
            with custom.file.open("rb") as handle:
                return handle.read()
        except FileNotFoundError:
            logger.warning("文书模板“%s”的文件 %s 已不存在，改用默认模板", kind.label, custom.file.name)
    return (TEMPLATE_DIR / f"{kind.value}.docx").read_bytes()


def _open(data: bytes):
    try:
        return docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx 对坏文件抛出多种异常（BadZipFile、KeyError……）
        raise ValueError(f"文书模板不是有效的 Word（.docx）文件：{exc}") from None


def _paragraphs(document) -> list:
    """正文、表格、页眉页脚、文本框里的每一个段落（w:p 元素）。"""
    found = []
    for part in document.part.package.iter_parts():
        if isinstance(part, XmlPart) and _FILLED_PARTS.match(str(part.partname)):
            found.extend(part.element.iter(_W_P))
    return found


def _own_runs(p) -> list:
    """段落自己的 run（含超链接、修订标记里的），不含嵌套在文本框里的段落的 run。"""
    runs = []
    for r in p.iter(_W_R):
        owner = r.getparent()
        while owner is not None and owner.tag != _W_P:
            owner = owner.getparent()
        if owner is p:
            runs.append(r)
    return runs


def _fill_paragraph(p, value_of: Callable[[str], str]) -> None:
    runs = _own_runs(p)
    texts = [r.text for r in runs]
    joined = "".join(texts)
    if "{{" not in joined:
        return
    # Word 常把"{{信访人}}"拆成"{{信""访人""}}"几段 run：在整段文字上找占位符，
    # 替换文字放进占位符开头所在的 run（沿用它的格式），其余各段删去占位符的部分。
    owner = [i for i, text in enumerate(texts) for _ in text]
    out: list[list[str]] = [[] for _ in runs]
    pos = 0
    for match in PLACEHOLDER.finditer(joined):
        for k in range(pos, match.start()):
            out[owner[k]].append(joined[k])
        out[owner[match.start()]].append(value_of(match.group(1)))
        pos = match.end()
    for k in range(pos, len(joined)):
        out[owner[k]].append(joined[k])
    for r, old, new in zip(runs, texts, ("".join(parts) for parts in out)):
        if new != old:  # 未改动的 run 原样保留（其中的制表符、图片等不受影响）
            r.text = new


def render(kind: str, context: Mapping[str, str]) -> bytes:
    """按种类取模板（管理员上传的优先），填入占位符，返回 .docx 的字节。"""
    kind = _kind(kind)
    document = _open(_template_bytes(kind))
    values = {name: _XML_UNSAFE.sub("", str(value)).replace("\r\n", "\n") for name, value in context.items()}

    def value_of(name: str) -> str:
        return values[name] if name in values else f"【缺少：{name}】"

    for p in _paragraphs(document):
        _fill_paragraph(p, value_of)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def placeholders_in(data: bytes) -> list[str]:
    """一个 .docx 模板里出现的占位符名（按出现顺序、不重复），供上传模板时校验。"""
    names: dict[str, None] = {}
    for p in _paragraphs(_open(data)):
        text = "".join(r.text for r in _own_runs(p))
        names.update((m.group(1), None) for m in PLACEHOLDER.finditer(text))
    return list(names)


# -- 占位符的值 -----------------------------------------------------------------


def cn_date(day: date | None, default: str = "") -> str:
    """公文日期写法："2026年3月2日"。"""
    return f"{day.year}年{day.month}月{day.day}日" if day else default


def _clause(text: str) -> str:
    """去掉句末标点，便于嵌进模板的句子里。"""
    return text.strip().rstrip("。；;，,.")


def _limit(code: str) -> int:
    # 与期限计算用同一张本地时限表：部署缩短了期限，告知书上写的也是缩短后的天数。
    return getattr(settings, "DEADLINE_LIMITS", {}).get(code, RULES[code].days)


def _earlier(matter: Matter, kind: DocumentKind, default: str) -> str:
    """本事项此前发出的某种文书，写作"《处理意见书》（大队A信访〔2026〕3号，2026年3月2日）"。"""
    doc = matter.documents.filter(kind=kind).order_by("-created_at", "-id").first()
    if doc is None:
        return default
    return f"《{kind.label}》（{doc.number}，{cn_date(clock.local_date(doc.created_at))}）"


def _petitioners(matter: Matter) -> tuple[str, str]:
    """第一件信访件的信访人姓名（多于5人写"等N人"）与第一人的通讯地址。"""
    first = matter.petitions.order_by("received_at", "id").first()
    people = list(first.petitioners.order_by("petitionpetitioner__id")) if first else []
    names = "、".join(p.name for p in people[:5]) + (f"等{len(people)}人" if len(people) > 5 else "")
    address = next((p.address for p in people if p.address), "")
    return names or "信访人", address or "（未登记）"


def _handling_due(matter: Matter) -> str:
    days = _limit(RuleCode.HANDLING) + matter.extension_days
    return cn_date(matter.handling_due, f"受理之日起第{days}日")


def _items(opinion: Opinion) -> str:
    """一件信访有几项请求时逐项写明决定（第三十二条），部分支持的写明支持的部分。"""
    rows = list(opinion.items.all())
    if len(rows) < 2:
        return ""
    parts = []
    for i, item in enumerate(rows, start=1):
        text = f"{i}. {_clause(item.request)}：{_ITEM_PHRASES.get(item.decision, item.get_decision_display())}"
        if item.decision == Outcome.SUPPORT and item.supported_part.strip():
            text += f"（支持的部分：{_clause(item.supported_part)}）"
        parts.append(text)
    return "对你（单位）的各项投诉请求逐项答复如下：" + "；".join(parts)


def _remedies(opinion: Opinion) -> str:
    remedies = [text for flag, text in (
        (opinion.remedy_compensation, "依法予以赔偿"),
        (opinion.remedy_apology, "向你（单位）赔礼道歉"),
        (opinion.remedy_correction, "纠正相关执法行为"),
    ) if flag]
    return f"本机关决定：{'；'.join(remedies)}。" if remedies else ""


def _review_phrase(opinion: Opinion, earlier: str, original_organ: str) -> str:
    """复查、复核意见自己的结论：维持 / 变更 / 撤销并责令重新办理（不是原处理意见的结论）。"""
    decision = Outcome(opinion.decision).label if opinion.decision else ""
    if opinion.review_outcome == ReviewOutcome.UPHOLD:
        return f"维持{earlier}（{decision}）" if decision else f"维持{earlier}"
    if opinion.review_outcome == ReviewOutcome.VARY:
        return f"变更{earlier}，{_OUTCOME_PHRASES.get(opinion.decision, decision)}"
    if opinion.review_outcome == ReviewOutcome.QUASH:
        return f"撤销{earlier}，责令{original_organ}重新办理"
    return ""


def _opinion(opinion: Opinion | None, *, earlier: str = "", original_organ: str = "") -> dict[str, str]:
    if opinion is None:
        return {"处理意见": "", "处理结论": "", "意见内容": "", "补救措施": ""}
    if opinion.kind == OpinionKind.REPLY:
        phrase = _items(opinion) or _OUTCOME_PHRASES.get(opinion.decision, "")
        conclusion = opinion.get_decision_display() if opinion.decision else ""
    else:
        phrase = _review_phrase(opinion, earlier, original_organ)
        conclusion = opinion.get_review_outcome_display() if opinion.review_outcome else ""
    return {"处理意见": phrase, "处理结论": conclusion, "意见内容": opinion.text.strip(),
            "补救措施": _remedies(opinion)}


def _window(what: str, action: str, code: str, article: str, superior: str) -> str:
    return (f"如对本{what}不服，可自收到本意见书之日起{_limit(code)}日内向{superior}请求{action}"
            f"（《信访工作条例》{article}）。")


def _referral_values(matter: Matter, kind: DocumentKind) -> dict[str, str]:
    referral = getattr(matter, "referral", None)
    if referral is None:
        return {}
    values = {"转送交办机关": referral.source, "转送交办": referral.get_kind_display(),
              "来文编号": referral.reference or "无", "收到日期": cn_date(referral.received_on)}
    if kind == DocumentKind.OBJECTION:
        values["异议理由"] = referral.objection_reason
    else:
        reply = organs.latest_opinion(matter, OpinionKind.REPLY)
        values.update({"报告期限": cn_date(referral.report_due, "（未指定）"), "报告内容": referral.report_text,
                       "办理结果": (f"{reply.organ_name}于{cn_date(reply.decided_on)}出具处理意见书"
                                f"（{reply.get_decision_display()}）" if reply else "（尚无处理意见）")})
    return values


def _kind_values(matter: Matter, kind: DocumentKind, organ, opinion: Opinion | None,
                 request: AppealRequest | None) -> dict[str, str]:
    disposal = matter.disposal or {}
    accepted = cn_date(matter.accepted_on, cn_date(clock.local_date()))
    if kind in TO_ORGAN:
        return _referral_values(matter, kind)
    if kind == DocumentKind.ACCEPTANCE:
        return {"受理日期": accepted, "办理时限": str(_limit(RuleCode.HANDLING)), "办理期限": _handling_due(matter)}
    if kind == DocumentKind.DECLINE:
        return {"不予受理理由": _clause(disposal.get("reason", "")),
                "告知去向": _clause(disposal.get("where_to_go", ""))}
    if kind == DocumentKind.TRANSFER:
        return {"转送机关": _clause(disposal.get("authority", ""))}
    if kind == DocumentKind.DIVERSION:
        code = disposal.get("channel", "")
        if not code:
            return {"法定途径": "", "途径告知": ""}
        notice = channel_notice_text(code)  # 未知代码在此抛出带中文说明的 ValueError
        return {"法定途径": STATUTORY_CHANNELS[code].name, "途径告知": notice}
    if kind == DocumentKind.EXTENSION:
        return {"受理日期": accepted, "延期天数": str(matter.extension_days) if matter.extension_days else "",
                "延期理由": _clause(disposal.get("extension_reason", "")), "办理期限": _handling_due(matter)}
    if kind == DocumentKind.REPLY:
        # 复查机关：作出本处理意见的机关的上一级机关（第三十五条）。
        superior = organs.full_name(organs.superior_organ(organ))
        return {"受理日期": accepted, **_opinion(opinion),
                "复查告知": _window("处理意见", "复查", RuleCode.REVIEW_REQUEST, "第三十五条", superior)}
    if kind == DocumentKind.REVIEW:
        earlier = _earlier(matter, DocumentKind.REPLY, "原办理机关的处理意见")
        original = organs.full_name(organs.replying_organ(matter))
        superior = organs.full_name(organs.superior_organ(organ))  # 复核机关：复查机关的上一级机关（第三十六条）
        return {"原处理意见书": earlier,
                "复查请求日期": cn_date(request.requested_on if request else matter.review_requested_on, "（未登记）"),
                **_opinion(opinion, earlier="原处理意见", original_organ=original),
                "复核告知": _window("复查意见", "复核", RuleCode.RE_REVIEW_REQUEST, "第三十六条", superior)}
    if kind == DocumentKind.RE_REVIEW:
        original = organs.full_name(organs.replying_organ(matter))
        return {"原复查意见书": _earlier(matter, DocumentKind.REVIEW, "复查意见"),
                "复核请求日期": cn_date(request.requested_on if request else matter.re_review_requested_on,
                                       "（未登记）"),
                **_opinion(opinion, earlier="复查意见", original_organ=original),
                "终结告知": "本复核意见为该信访事项的最终处理意见。依照《信访工作条例》第三十六条的规定，"
                            "你（单位）对复核意见不服，仍然以同一事实和理由提出投诉请求的，"
                            "信访部门和其他机关、单位不再受理。"}
    if kind == DocumentKind.LATE_APPEAL:
        if request is None:
            return {"请求种类": "", "期限届满日": ""}
        review = request.kind == OpinionKind.REVIEW
        earlier_kind = DocumentKind.REPLY if review else DocumentKind.REVIEW
        received = matter.reply_delivered_on if review else matter.review_delivered_on
        return {"请求种类": "复查" if review else "复核", "请求日期": cn_date(request.requested_on),
                "原意见书": _earlier(matter, earlier_kind, "原意见"), "送达日期": cn_date(received, "（未登记）"),
                "期限届满日": cn_date(request.window_closes),
                "请求依据": "第三十五条" if review else "第三十六条"}
    latest = matter.petitions.order_by("-received_at", "-id").first()
    return {"本次信访日期": cn_date(clock.local_date(latest.received_at) if latest else clock.local_date()),
            "原复核意见书": _earlier(matter, DocumentKind.RE_REVIEW, "复核意见")}


def document_context(matter: Matter, kind: str, *, extra: Mapping[str, str] | None = None,
                     opinion: Opinion | None = None, request: AppealRequest | None = None,
                     organ: Department | None = None) -> dict[str, str]:
    """某种文书全部占位符的值（取自事项与意见记录，``extra`` 中的值优先）。

    ``organ`` 是发文机关（默认为责任单位所属机关）；处理、复查、复核意见书的结论与内容取自
    ``opinion`` 这一行，而不是事项上的答复草稿。缺少发出该文书所必需的内容（如不予受理的理由、
    处理意见）时抛出 ``ValueError``，说明缺了哪一项。
    """
    kind = _kind(kind)
    organ = organs.organ_of(organ or matter.department)
    superior = organs.full_name(organs.superior_organ(organ))
    petitioner, address = _petitioners(matter)
    first = matter.petitions.order_by("received_at", "id").first()
    values = {
        "发文单位": organs.full_name(organ),
        "上级机关": superior,
        "文书名称": kind.label,
        "文号": "（未编号）",
        "成文日期": cn_date(clock.local_date()),
        "事项编号": matter.number,
        "事由": matter.title,
        "主要内容": matter.summary.strip(),
        "诉求": matter.requests.strip() or (first.requests.strip() if first else "") or "（未单独列明）",
        "信访人": petitioner,
        "信访人地址": address,
        "收到日期": cn_date(matter.received_on),
        **_kind_values(matter, kind, organ, opinion, request),
    }
    values.update({name: str(value) for name, value in (extra or {}).items()})
    missing = [name for name in _REQUIRED.get(kind, ()) if not values.get(name, "").strip()]
    if missing:
        raise ValueError(f"生成{kind.label}缺少：{'、'.join(missing)}")
    return values


# -- 发文 -----------------------------------------------------------------------


def _file_name(number: str, kind: str) -> str:
    return re.sub(r"[^\w]+", "-", f"{number}-{kind}").strip("-") + ".docx"


def issue_document(matter: Matter, kind: str, *, by, extra: Mapping[str, str] | None = None,
                   opinion: Opinion | None = None, request: AppealRequest | None = None,
                   organ: Department | None = None) -> Document:
    """发出一份文书：以机关名义取文号、按模板生成 .docx 并存档到事项上，记审计与时间线事件；返回文书记录。

    ``organ`` 为发文机关（复查、复核意见书由复查、复核机关发出）；默认为责任单位所属机关。

    必须在调用方的事务中调用：文号、文书记录、审计和事件要么一起生效，要么一起撤销。
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("issue_document 必须在调用方的事务中调用")
    kind = _kind(kind)
    moment = clock.now()
    today = clock.local_date(moment)
    # 先备齐内容再取号：缺材料时抛错，不占文号。
    department = organs.organ_of(organ or matter.department)
    values = document_context(matter, kind, extra={**(extra or {}), "成文日期": cn_date(today)},
                              opinion=opinion, request=request, organ=department)
    sequence, number = next_number(department, today.year)
    values["文号"] = number
    data = render(kind, values)
    actor = by if getattr(by, "is_authenticated", False) else None
    document = Document(
        matter=matter, kind=kind, number=number, department=department, year=today.year,
        sequence=sequence, sha256=hashlib.sha256(data).hexdigest(),
        to_petitioner=kind not in TO_ORGAN,  # 告知信访人的文书均须送达；异议书、办结报告发给机关
        created_by=actor, created_at=moment,
    )
    # 文件先写入存储：事务若回滚，留下的是无人引用的文件，不会有引用不存在文件的记录。
    document.file.save(_file_name(number, kind), ContentFile(data), save=False)
    document.save()
    record(actor=by, action="document.issue", obj=document,
           changes={"matter": [None, matter.number], "kind": [None, kind.value], "number": [None, number]})
    MatterEvent.objects.create(
        matter=matter, at=moment, actor=actor, action="document", reason=f"{kind.label}（{number}）",
        data={"document_id": document.pk, "kind": kind.value, "number": number},
    )
    return document
