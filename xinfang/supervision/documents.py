"""督办单 .docx：文号沿用信访文书的编号序列（petitions.documents.next_number），按模板填写后存到督办单上。"""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

import docx
from django.core.files.base import ContentFile
from django.db import transaction

from xinfang.audit.services import record
from xinfang.petitions.documents import PLACEHOLDER, cn_date

from .models import SupervisionOrder, TargetRole

TEMPLATE = Path(__file__).resolve().parent / "doc_templates" / "order.docx"
PLACEHOLDERS = ("文号", "督办级别", "事项编号", "事由", "收到日期", "牵头单位", "参与单位", "包案领导",
                "办结时限", "督办要求", "督办人", "发文单位", "成文日期")
_XML_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def order_context(order: SupervisionOrder) -> dict[str, str]:
    targets = list(order.targets.select_related("department"))
    lead = next((t.department.name for t in targets if t.role == TargetRole.LEAD), "")
    others = "、".join(t.department.name for t in targets if t.role == TargetRole.PARTICIPANT)
    return {
        "文号": order.number, "督办级别": order.get_level_display(), "事项编号": order.matter.number,
        "事由": order.matter.title, "收到日期": cn_date(order.matter.received_on), "牵头单位": lead,
        "参与单位": others or "无", "包案领导": str(order.owner_leader or "无"),
        "办结时限": cn_date(order.due_on), "督办要求": order.requirement, "督办人": str(order.issuer),
        "发文单位": order.issuing_department.name, "成文日期": cn_date(order.issued_at.date()),
    }


def fill(template: bytes, values: dict[str, str]) -> bytes:
    """把 {{名}} 替换为值（正文与表格里的段落；一个占位符被拆成几段 run 也能替换）。"""
    document = docx.Document(io.BytesIO(template))
    paragraphs = list(document.paragraphs)
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                paragraphs.extend(cell.paragraphs)
    for p in paragraphs:
        text = "".join(r.text for r in p.runs)
        if "{{" not in text:
            continue
        new = PLACEHOLDER.sub(lambda m: _XML_UNSAFE.sub("", values.get(m.group(1), f"【缺少：{m.group(1)}】")), text)
        p.runs[0].text = new  # 沿用第一段 run 的格式
        for r in p.runs[1:]:
            r.text = ""
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def render_order_document(order_id: int) -> str:
    """生成（或重新生成）督办单文件；返回存储路径。重复执行无害。"""
    with transaction.atomic():
        order = SupervisionOrder.objects.select_for_update(of=("self",)).select_related(
            "matter", "issuer", "issuing_department", "owner_leader").get(pk=order_id)
        data = fill(TEMPLATE.read_bytes(), order_context(order))
        digest = hashlib.sha256(data).hexdigest()
        if order.file and order.sha256 == digest:
            return order.file.name
        name = re.sub(r"[^\w]+", "-", f"{order.number}-督办单").strip("-") + ".docx"
        order.file.save(name, ContentFile(data), save=False)
        order.sha256 = digest
        order.save(update_fields=["file", "sha256"])
        record(actor=None, action="supervision.order.document", obj=order,
               changes={"file": [None, order.file.name], "sha256": [None, digest]})
        return order.file.name
