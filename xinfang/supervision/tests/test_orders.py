"""督办单：签发与文号、.docx、坏输入不写任何东西、反馈、只有真正解决才能办结、复查推翻后重开。"""

import io
from datetime import date

import docx
import pytest
import time_machine
from django.core.exceptions import ValidationError

from xinfang.audit.models import AuditEvent
from xinfang.petitions.actions import appeals, decisions
from xinfang.petitions.models import Outcome
from xinfang.petitions.testing import register
from xinfang.supervision import accountability, orders
from xinfang.supervision.models import (
    AccountabilityRecord, Ground, Kind, OrderFeedback, OrderLevel, OrderStatus, SupervisionOrder,
)
from xinfang.supervision.testing import at, handled, inbox, replied

pytestmark = pytest.mark.django_db


def issue(cast, matter, **overrides):
    values = dict(by=cast.supervisor, matter=matter, level=OrderLevel.KEY, lead=cast.brigade_a,
                  participants=[cast.brigade_b], requirement="查清事实，依法答复。", due_on=date(2026, 4, 15))
    values.update(overrides)
    with time_machine.travel(at("2026-03-10 09:00"), tick=False):
        return orders.issue_order(**values)


def refused(cast, matter, message, **overrides):
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        issue(cast, matter, **overrides)
    assert message in " ".join(caught.value.messages)
    assert not SupervisionOrder.objects.exists() and AuditEvent.objects.count() == before


def test_an_order_gets_a_number_a_word_document_and_notifies_the_departments(cast, django_capture_on_commit_callbacks):
    m = handled(cast)
    with django_capture_on_commit_callbacks(execute=True):
        order = issue(cast, m)
    order.refresh_from_db()
    # 文号以机关名义编：信访科是支队的内设科室，用支队的序列（文号全系统唯一）。
    assert order.number == "测试支队信访〔2026〕1号" and order.status == OrderStatus.OPEN
    text = "\n".join(cell.text for table in docx.Document(io.BytesIO(order.file.read())).tables
                     for row in table.rows for cell in row.cells)
    assert "重点督办" in text and m.number in text and "大队A" in text and "大队B" in text and "2026年4月15日" in text
    assert [n.kind for n in inbox(cast.head_a)] == [Kind.ORDER]
    assert inbox(cast.handler_a, Kind.ORDER)
    assert AuditEvent.objects.filter(action="supervision.order.issue").count() == 1


def test_an_order_without_a_lead_department_is_refused_with_a_clear_message(cast):
    refused(cast, handled(cast), "请指定一个牵头单位", lead=None)


def test_an_order_due_in_the_past_is_refused(cast):
    refused(cast, handled(cast), "办结时限不能早于今天", due_on=date(2026, 3, 9))


def test_joint_supervision_needs_a_participating_department_and_leader_ownership_needs_a_leader(cast):
    m = handled(cast)
    refused(cast, m, "联合督办须至少有一个参与单位", level=OrderLevel.JOINT, participants=[])
    refused(cast, m, "领导包案须指明包案领导", level=OrderLevel.LEADER)
    refused(cast, m, "不是分管领导或局领导", level=OrderLevel.LEADER, owner_leader=cast.handler_b)


def test_a_handler_cannot_issue_orders(cast):
    refused(cast, handled(cast), "只有督办员", by=cast.handler_a)


def test_the_target_departments_give_written_feedback_and_outsiders_cannot(cast):
    order = issue(cast, handled(cast))
    orders.add_feedback(order, by=cast.head_a, department=cast.brigade_a, text="已调取录像，正在核查。")
    orders.add_feedback(order, by=cast.squad_handler, department=cast.brigade_a, text="中队已走访。")
    with pytest.raises(ValidationError, match="只有被督办单位的人员"):
        orders.add_feedback(order, by=cast.clerk, department=cast.brigade_a, text="……")
    assert OrderFeedback.objects.count() == 2
    assert inbox(cast.supervisor, Kind.FEEDBACK)


def test_an_order_closes_only_when_the_reply_is_sent_not_when_the_matter_is_forwarded(cast):
    m = handled(cast)
    order = issue(cast, m)
    with pytest.raises(ValidationError, match="尚未真正解决"):
        orders.close_order(order, by=cast.supervisor)
    replied(cast, m)
    orders.close_order(order, by=cast.supervisor, note="已答复。")
    assert SupervisionOrder.objects.get(pk=order.pk).status == OrderStatus.CLOSED


def test_a_transferred_matter_does_not_close_its_order(cast):
    with time_machine.travel(at("2026-03-02 09:00"), tick=False):
        m = register(cast.clerk, department=cast.brigade_a)
    order = issue(cast, m)
    with time_machine.travel(at("2026-03-11 09:00"), tick=False):
        decisions.transfer_matter(m, by=cast.clerk, authority="市交通运输局")
    with pytest.raises(ValidationError, match="尚未真正解决"):
        orders.close_order(order, by=cast.supervisor)


def test_feedback_on_a_closed_order_is_refused_and_nothing_is_written(cast):
    m = handled(cast)
    order = issue(cast, m)
    replied(cast, m)
    orders.close_order(order, by=cast.supervisor)
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError, match="督办单已办结，不能再反馈"):
        orders.add_feedback(order, by=cast.head_a, department=cast.brigade_a, text="补充材料。")
    assert not OrderFeedback.objects.exists() and AuditEvent.objects.count() == before


def test_a_review_that_overturns_the_reply_reopens_the_order_and_proposes_accountability(cast):
    m = handled(cast)
    order = issue(cast, m)
    m = replied(cast, m, outcome=Outcome.REJECT)
    with time_machine.travel(at("2026-03-24 09:00"), tick=False):  # 督办单在复查意见之前办结
        orders.close_order(order, by=cast.supervisor)
    with time_machine.travel(at("2026-03-25 09:00"), tick=False):
        m = appeals.request_review(m, by=cast.clerk)
        appeals.issue_review(m, by=cast.leader, review_outcome="vary", decision=Outcome.SUPPORT,
                             text="变更原处理意见，予以支持。")
    assert accountability.scan_events() == 1
    assert SupervisionOrder.objects.get(pk=order.pk).status == OrderStatus.OPEN
    [proposal] = AccountabilityRecord.objects.filter(ground=Ground.OVERTURNED)
    assert "不予支持" in proposal.detail and "变更" in proposal.detail
    # 复查后的意见还没办结：督办单仍不能办结。
    with pytest.raises(ValidationError, match="尚未真正解决"):
        orders.close_order(order, by=cast.supervisor)
    assert accountability.scan_events() == 0  # 安全窗口里重读到同一事件，不重复提出
    with time_machine.travel(at("2026-03-26 09:00"), tick=False):
        SupervisionOrder.objects.filter(pk=order.pk).update(status=OrderStatus.CLOSED, closed_at=at("2026-03-26 09:00"))
    accountability.scan_events()
    assert SupervisionOrder.objects.get(pk=order.pk).status == OrderStatus.CLOSED  # 重读不会再次重开


def test_a_review_that_upholds_the_reply_proposes_nothing(cast):
    m = replied(cast, handled(cast), outcome=Outcome.REJECT)
    with time_machine.travel(at("2026-03-25 09:00"), tick=False):
        m = appeals.request_review(m, by=cast.clerk)
        appeals.issue_review(m, by=cast.leader, review_outcome="uphold", text="维持。")
    assert accountability.scan_events() == 0
