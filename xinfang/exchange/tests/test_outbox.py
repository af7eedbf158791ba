"""12345 回传：办理记录写成消息，真实的本机接收端先宕机、再答 503、后恢复——每条消息恰好送达一次。"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.core.management import call_command

from xinfang.audit.models import AuditEvent
from xinfang.core import clock
from xinfang.exchange import outbox, services
from xinfang.exchange.models import MessageKind, OutboxMessage
from xinfang.exchange.testing import Integration, Receiver, order_payload
from xinfang.petitions.actions import decisions, handling
from xinfang.petitions.models import Outcome

pytestmark = pytest.mark.django_db
SECRET = "shared-secret-for-tests-0123456789"


@pytest.fixture
def receiver(settings):
    receiver = Receiver()
    settings.EXCHANGE_12345_ENDPOINT = receiver.url
    settings.EXCHANGE_12345_SECRET = SECRET
    settings.EXCHANGE_12345_TIMEOUT = 2
    yield receiver
    receiver.close()


def receive(cast, number="GD1"):
    petition, _ = services.receive_order(token_or_integration=Integration(department_id=cast.brigade_a.pk),
                                         payload=order_payload(number))
    return petition.matter


def handled_to_the_end(cast, matter):
    matter = decisions.accept_matter(matter, by=cast.clerk)
    matter = decisions.assign_matter(matter, by=cast.clerk, lead=cast.brigade_a, handler=cast.handler_a)
    matter = handling.start_handling(matter, by=cast.handler_a)
    handling.add_note(matter, by=cast.handler_a, text="内部记录：已电话联系来电人。")
    matter = handling.draft_reply(matter, by=cast.handler_a, outcome=Outcome.SUPPORT, text="经核查，已延长绿灯时间。")
    matter = handling.approve_reply(matter, by=cast.head_a)
    return handling.close_matter(matter, by=cast.clerk)


def drain_all(now):
    total, sent = 0, None
    while sent != 0:
        sent = outbox.deliver_pending(now=now)
        total += sent
    return total


def test_acceptance_progress_and_result_are_written_once_from_the_matter_events(cast):
    matter = handled_to_the_end(cast, receive(cast))
    assert outbox.scan_events() == 5
    assert outbox.scan_events() == 0  # 游标与安全窗口：重读也不重写
    kinds = list(OutboxMessage.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == [MessageKind.RECEIVED, MessageKind.ACCEPTANCE, MessageKind.PROGRESS, MessageKind.PROGRESS,
                     MessageKind.RESULT, MessageKind.RESULT]
    result = OutboxMessage.objects.filter(kind=MessageKind.RESULT).order_by("id").first().payload
    assert result["text"] == "经核查，已延长绿灯时间。" and result["decision_label"] == "予以支持"
    assert result["matter_number"] == matter.number and result["order_number"] == "GD1"
    assert "内部记录" not in json.dumps([m.payload for m in OutboxMessage.objects.all()], ensure_ascii=False)


def test_events_of_matters_without_a_work_order_are_not_sent(cast):
    from xinfang.petitions.testing import register

    decisions.accept_matter(register(cast.clerk, department=cast.brigade_a), by=cast.clerk)
    assert outbox.scan_events() == 0 and not OutboxMessage.objects.exists()


def test_a_receiver_down_then_failing_then_up_gets_every_message_exactly_once_in_order(cast, receiver):
    decisions.accept_matter(receive(cast, "GD1"), by=cast.clerk)
    receive(cast, "GD2")
    outbox.scan_events()
    keys = list(OutboxMessage.objects.order_by("id").values_list("idempotency_key", flat=True))
    assert len(keys) == 3
    t0 = clock.now()

    # 连接被拒绝：每张工单只试了排在最前的那条，后面的不越过它
    assert outbox.deliver_pending(now=t0) == 0
    tried = OutboxMessage.objects.filter(attempts=1)
    assert tried.count() == 2 and all("连不上对端" in m.last_error for m in tried)
    assert outbox.deliver_pending(now=t0 + timedelta(seconds=10)) == 0  # 退避期内不再试
    assert OutboxMessage.objects.filter(attempts=2).count() == 0

    receiver.up()
    receiver.failing = 2  # 恢复后先答两次 503
    assert outbox.deliver_pending(now=t0 + timedelta(seconds=31)) == 0
    assert OutboxMessage.objects.filter(attempts=2, last_status=503).count() == 2
    assert outbox.deliver_pending(now=t0 + timedelta(seconds=60)) == 0  # 第二次失败后退避 60 秒

    assert drain_all(t0 + timedelta(seconds=92)) == 3
    assert drain_all(t0 + timedelta(hours=5)) == 0  # 送达的不再发
    assert sorted(receiver.accepted) == sorted(keys)
    ok = [r for r in receiver.requests if r["headers"]["Idempotency-Key"] in keys]
    assert len(ok) == 2 + 3  # 两次 503，然后每条一次
    arrived = [r["headers"]["Idempotency-Key"] for r in receiver.requests][2:]
    assert arrived.index(keys[0]) < arrived.index(keys[1])  # 同一工单：签收先于受理结果
    assert OutboxMessage.objects.filter(delivered_at__isnull=False, last_status=200).count() == 3
    assert AuditEvent.objects.filter(action="exchange.message_delivered").count() == 3


def test_each_request_carries_the_token_a_valid_signature_and_the_idempotency_key(cast, receiver):
    receiver.up()
    receive(cast)
    assert drain_all(clock.now()) == 1
    request = receiver.requests[0]
    headers = request["headers"]
    assert headers["Authorization"] == f"Bearer {SECRET}"
    expected = "sha256=" + hmac.new(SECRET.encode(), headers["X-Xinfang-Timestamp"].encode() + b"." + request["body"],
                                    hashlib.sha256).hexdigest()
    assert headers["X-Xinfang-Signature"] == expected
    assert headers["Idempotency-Key"] == json.loads(request["body"])["message_id"]


def test_a_worker_that_crashes_after_sending_resends_the_same_key_and_the_receiver_keeps_one(cast, receiver):
    receiver.up()
    receive(cast)
    message = OutboxMessage.objects.get()
    now = clock.now()
    assert outbox.claim(message.pk, now)
    assert not outbox.claim(message.pk, now)  # 另一个 worker 认领不到
    outbox.post(OutboxMessage.objects.get(pk=message.pk))  # 发出去了……然后进程崩溃，没来得及记下
    assert outbox.deliver_pending(now=now + timedelta(minutes=1)) == 0  # 租约未过，不重发
    assert outbox.deliver_pending(now=now + timedelta(minutes=6)) == 1  # 租约过期：重发同一个幂等键
    assert [r["headers"]["Idempotency-Key"] for r in receiver.requests] == [message.idempotency_key] * 2
    assert list(receiver.accepted) == [message.idempotency_key]  # 接收方只留一条
    assert outbox.deliver_pending(now=now + timedelta(hours=1)) == 0


def test_a_permanent_refusal_stops_retrying_and_an_operator_requeues_it(cast, receiver):
    receiver.up()
    receiver.failing, receiver.fail_with = 1, 400
    receive(cast)
    assert outbox.deliver_pending() == 0
    message = OutboxMessage.objects.get()
    assert message.failed_at is not None and message.last_status == 400 and "400" in message.last_error
    assert outbox.deliver_pending(now=clock.now() + timedelta(days=1)) == 0  # 不再自动重试，但没丢
    assert outbox.retry_failed() == 1
    assert outbox.deliver_pending() == 1
    assert list(receiver.accepted) == [message.idempotency_key]


def test_after_many_failures_the_message_is_kept_as_failed_with_its_last_error(cast, receiver):
    receive(cast)
    now = clock.now()
    for _ in range(outbox.MAX_ATTEMPTS):
        outbox.deliver_pending(now=now)
        now += outbox.BACKOFF_CAP
    message = OutboxMessage.objects.get()
    assert message.failed_at is not None and message.attempts == outbox.MAX_ATTEMPTS and message.delivered_at is None
    assert "连不上对端" in message.last_error
    assert AuditEvent.objects.filter(action="exchange.message_failed").count() == 1


def test_backoff_doubles_from_thirty_seconds_up_to_an_hour():
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3, 4, 8, 20)] == [30, 60, 120, 240, 3600, 3600]


def test_without_an_endpoint_messages_wait_in_the_queue(cast, settings):
    settings.EXCHANGE_12345_ENDPOINT = ""
    receive(cast)
    assert outbox.deliver_pending() == 0
    assert OutboxMessage.objects.get().attempts == 0


def test_the_operator_commands_send_and_report(cast, receiver, capsys):
    decisions.accept_matter(receive(cast), by=cast.clerk)
    call_command("exchange", "status")
    out = capsys.readouterr().out
    assert "待发送 1 条" in out and receiver.url in out
    call_command("exchange", "send")
    out = capsys.readouterr().out
    assert "新写入 1 条" in out and "本次送达 0 条" in out and "重试中" in out  # 对端未起
    receiver.up()
    OutboxMessage.objects.update(next_attempt_at=clock.now())
    call_command("exchange", "send")
    out = capsys.readouterr().out
    assert "本次送达 2 条" in out and "已送达 2 条" in out
    assert len(receiver.accepted) == 2


def test_the_cursor_moves_past_unrelated_events_so_the_next_scan_does_not_start_over(cast):
    from xinfang.core import cursors
    from xinfang.petitions.models import MatterEvent
    from xinfang.petitions.testing import register

    register(cast.clerk, department=cast.brigade_a)
    assert outbox.scan_events() == 0
    assert cursors.position(outbox.CURSOR) == MatterEvent.objects.order_by("-pk").first().pk
    decisions.accept_matter(receive(cast), by=cast.clerk)  # 之后的工单照样读到
    assert outbox.scan_events() == 1


@pytest.mark.parametrize(("env", "words"), [
    ({"XINFANG_12345_ENDPOINT": "ftp://12345.example/cb"}, "XINFANG_12345_ENDPOINT 须以 http:// 或 https:// 开头"),
    ({"XINFANG_12345_ENDPOINT": "https://12345.example/cb", "XINFANG_12345_SECRET": "short"}, "XINFANG_12345_SECRET"),
])
def test_a_bad_endpoint_setting_stops_start_up_naming_the_variable(env, words, tmp_path):
    import os
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], capture_output=True, text=True,
                            env={**os.environ, "DJANGO_SETTINGS_MODULE": "xinfang.settings",
                                 "XINFANG_VAR_DIR": str(tmp_path), **env})
    assert result.returncode != 0 and words in result.stderr
