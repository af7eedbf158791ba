"""工作到达本人的提醒：交办给承办人、答复待审批、回访不满意、督办单与落实到期；重复运行不重复提醒，免打扰照旧。"""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
import time_machine

from xinfang.petitions.actions import decisions, handling
from xinfang.petitions.models import Outcome
from xinfang.petitions.testing import register
from xinfang.supervision import orders, work_notices
from xinfang.supervision.models import Kind, Notification, NotificationPreference, OrderLevel
from xinfang.supervision.testing import at, handled, inbox, replied

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.SMS_LOG_FILE = tmp_path / "sms.log"


def run(when: str) -> int:
    with time_machine.travel(at(when), tick=False):
        return work_notices.run()


def test_the_handler_is_told_when_a_matter_is_assigned_and_only_once(cast):
    m = handled(cast, when="2026-03-02 09:00")
    assert run("2026-03-02 09:05") >= 1
    notes = inbox(cast.handler_a, Kind.ASSIGNED)
    assert [n.matter_id for n in notes] == [m.pk] and "交办给您" in notes[0].title
    assert notes[0].url == f"/petitions/matters/{m.pk}/"
    run("2026-03-02 09:06")
    run("2026-03-03 09:06")
    assert len(inbox(cast.handler_a, Kind.ASSIGNED)) == 1  # 重复运行、重读事件都不再提醒


def test_assigning_to_a_unit_without_a_handler_tells_its_head(cast):
    with time_machine.travel(at("2026-03-02 09:00"), tick=False):
        m = decisions.accept_matter(register(cast.clerk, department=cast.brigade_b), by=cast.clerk)
        decisions.assign_matter(m, by=cast.clerk, lead=cast.brigade_b)
    run("2026-03-02 09:01")
    assert [n.title[:13] for n in inbox(cast.head_b, Kind.ASSIGNED)] == ["交办到本单位，请指定承办人"]


def test_the_head_is_told_when_a_draft_awaits_approval(cast):
    m = handled(cast)
    with time_machine.travel(at("2026-03-10 10:00"), tick=False):
        handling.draft_reply(m, by=cast.handler_a, outcome=Outcome.EXPLAIN, text="解释说明。")
    run("2026-03-10 10:01")
    notes = inbox(cast.head_a, Kind.APPROVAL)
    assert len(notes) == 1 and m.number in notes[0].title and "承办人A" in notes[0].body
    assert inbox(cast.handler_a, Kind.APPROVAL) == []


def test_the_head_is_told_when_a_reply_is_rated_unsatisfied(cast):
    from xinfang.portal.actions import feedback, visits

    m = replied(cast, handled(cast))
    with time_machine.travel(at("2026-03-21 10:00"), tick=False):
        visits.sync_return_visits()
        feedback.rate_reply(m, rating="unsatisfied", reason="赔偿没有到位。")
    run("2026-03-21 10:01")
    run("2026-03-21 10:02")
    notes = inbox(cast.head_a, Kind.DISSATISFIED)
    assert len(notes) == 1 and "不满意" in notes[0].title and notes[0].body == "赔偿没有到位。"


def test_the_supervisor_is_told_when_an_order_falls_due_once_per_due_date(cast):
    m = handled(cast)
    with time_machine.travel(at("2026-03-05 09:00"), tick=False):
        order = orders.issue_order(by=cast.supervisor, matter=m, level=OrderLevel.GENERAL, lead=cast.brigade_a,
                                   requirement="限期答复。", due_on=date(2026, 3, 12))
    run("2026-03-11 09:00")
    assert inbox(cast.supervisor, Kind.DUE) == []
    run("2026-03-12 08:00")
    run("2026-03-12 15:00")
    run("2026-03-13 08:00")
    notes = inbox(cast.supervisor, Kind.DUE)
    assert len(notes) == 1 and "今天到期" in notes[0].title and notes[0].url == f"/supervision/orders/{order.pk}/"


def test_the_supervisor_is_told_when_an_execution_item_is_still_open_after_30_days(cast):
    m = handled(cast)
    with time_machine.travel(at("2026-03-20 10:00"), tick=False):
        m = handling.draft_reply(m, by=cast.handler_a, outcome=Outcome.SUPPORT, text="予以支持。", apology=True)
        m = handling.approve_reply(m, by=cast.head_a)
    item = m.execution_items.get()
    decided = item.opinion.decided_on
    run(f"{decided + timedelta(days=29)} 10:00")
    assert inbox(cast.supervisor, Kind.DUE) == []
    run(f"{decided + timedelta(days=30)} 10:00")
    run(f"{decided + timedelta(days=31)} 10:00")
    notes = inbox(cast.supervisor, Kind.DUE)
    assert len(notes) == 1 and "落实到期" in notes[0].title and "第三十二条" in notes[0].body


def test_external_channels_wait_for_quiet_hours_while_the_inbox_shows_it_at_once(cast):
    cast.handler_a.email = "handler@example.invalid"
    cast.handler_a.save()
    NotificationPreference.objects.create(staff=cast.handler_a, email=True, sms=False,
                                          quiet_start=time(22, 0), quiet_end=time(7, 0))
    handled(cast, when="2026-03-02 23:00")
    run("2026-03-02 23:01")
    note = Notification.objects.get(recipient=cast.handler_a, kind=Kind.ASSIGNED)
    assert note.channels == ["email"] and note.sent_at is None
    assert note.deliver_after == at("2026-03-03 07:00")


def test_the_first_run_does_not_replay_old_history(cast):
    handled(cast, when="2026-01-05 09:00")
    run("2026-03-02 09:00")  # 两个月前的交办：首次启用时不再提醒
    assert inbox(cast.handler_a, Kind.ASSIGNED) == []
