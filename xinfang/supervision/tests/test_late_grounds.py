"""告知超期（《信访工作条例》第四十四条第三项）与办结超期（第四十五条第一项）：动作做晚了即提出线索，
各有措辞，归到当时负责的机关。"""

from __future__ import annotations

import pytest
import time_machine

from xinfang.org.services import update_department
from xinfang.petitions.actions import appeals, decisions, handling, opinions
from xinfang.petitions.models import DeliveryMethod, Outcome, ReviewOutcome
from xinfang.petitions.testing import register
from xinfang.supervision import accountability
from xinfang.supervision.models import AccountabilityRecord, Ground

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_a_late_acceptance_notice_is_proposed_as_notice_late_against_the_accepting_organ(cast):
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False) as traveller:
        m = register(cast.clerk, department=cast.squadron_a1)  # 告知期限 3 月 17 日
        traveller.move_to("2026-03-20 09:00 +0800")
        m = decisions.accept_matter(m, by=cast.clerk)
        decisions.assign_matter(m, by=cast.clerk, lead=cast.brigade_b)  # 之后改由大队B办理，不影响归属
    assert accountability.scan_events() == 1
    record_ = AccountabilityRecord.objects.get()
    assert record_.ground == Ground.ACCEPTANCE_LATE and record_.department == cast.brigade_a
    assert "2026-03-17" in record_.detail and "第四十四条第三项" in record_.detail
    assert "告知超期" in record_.get_ground_display()


def test_an_acceptance_in_time_proposes_nothing(cast):
    decisions.accept_matter(register(cast.clerk, department=cast.brigade_a), by=cast.clerk)
    assert accountability.scan_events() == 0


def test_a_late_review_opinion_is_proposed_as_finish_late_against_the_reviewing_organ(cast):
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False) as traveller:
        m = register(cast.clerk, department=cast.brigade_a)
        m = decisions.accept_matter(m, by=cast.clerk)
        m = decisions.assign_matter(m, by=cast.clerk, lead=cast.brigade_a, handler=cast.handler_a)
        m = handling.start_handling(m, by=cast.handler_a)
        m = handling.draft_reply(m, by=cast.handler_a, outcome=Outcome.REJECT, text="不予支持。")
        m = handling.approve_reply(m, by=cast.head_a, delivered_on=None)
        m = opinions.record_delivery(m, by=cast.clerk, method=DeliveryMethod.IN_PERSON,
                                     delivered_on=m.opinions.get().decided_on, proof="签收")
        m = appeals.request_review(m, by=cast.clerk)  # 复查期限 4 月 1 日
        traveller.move_to("2026-04-10 09:00 +0800")
        appeals.issue_review(m, by=cast.leader, review_outcome=ReviewOutcome.UPHOLD, text="维持。")
    assert accountability.scan_events() == 1
    record_ = AccountabilityRecord.objects.get()
    assert record_.ground == Ground.HANDLING_LATE and record_.department == cast.detachment
    assert "复查意见应于 2026-04-01 前作出" in record_.detail and "第四十五条第一项" in record_.detail


def test_a_late_reply_is_proposed_against_the_replying_organ(cast):
    update_department(cast.brigade_a, by=None, full_name="示范市公安局交通警察支队一大队")
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False) as traveller:
        m = register(cast.clerk, department=cast.brigade_a)
        m = decisions.accept_matter(m, by=cast.clerk)
        m = decisions.assign_matter(m, by=cast.clerk, lead=cast.squadron_a1, handler=cast.squad_handler)
        m = handling.start_handling(m, by=cast.squad_handler)
        traveller.move_to("2026-05-08 09:00 +0800")  # 办理期限 5 月 6 日
        m = handling.draft_reply(m, by=cast.squad_handler, outcome=Outcome.EXPLAIN, text="解释说明。")
        handling.approve_reply(m, by=cast.head_a)
    assert accountability.scan_events() == 1
    record_ = AccountabilityRecord.objects.get()
    assert (record_.ground, record_.department) == (Ground.HANDLING_LATE, cast.brigade_a)  # 中队以大队名义办理
