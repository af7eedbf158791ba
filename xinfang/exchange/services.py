"""12345 转办工单的接收：写成渠道为"12345转办"的信访件，与登记页走同一个登记动作；按工单号幂等。

接口层（api 应用的 ``POST /api/v1/exchange/12345/orders``）、命令与测试都调用 ``receive_order``。
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from xinfang.audit.services import record
from xinfang.core import clock, crypto
from xinfang.org.models import Department
from xinfang.petitions.actions.intake import PetitionerInput, PetitionInput, register_petition
from xinfang.petitions.models import Category, Channel, MatterEvent, Petition

from .errors import OrderConflict, OrderError
from .models import OutboxMessage, WorkOrder

__all__ = ["OrderConflict", "OrderError", "receive_order"]

ORDER_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,39}$")
ANONYMOUS = "12345来电人（未留姓名）"
# 对方时钟略快几分钟不算错：工单时间晚于现在不超过这么久的，按现在登记。
CLOCK_SKEW = timedelta(minutes=5)
FIELD_LABELS = {
    "order_number": "工单号", "ordered_at": "工单时间", "request": "来电诉求", "title": "标题",
    "contact": "联系人", "contact.name": "来电人姓名", "contact.phone": "联系电话", "contact.address": "联系地址",
    "category": "诉求类别", "deadline": "办理时限",
}
# 登记动作报错的字段 → 工单里的字段。
INTAKE_FIELDS = {"content": "request", "phone": "contact.phone", "id_number": "contact", "petitioners": "contact",
                 "address": "contact.address", "received_at": "ordered_at"}
FINGERPRINTED = ("ordered_at", "request", "title", "contact", "category", "deadline")
FINGERPRINT_CONTEXT = "exchange.12345.order"


@dataclass(frozen=True)
class Order:
    number: str
    ordered_at: datetime
    request: str
    title: str
    contact_name: str
    contact_phone: str
    contact_address: str
    category: str
    deadline: datetime | None

    def parts(self) -> dict[str, str]:
        """逐项的规范文本（摘要用）：再推送一次同一张工单，每一项都得到同样的文本。"""
        return {
            "ordered_at": self.ordered_at.isoformat(), "request": self.request, "title": self.title,
            "contact": json.dumps([self.contact_name, crypto.normalise_phone(self.contact_phone),
                                   self.contact_address], ensure_ascii=False),
            "category": self.category, "deadline": self.deadline.isoformat() if self.deadline else "",
        }


def _text(payload: dict, key: str, *, label: str, limit: int, required: bool = False, errors: dict) -> str:
    value = payload.get(key)
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.setdefault(label, []).append(f"「{FIELD_LABELS[label]}」应为文字，收到 {type(value).__name__}")
        return ""
    value = value.strip()
    if required and not value:
        errors.setdefault(label, []).append(f"缺少「{FIELD_LABELS[label]}」")
    elif len(value) > limit:
        errors.setdefault(label, []).append(f"「{FIELD_LABELS[label]}」不能超过 {limit} 个字，现有 {len(value)} 个")
    return value


def _moment(raw, *, field: str, errors: dict, end_of_day: bool = False) -> datetime | None:
    """ISO 8601 的时间（无时区按北京时间）或日期（办理时限为日期时取当日 23:59:59）。"""
    if raw in (None, ""):
        return None
    if not isinstance(raw, str):
        errors.setdefault(field, []).append(f"「{FIELD_LABELS[field]}」应为 ISO 8601 格式的文字，如 2026-03-01T09:30:00+08:00")
        return None
    raw = raw.strip()
    # 只有日期的（"2026-03-15"）按日期读：fromisoformat 会把它当作零点。
    moment = parse_datetime(raw) if len(raw) > 10 else None
    if moment is None:
        day: date | None = None
        try:
            day = parse_date(raw)
        except ValueError:
            day = None
        if day is None:
            errors.setdefault(field, []).append(f"「{FIELD_LABELS[field]}」不是有效的时间：{raw[:40]}"
                                                "（应为 ISO 8601，如 2026-03-01T09:30:00+08:00）")
            return None
        moment = datetime.combine(day, time(23, 59, 59) if end_of_day else time(0, 0))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def parse_order(payload) -> Order:
    """把工单报文读成 Order；有问题抛 OrderError（全部问题一次说清）。"""
    if not isinstance(payload, dict):
        raise OrderError("payload", "工单应为一个 JSON 对象")
    errors: dict[str, list[str]] = {}
    number = _text(payload, "order_number", label="order_number", limit=40, required=True, errors=errors)
    if number and "order_number" not in errors and not ORDER_NUMBER.match(number):
        errors["order_number"] = ["「工单号」只能由字母、数字、连字符和下划线组成"]
    if payload.get("ordered_at") in (None, ""):
        errors.setdefault("ordered_at", []).append("缺少「工单时间」")
    ordered_at = _moment(payload.get("ordered_at"), field="ordered_at", errors=errors)
    request = _text(payload, "request", label="request", limit=5000, required=True, errors=errors)
    title = _text(payload, "title", label="title", limit=120, errors=errors)
    category = _text(payload, "category", label="category", limit=100, errors=errors)
    contact = payload.get("contact") or {}
    if not isinstance(contact, dict):
        errors.setdefault("contact", []).append("「联系人」应为对象，如 {\"name\": \"…\", \"phone\": \"…\"}")
        contact = {}
    name = _text(contact, "name", label="contact.name", limit=100, errors=errors)
    phone = _text(contact, "phone", label="contact.phone", limit=20, errors=errors)
    address = _text(contact, "address", label="contact.address", limit=200, errors=errors)
    deadline = _moment(payload.get("deadline"), field="deadline", errors=errors, end_of_day=True)
    now = clock.now()
    if ordered_at is not None and ordered_at > now + CLOCK_SKEW:
        errors.setdefault("ordered_at", []).append("「工单时间」晚于现在：请核对 12345 平台的时间")
    if ordered_at is not None and deadline is not None and deadline < ordered_at:
        errors.setdefault("deadline", []).append("「办理时限」早于工单时间")
    if errors:
        raise OrderError(errors)
    return Order(number=number, ordered_at=ordered_at, request=request, title=title, contact_name=name,
                 contact_phone=phone, contact_address=address, category=category, deadline=deadline)


def fingerprints(order: Order) -> dict[str, str]:
    return {name: crypto.blind_index(text or "-", context=FINGERPRINT_CONTEXT) for name, text in order.parts().items()}


def changed_fields(existing: WorkOrder, order: Order) -> list[str]:
    """与已接收的工单相比，哪些项不同（换过数据密钥也认得出同一内容：逐把密钥比）。"""
    changed = []
    for name, text in order.parts().items():
        if existing.fingerprints.get(name) not in crypto.blind_indexes(text or "-", context=FINGERPRINT_CONTEXT):
            changed.append(name)
    return changed


def _department(token_or_integration) -> Department:
    from xinfang.portal.actions.submission import intake_department

    department_id = getattr(token_or_integration, "department_id", None)
    if department_id:
        department = Department.objects.filter(pk=department_id, is_active=True).first()
        if department is not None:
            return department
    return intake_department(None)


def _category(text: str) -> Category | None:
    """12345 的诉求类别按名称对上本系统的类别（"上级 / 下级"或叶子名）；对不上的只留文字，由登记员补选。"""
    if not text:
        return None
    parent, _, leaf = text.rpartition("/")
    found = Category.objects.filter(name=leaf.strip(), is_active=True)
    if parent.strip():
        found = found.filter(parent__name=parent.strip())
    return found.first() if found.count() == 1 else None


def receive_order(*, token_or_integration, payload: dict) -> tuple[Petition, bool]:
    """接收一张 12345 转办工单，返回（信访件, 是否新建）。

    - ``token_or_integration``：调用方的集成——有 ``.name``（记为来源系统）与可选的 ``.department_id``
      （工单交给哪个单位；没有则交组织树的根，同网上信访）的任何对象，如 api 的令牌；命令、测试可传 None。
    - ``payload``：``order_number``（必填，≤40，字母数字-_）、``ordered_at``（必填，ISO 8601，无时区按北京时间）、
      ``request``（必填，来电诉求）、``title``、``contact``（``{"name", "phone", "address"}``）、
      ``category``（12345 的诉求类别，按名称对上本系统类别）、``deadline``（12345 的办理时限，时间或日期）。

    同一工单号再来一次、内容相同：返回原来那件（False），不多登记；内容不同：抛 OrderConflict（409），
    指出哪几项不同，不合并。报文有问题：抛 OrderError（400），字段名与中文说明，什么也不写。
    新登记的信访件与签收回传消息、审计在同一事务里写入。
    """
    order = parse_order(payload)
    integration = str(getattr(token_or_integration, "name", "") or "")[:100]
    existing = WorkOrder.objects.filter(order_number=order.number).select_related("petition", "matter").first()
    if existing is not None:
        return _duplicate(existing, order), False
    return _create(order, token_or_integration, integration)


def _create(order: Order, token_or_integration, integration: str) -> tuple[Petition, bool]:
    # 并发：两次推送同时到达时都没查到已有工单；工单号的唯一约束让后到者在插入时失败，它的信访件随保存点回滚，
    # 改按重复处理——所以同一工单号永远只有一件信访件。
    try:
        with transaction.atomic():
            return _register(order, token_or_integration, integration), True
    except IntegrityError:
        existing = WorkOrder.objects.filter(order_number=order.number).select_related("petition", "matter").first()
        if existing is None:
            raise
        return _duplicate(existing, order), False


def _register(order: Order, token_or_integration, integration: str) -> Petition:
    department = _department(token_or_integration)
    received_at = min(order.ordered_at, clock.now())
    content = order.request
    if order.category:
        content += f"\n（12345 诉求类别：{order.category}）"
    try:
        petition = register_petition(PetitionInput(
            channel=Channel.REFERRAL, received_at=received_at, content=content, title=order.title,
            requests=order.request, involved_department=department, category=_category(order.category),
            petitioners=[PetitionerInput(name=order.contact_name or ANONYMOUS, phone=order.contact_phone,
                                         address=order.contact_address)],
        ), by=None)
    except ValidationError as exc:
        raise OrderError({INTAKE_FIELDS.get(name, name): messages
                          for name, messages in exc.message_dict.items()}) from None
    now = clock.now()
    work_order = WorkOrder.objects.create(
        order_number=order.number, petition=petition, matter=petition.matter, integration=integration,
        ordered_at=order.ordered_at, deadline=order.deadline, category_text=order.category,
        fingerprints=fingerprints(order), received_at=now,
    )
    event = MatterEvent.objects.filter(matter=petition.matter, data__petition_id=petition.pk).order_by("-pk").first()
    from .outbox import message_for_receipt

    OutboxMessage.objects.create(**message_for_receipt(work_order, event, now))
    record(actor=None, action="exchange.order_received", obj=work_order, changes={
        "order_number": [None, order.number], "matter": [None, petition.matter.number],
        "integration": [None, integration],
    })
    return petition


def _duplicate(existing: WorkOrder, order: Order) -> Petition:
    """重复推送：内容相同答原来那件；不同则报告（不写任何东西——接口层对每次调用另记审计）。"""
    changed = changed_fields(existing, order)
    if changed:
        names = "、".join(FIELD_LABELS[name] for name in changed)
        raise OrderConflict("order_number", (
            f"工单号 {order.number} 已于 {clock.localtime(existing.received_at):%Y-%m-%d %H:%M} 接收为信访事项 "
            f"{existing.matter.number}，本次推送的{names}与当时不同：未合并。"
            "如工单内容确有变更，请联系信访部门在事项页更正，或以新工单号转办。"))
    return existing.petition
