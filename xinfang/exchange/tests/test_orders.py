"""12345 工单的接收：渠道、幂等、并发、内容不同的重复推送、报文错误。"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from xinfang.audit.models import AuditEvent
from xinfang.core import clock
from xinfang.exchange import services
from xinfang.exchange.models import MessageKind, OutboxMessage, WorkOrder
from xinfang.exchange.testing import Integration, order_payload
from xinfang.petitions.models import Channel, Matter, Petition, Status

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def counts():
    return (Petition.objects.count(), Matter.objects.count(), WorkOrder.objects.count(), OutboxMessage.objects.count())


def test_an_order_becomes_a_12345_petition_with_a_receipt_waiting_in_the_outbox(cast):
    petition, created = services.receive_order(token_or_integration=Integration(department_id=cast.brigade_a.pk),
                                               payload=order_payload())
    assert created
    assert petition.channel == Channel.REFERRAL and petition.get_channel_display() == "12345转办"
    matter = petition.matter
    assert matter.department == cast.brigade_a and matter.status == Status.REGISTERED
    assert matter.acceptance_due is not None  # 与登记页同一个登记动作：告知受理期限照样起算
    assert petition.received_at == datetime(2026, 3, 1, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    person = petition.petitioners.get()
    assert person.name == "李四" and person.phone == "13912345678"
    order = WorkOrder.objects.get()
    assert order.order_number == "GD20260301000123" and order.integration == "12345 市民服务热线"
    assert clock.localtime(order.deadline).isoformat() == "2026-03-15T23:59:59+08:00"
    message = OutboxMessage.objects.get()
    assert message.kind == MessageKind.RECEIVED and message.delivered_at is None
    assert message.payload["matter_number"] == matter.number and "13912345678" not in str(message.payload)
    assert "13912345678" not in str(order.fingerprints)  # 报文不以明文留存
    assert AuditEvent.objects.filter(action="exchange.order_received", matter_number=matter.number).exists()


def test_without_a_department_the_order_goes_to_the_root_like_online_petitions(cast):
    petition, _ = services.receive_order(token_or_integration=None, payload=order_payload())
    assert petition.matter.department == cast.detachment


def test_the_same_order_twice_is_the_same_petition_and_writes_nothing_more(cast):
    first, created = services.receive_order(token_or_integration=Integration(), payload=order_payload())
    before = counts()
    again, created_again = services.receive_order(token_or_integration=Integration(), payload=order_payload())
    assert created and not created_again and again.pk == first.pk
    assert counts() == before


def test_the_same_order_with_another_phone_spelling_is_still_the_same(cast):
    first, _ = services.receive_order(token_or_integration=None, payload=order_payload())
    payload = order_payload(contact={"name": "李四", "phone": "139 1234 5678", "address": "示范市人民路1号"})
    again, created = services.receive_order(token_or_integration=None, payload=payload)
    assert again.pk == first.pk and not created


def test_a_changed_duplicate_is_reported_naming_what_differs_and_not_merged(cast):
    first, _ = services.receive_order(token_or_integration=None, payload=order_payload())
    before = counts()
    with pytest.raises(services.OrderConflict) as caught:
        services.receive_order(token_or_integration=None, payload=order_payload(request="另一件事：违停罚款有异议。"))
    error = caught.value
    assert error.status == 409 and error.code == "duplicate_order_changed" and error.field == "order_number"
    assert "来电诉求" in error.message and first.matter.number in error.message and "未合并" in error.message
    assert counts() == before
    assert Petition.objects.get().content.startswith("来电人反映")


def test_a_racing_second_delivery_loses_on_the_unique_constraint_and_gets_the_first_petition(cast):
    """两次推送同时到达、都没查到已有工单：后到者在插入工单时撞上唯一约束，它的信访件随保存点回滚。"""
    first, _ = services.receive_order(token_or_integration=None, payload=order_payload())
    before = counts()
    order = services.parse_order(order_payload())
    petition, created = services._create(order, None, "x")  # 跳过预查，直接走插入：即并发时后到者的路径
    assert petition.pk == first.pk and not created
    assert counts() == before


@pytest.mark.parametrize(("payload", "field", "words"), [
    ({"ordered_at": "2026-03-01T09:30:00+08:00", "request": "x"}, "order_number", "缺少「工单号」"),
    (order_payload(order_number="GD 1/2"), "order_number", "只能由字母"),
    (order_payload(order_number=12345), "order_number", "应为文字"),
    (order_payload(ordered_at="昨天上午"), "ordered_at", "不是有效的时间"),
    (order_payload(ordered_at="2026-03-09T09:00:00+08:00"), "ordered_at", "晚于现在"),
    (order_payload(request="  "), "request", "缺少「来电诉求」"),
    (order_payload(contact="李四 139"), "contact", "应为对象"),
    (order_payload(contact={"name": "李四", "phone": "12345"}), "contact.phone", ""),
    (order_payload(deadline="2026-02-01"), "deadline", "早于工单时间"),
])
def test_a_bad_order_is_refused_with_the_field_in_chinese_and_nothing_written(cast, payload, field, words):
    with pytest.raises(services.OrderError) as caught:
        services.receive_order(token_or_integration=None, payload=payload)
    assert caught.value.status == 400 and field in caught.value.errors, caught.value.errors
    assert words in "".join(caught.value.errors[field])
    assert counts() == (0, 0, 0, 0)


def test_a_non_object_payload_is_refused():
    with pytest.raises(services.OrderError, match="JSON 对象"):
        services.parse_order(["order_number"])


def test_an_anonymous_caller_is_registered_under_a_placeholder_name(cast):
    petition, _ = services.receive_order(token_or_integration=None, payload=order_payload(contact=None))
    assert petition.petitioners.get().name == services.ANONYMOUS
