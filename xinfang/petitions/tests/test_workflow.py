"""生命周期：走遍转换表的每一条路径；每个动作的状态与角色限制；版本冲突与并发。"""

import threading
from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import Http404

from xinfang.core import clock
from xinfang.org.models import DepartmentKind, RoleCode, Staff
from xinfang.org.services import create_department, create_staff, update_department
from xinfang.org.testing import PASSWORD
from xinfang.petitions import workflow
from xinfang.petitions.actions import appeals, decisions, handling, opinions
from xinfang.petitions.models import (
    AppealRequest, DeliveryMethod, Document, DocumentKind, Matter, MatterEvent, Outcome, ReviewOutcome, Status,
)
from xinfang.petitions.testing import register

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def fresh(matter) -> Matter:
    return Matter.objects.get(pk=matter.pk)


def handled(cast) -> Matter:
    """一件已交办大队A、由承办人A办理中的事项。"""
    m = register(cast.clerk, department=cast.brigade_a)
    m = decisions.accept_matter(m, by=cast.clerk)
    m = decisions.assign_matter(m, by=cast.clerk, lead=cast.brigade_a, handler=cast.handler_a)
    return handling.start_handling(m, by=cast.handler_a)


def replied(cast, *, deliver: bool = True) -> Matter:
    """一件大队A已答复（部分请求予以支持、道歉）的事项；默认当场送达。"""
    m = handled(cast)
    m = handling.draft_reply(m, by=cast.handler_a, outcome=Outcome.SUPPORT, text="经核查，撤销记分部分属实。",
                             apology=True)
    m = handling.approve_reply(m, by=cast.head_a)
    if deliver:
        m = opinions.record_delivery(m, by=cast.clerk, method=DeliveryMethod.IN_PERSON, delivered_on=clock.today(),
                                     proof="信访人签收")
    return m


def with_bureau(cast):
    """在测试支队之上加一级系统内的公安局（机关），配一名局里的单位负责人。"""
    bureau = create_department(by=None, name="测试市公安局", kind=DepartmentKind.OTHER, is_organ=True,
                               full_name="测试市公安局")
    update_department(cast.detachment, by=None, parent=bureau, full_name="测试市公安局交通警察支队")
    chief = create_staff(by=None, username="chief", name="局法制负责人", password=PASSWORD, department=bureau,
                         roles=[RoleCode.UNIT_HEAD])
    for name, person in cast.everyone().items():  # 部门路径变了：重新取人（连同其部门）
        setattr(cast, name, Staff.objects.get(pk=person.pk))
    for name in ("detachment", "office", "leadership", "brigade_a", "squadron_a1", "brigade_b"):
        getattr(cast, name).refresh_from_db()
    return bureau, chief


def test_the_main_path_walks_from_registration_to_termination(cast):
    visited = []
    bureau, chief = with_bureau(cast)
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False) as traveller:
        m = register(cast.clerk, department=cast.brigade_a)
        assert (m.status, m.acceptance_due) == (Status.REGISTERED, date(2026, 3, 17))
        m = decisions.accept_matter(m, by=cast.clerk); visited.append("accept")
        assert m.handling_due == date(2026, 5, 6)  # 3 月 2 日起 60 日为 5 月 1 日，劳动节假期顺延至 5 月 6 日
        m = decisions.assign_matter(m, by=cast.clerk, lead=cast.brigade_a, co=[cast.brigade_b], handler=cast.handler_a)
        visited.append("assign")
        m = handling.start_handling(m, by=cast.handler_a); visited.append("start")
        handling.add_note(m, by=cast.handler_a, text="调取了抓拍照片。")
        traveller.move_to("2026-03-10 09:00 +0800")
        m = handling.start_hearing(m, by=cast.head_a, on=date(2026, 3, 10)); visited.append("start_hearing")
        assert m.current_due == date(2026, 5, 6)  # 办理期间的听证不停60日办理期限（第三十四条）
        traveller.move_to("2026-03-20 09:00 +0800")
        m = handling.end_hearing(m, by=cast.head_a, on=date(2026, 3, 20)); visited.append("end_hearing")
        assert m.handling_due == date(2026, 5, 6)
        m = handling.draft_reply(m, by=cast.handler_a, outcome=Outcome.SUPPORT, text="撤销处罚。", correction=True)
        visited.append("draft_reply")
        m = handling.return_draft(m, by=cast.head_a, reason="请写明依据。"); visited.append("return_draft")
        m = handling.draft_reply(m, by=cast.handler_a, outcome=Outcome.SUPPORT, text="依据……撤销处罚。", correction=True)
        m = handling.extend_matter(m, by=cast.head_a, days=30, reason="需调取外省记录。"); visited.append("extend")
        assert m.handling_due == date(2026, 6, 1)  # 3 月 2 日起 90 日为 5 月 31 日（周日），顺延至 6 月 1 日
        m = handling.approve_reply(m, by=cast.head_a); visited.append("approve_reply")
        assert m.status == Status.REPLIED and m.review_request_closes is None  # 尚未送达：请求期限尚未起算
        traveller.move_to("2026-03-23 09:00 +0800")
        m = opinions.record_delivery(m, by=cast.clerk, method=DeliveryMethod.POST, delivered_on=date(2026, 3, 22),
                                     proof="挂号信 XA123"); visited.append("deliver")
        assert m.review_request_closes == date(2026, 4, 21)
        m = handling.close_matter(m, by=cast.clerk); visited.append("close")
        traveller.move_to("2026-04-01 09:00 +0800")
        m = appeals.request_review(m, by=cast.clerk); visited.append("request_review")
        assert m.status == Status.REVIEWING and m.review_due == date(2026, 5, 6)
        assert m.deciding_organ == cast.detachment
        with pytest.raises(workflow.ActionNotAllowed, match="第三十五条"):
            appeals.issue_review(m, by=cast.head_a, review_outcome=ReviewOutcome.UPHOLD, text="维持。")
        m = appeals.issue_review(m, by=cast.leader, review_outcome=ReviewOutcome.UPHOLD, text="维持原处理意见。")
        visited.append("issue_review")
        m = opinions.record_delivery(m, by=cast.clerk, method=DeliveryMethod.IN_PERSON, delivered_on=date(2026, 4, 1),
                                     proof="签收")
        m = appeals.request_re_review(m, by=cast.clerk); visited.append("request_re_review")
        assert m.deciding_organ == bureau
        with pytest.raises(workflow.ActionNotAllowed, match="第三十六条"):
            appeals.issue_re_review(m, by=cast.leader, review_outcome=ReviewOutcome.UPHOLD, text="维持。")
        m = appeals.start_re_review_hearing(m, by=chief); visited.append("start_re_review_hearing")
        traveller.shift(86400 * 3)
        m = appeals.end_re_review_hearing(m, by=chief); visited.append("end_re_review_hearing")
        assert m.re_review_paused_days == 3
        m = appeals.issue_re_review(m, by=chief, review_outcome=ReviewOutcome.UPHOLD, text="维持。")
        visited.append("issue_re_review")
        assert m.status == Status.TERMINATED
        again = register(cast.clerk, matter=m)
        assert again.status == Status.TERMINATED and again.petition_count == 2
        assert MatterEvent.objects.filter(matter=m, action="repeat_after_termination").exists()
        appeals.notify_not_accepted_again(again, by=cast.clerk); visited.append("not_accepted_again")
    kinds = set(Document.objects.filter(matter=m).values_list("kind", flat=True))
    assert kinds == {DocumentKind.ACCEPTANCE, DocumentKind.EXTENSION, DocumentKind.REPLY, DocumentKind.REVIEW,
                     DocumentKind.RE_REVIEW, DocumentKind.NOT_ACCEPTED_AGAIN}
    opinions_ = list(m.opinions.order_by("decided_on", "id"))
    assert [(o.kind, o.deciding_organ_id) for o in opinions_] == [
        ("reply", cast.brigade_a.pk), ("review", cast.detachment.pk), ("re_review", bureau.pk)]
    side_paths = {"decline", "transfer", "divert", "close_review", "rehandle", "refuse_late_review",
                  "refuse_late_re_review", "forward_review", "record_external_review", "forward_re_review",
                  "record_external_re_review",
                  # 转送、交办来文的异议与办结报告：test_law_records.py 逐条走过。
                  "object_referral", "objection_agreed", "objection_refused", "report_completion"}
    assert set(visited) | side_paths == set(workflow.TRANSITIONS)


@pytest.mark.parametrize(("action", "kwargs", "status", "kind"), [
    ("decline_matter", {"reason": "属于民事纠纷", "where_to_go": "人民法院"}, Status.DECLINED, DocumentKind.DECLINE),
    ("transfer_matter", {"authority": "示范市城市管理局"}, Status.TRANSFERRED, DocumentKind.TRANSFER),
    ("divert_matter", {"channel": "accident_review"}, Status.DIVERTED, DocumentKind.DIVERSION),
])
def test_the_other_acceptance_decisions_end_the_petition_clock_with_a_notice(cast, action, kwargs, status, kind):
    m = getattr(decisions, action)(register(cast.clerk, department=cast.brigade_a), by=cast.clerk, **kwargs)
    assert m.status == status and m.current_due is None
    assert m.documents.get().kind == kind


def test_a_review_closed_without_re_review_is_closed(cast):
    m = replied(cast)
    m = appeals.request_review(m, by=cast.clerk)
    m = appeals.issue_review(m, by=cast.leader, review_outcome=ReviewOutcome.VARY, decision=Outcome.EXPLAIN,
                             text="解释说明。")
    assert appeals.close_review(m, by=cast.clerk).status == Status.CLOSED


WRONG_STATE_CALLS = [
    (lambda cast, m: decisions.accept_matter(m, by=cast.clerk), "handled"),
    (lambda cast, m: handling.approve_reply(m, by=cast.head_a), "handled"),
    (lambda cast, m: handling.close_matter(m, by=cast.clerk), "registered"),
    (lambda cast, m: appeals.request_re_review(m, by=cast.clerk), "replied"),
    (lambda cast, m: appeals.issue_re_review(m, by=cast.leader, review_outcome="uphold", text="x"), "replied"),
]


@pytest.mark.parametrize(("call", "setup"), WRONG_STATE_CALLS)
def test_an_action_the_state_does_not_allow_is_refused_and_changes_nothing(cast, call, setup):
    m = {"handled": handled, "replied": replied, "registered": lambda c: register(c.clerk, department=c.brigade_a)}[setup](cast)
    before = fresh(m)
    with pytest.raises(workflow.ActionNotAllowed, match="不能"):
        call(cast, m)
    after = fresh(m)
    assert (after.status, after.version) == (before.status, before.version)


@pytest.mark.parametrize("action", sorted(workflow.TRANSITIONS))
def test_every_action_is_refused_to_a_role_not_in_its_row(cast, action):
    t = workflow.TRANSITIONS[action]
    outsider = next(s for s in cast.everyone().values() if not ({r.code for r in s.roles.all()} & t.roles)
                    and s.username in {"handler_a", "head_a", "clerk", "supervisor", "bureau", "auditor"})
    m = register(cast.clerk, department=cast.brigade_a)
    Matter.objects.filter(pk=m.pk).update(status=next(iter(t.sources)))
    with transaction.atomic(), pytest.raises((workflow.ActionNotAllowed, Http404)):
        workflow.transition(fresh(m), action, by=outsider)


def test_another_departments_matter_answers_not_found(cast):
    m = register(cast.clerk, department=cast.brigade_a)
    m = decisions.accept_matter(m, by=cast.clerk)
    m = decisions.assign_matter(m, by=cast.clerk, lead=cast.brigade_a)
    with pytest.raises(Http404):
        handling.start_handling(m, by=cast.handler_b)


def test_a_co_department_sees_the_matter_and_gives_feedback_but_does_not_handle_it(cast):
    m = register(cast.clerk, department=cast.brigade_a)
    m = decisions.accept_matter(m, by=cast.clerk)
    m = decisions.assign_matter(m, by=cast.clerk, lead=cast.brigade_a, co=[cast.brigade_b])
    with transaction.atomic(), pytest.raises(workflow.ActionNotAllowed, match="协办单位只能反馈"):
        handling.start_handling(m, by=cast.handler_b)
    m = handling.start_handling(m, by=cast.handler_a)
    assert handling.add_note(m, by=cast.handler_b, text="协办情况：已调取大队B的记录。").actor == cast.handler_b


def test_a_stale_form_gets_a_conflict_message_not_a_silent_overwrite(cast):
    m = register(cast.clerk, department=cast.brigade_a)
    opened_at = m.version
    decisions.accept_matter(m, by=cast.clerk, expected_version=opened_at)
    with pytest.raises(workflow.StaleMatter, match="已被登记员甲"):
        decisions.decline_matter(m, by=cast.clerk, reason="x", where_to_go="y", expected_version=opened_at)
    assert fresh(m).status == Status.ACCEPTED


def test_extension_is_at_most_thirty_days_and_only_once(cast):
    m = handled(cast)
    with pytest.raises(ValidationError):
        handling.extend_matter(m, by=cast.head_a, days=31, reason="复杂")
    m = handling.extend_matter(m, by=cast.head_a, days=10, reason="复杂")
    with pytest.raises(workflow.ActionNotAllowed, match="不能再次延期"):
        handling.extend_matter(m, by=cast.head_a, days=5, reason="还要")
    with pytest.raises(workflow.ActionNotAllowed):
        handling.extend_matter(m, by=cast.handler_a, days=5, reason="承办人不能批延期")


def test_a_review_requested_after_its_window_is_registered_and_refused_with_a_notice(cast):
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False) as traveller:
        m = replied(cast)
        assert m.review_request_closes == date(2026, 4, 1)
        traveller.move_to("2026-04-02 09:00 +0800")
        m = appeals.request_review(m, by=cast.clerk)
    assert fresh(m).status == Status.REPLIED
    request = AppealRequest.objects.get(matter=m)
    assert request.is_late and request.window_closes == date(2026, 4, 1) and request.refusal_document is not None
    assert request.refusal_document.kind == DocumentKind.LATE_APPEAL


def test_every_transition_leaves_an_event_and_an_audit_row(cast):
    from xinfang.audit.models import AuditEvent

    m = handled(cast)
    assert list(m.events.values_list("action", flat=True)) == ["register", "accept", "document", "assign", "start"]
    assert AuditEvent.objects.filter(object_type="petitions.matter", object_id=str(m.pk), action="matter.start").exists()


@pytest.mark.django_db(transaction=True)
def test_two_people_acting_on_one_matter_at_once_one_wins_and_the_other_is_told(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    m = register(cast.clerk, department=cast.brigade_a)
    version = m.version
    results, barrier = [], threading.Barrier(2)

    def act(call):
        try:
            barrier.wait()
            call()
            results.append("ok")
        except (workflow.StaleMatter, workflow.ActionNotAllowed) as exc:
            results.append(str(exc))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=(lambda: decisions.accept_matter(m, by=cast.clerk, expected_version=version),)),
        threading.Thread(target=act, args=(lambda: decisions.decline_matter(
            m, by=cast.head_a, reason="不属职责", where_to_go="法院", expected_version=version),)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r == "ok" for r in results) == [False, True]
    assert any("已被" in r for r in results if r != "ok")
    assert fresh(m).version == version + 1


def test_a_petitioner_may_request_a_review_through_the_portal_and_nothing_else(cast):
    m = replied(cast)
    m = appeals.request_review(m, by=None, via_portal=True)
    assert m.status == Status.REVIEWING
    assert m.events.last().data["via"] == "portal" and m.events.last().actor is None
    with transaction.atomic(), pytest.raises(workflow.ActionNotAllowed):
        workflow.transition(m, "issue_review", by=None, via_portal=True)


def test_a_handler_in_a_squadron_sees_the_matter_assigned_to_them_by_the_brigade(cast):
    m = register(cast.clerk, department=cast.brigade_a)
    m = decisions.accept_matter(m, by=cast.clerk)
    m = decisions.assign_matter(m, by=cast.clerk, lead=cast.brigade_a, handler=cast.squad_handler)
    assert handling.start_handling(m, by=cast.squad_handler).status == Status.IN_PROGRESS
    other = decisions.accept_matter(register(cast.clerk, department=cast.brigade_a), by=cast.clerk)
    from xinfang.petitions.selectors import visible_matters
    assert set(visible_matters(cast.squad_handler).values_list("pk", flat=True)) == {m.pk}
    assert other.pk not in set(visible_matters(cast.squad_handler).values_list("pk", flat=True))


def test_a_matter_is_reviewed_only_once(cast):
    m = replied(cast)
    m = appeals.request_review(m, by=cast.clerk)
    m = appeals.issue_review(m, by=cast.leader, review_outcome=ReviewOutcome.UPHOLD, text="维持。")
    m = appeals.close_review(m, by=cast.clerk)
    with pytest.raises(workflow.ActionNotAllowed, match="已经复查过"):
        appeals.request_review(m, by=cast.clerk)
