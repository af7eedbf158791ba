"""通知：站内信箱与未读数、免打扰时段（红牌不受限）、短信日志、失败重试、两个 worker 不重复发送。"""

import threading
import time
from datetime import time as clock_time

import pytest
from django.core import mail
from django.db import connection

from xinfang.org.services import update_staff
from xinfang.supervision import notifications
from xinfang.supervision.models import Kind, Notification
from xinfang.supervision.notifications import Draft, deliver_pending, next_quiet_end
from xinfang.supervision.testing import at

pytestmark = pytest.mark.django_db


def reachable(person, *, quiet=None):
    update_staff(person, by=None, phone="13900139000")
    person.email = f"{person.username}@example.gov.cn"
    person.save(update_fields=["email"])
    notifications.set_preferences(person, email=True, sms=True,
                                  quiet_start=quiet and clock_time(*quiet[0]), quiet_end=quiet and clock_time(*quiet[1]))


def send(person, kind, when):
    [n] = notifications.create([Draft(recipient_id=person.pk, kind=kind, title="测试通知")], now=at(when))
    return n


def test_quiet_hours_span_midnight_and_end_at_the_chosen_time():
    start, end = clock_time(22, 0), clock_time(7, 0)
    assert next_quiet_end(at("2026-05-07 21:59"), start, end) is None
    assert next_quiet_end(at("2026-05-07 23:00"), start, end) == at("2026-05-08 07:00")
    assert next_quiet_end(at("2026-05-08 06:30"), start, end) == at("2026-05-08 07:00")
    assert next_quiet_end(at("2026-05-08 07:00"), start, end) is None


def test_a_yellow_warning_waits_for_the_end_of_quiet_hours_but_a_red_one_goes_at_once(cast, settings):
    reachable(cast.handler_a, quiet=((22, 0), (7, 0)))
    yellow = send(cast.handler_a, Kind.YELLOW, "2026-05-07 23:00")
    red = send(cast.handler_a, Kind.RED, "2026-05-07 23:00")
    assert deliver_pending(now=at("2026-05-07 23:30")) == 1
    assert Notification.objects.get(pk=red.pk).sent_at is not None
    assert Notification.objects.get(pk=yellow.pk).sent_at is None
    assert deliver_pending(now=at("2026-05-08 06:59")) == 0
    assert deliver_pending(now=at("2026-05-08 07:01")) == 1
    assert len(mail.outbox) == 2
    lines = settings.SMS_LOG_FILE.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and "13900139000" in lines[0] and "测试通知" in lines[0]


def test_a_person_without_email_or_phone_gets_only_the_in_app_notice(cast):
    n = send(cast.handler_b, Kind.YELLOW, "2026-05-07 10:00")
    assert n.channels == [] and n.sent_at is not None
    assert deliver_pending(now=at("2026-05-07 10:01")) == 0


class Failing:
    def send(self, phone, text):
        raise ConnectionError("网关无响应")


def test_a_failed_delivery_is_retried_later_and_then_given_up(cast, settings):
    settings.SMS_BACKEND = "xinfang.supervision.tests.test_notifications.Failing"
    reachable(cast.handler_a)
    n = send(cast.handler_a, Kind.RED, "2026-05-07 10:00")
    assert deliver_pending(now=at("2026-05-07 10:00")) == 0
    n.refresh_from_db()
    assert (n.attempts, n.claimed_at, n.sent_at, n.last_error) == (1, None, None, "网关无响应")
    assert n.deliver_after > at("2026-05-07 10:00")
    for hour in range(11, 16):
        deliver_pending(now=at(f"2026-05-08 {hour}:00"))
    n.refresh_from_db()
    assert n.failed_at is not None and n.attempts == notifications.MAX_ATTEMPTS


def test_the_header_shows_the_unread_count_and_marking_read_clears_it(cast, login):
    send(cast.handler_a, Kind.YELLOW, "2026-05-07 10:00")
    n = send(cast.handler_a, Kind.RED, "2026-05-07 10:00")
    client = login(cast.handler_a)
    assert 'data-unread="2"' in client.get("/").content.decode()
    client.post("/supervision/inbox/read/", {"pk": n.pk})
    assert 'data-unread="1"' in client.get("/supervision/inbox/").content.decode()
    client.post("/supervision/inbox/read/")
    assert "data-unread" not in client.get("/").content.decode()


def test_nobody_can_mark_someone_elses_notification_read(cast, login):
    n = send(cast.handler_a, Kind.YELLOW, "2026-05-07 10:00")
    login(cast.handler_b).post("/supervision/inbox/read/", {"pk": n.pk})
    assert Notification.objects.get(pk=n.pk).read_at is None


def test_quiet_hours_need_both_ends(cast, login):
    response = login(cast.handler_a).post("/supervision/preferences/", {"email": "on", "quiet_start": "22:00"})
    assert "同时填写开始与结束时间" in response.content.decode()


class Recorder:
    sent: list = []
    lock = threading.Lock()

    def send(self, phone, text):
        time.sleep(0.01)  # 让两个 worker 有机会交错
        with self.lock:
            Recorder.sent.append(text)


@pytest.mark.django_db(transaction=True)
def test_two_workers_draining_the_outbox_at_once_never_send_the_same_notification(cast, settings):
    settings.SMS_BACKEND = "xinfang.supervision.tests.test_notifications.Recorder"
    Recorder.sent = []
    reachable(cast.handler_a)
    drafts = [Draft(recipient_id=cast.handler_a.pk, kind=Kind.RED, title=f"第{i}条") for i in range(40)]
    from django.db import transaction

    with transaction.atomic():
        notifications.create(drafts, now=at("2026-05-07 10:00"))
    counts, errors = [], []
    barrier = threading.Barrier(2)

    def worker():
        try:
            barrier.wait()
            counts.append(deliver_pending(now=at("2026-05-07 10:01")))
        except Exception as exc:  # 线程里的异常要带回主线程
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sum(counts) == 40
    assert sorted(Recorder.sent) == sorted(f"【信访督办】第{i}条" for i in range(40))
    assert not Notification.objects.filter(sent_at__isnull=True).exists()
