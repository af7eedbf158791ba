"""造数（xinfang generate）：小批量也覆盖每一种状态，期限与应用算的一致，数据经得起校验，同一种子结果相同。"""

from __future__ import annotations

import copy
import re
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection

from xinfang.petitions import clocks, search
from xinfang.petitions.generate import generate
from xinfang.petitions.models import (
    Assignment, AssignmentRole, Matter, MatterEvent, Petition, PetitionPetitioner, Petitioner, PetitionerKind, Status,
)
from xinfang.petitions.validators import id_number_problem, phone_problem, uscc_problem
from xinfang.petitions.workflow import TRANSITIONS

TODAY = date(2026, 3, 2)
DEADLINE_FIELDS = ("acceptance_due", "handling_due", "review_request_closes", "review_due",
                   "re_review_request_closes", "re_review_due", "current_due", "due_provisional")
CLOCK_STATES = {Status.REGISTERED, Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS, Status.HEARING,
                Status.REPLY_DRAFTED,
                Status.REVIEWING, Status.RE_REVIEWING}


@pytest.fixture
def generated(db):
    # 批量 25 件：60 件分三批，走"子进程生成、本进程写入"的路径。
    summary = generate(60, seed=1, today=TODAY, batch_size=25)
    return summary


def test_sixty_petitions_reach_every_status(generated):
    assert Petition.objects.count() == 60 == generated.petitions
    # 转送系统外机关的复查、复核只在上一级机关不在系统内时出现，生成器不造这两种状态。
    # 转送、交办来文的异议（第二十三条）要有来文记录，也不造。
    forwarded = {Status.REVIEW_FORWARDED, Status.RE_REVIEW_FORWARDED, Status.OBJECTED, Status.RETURNED}
    assert set(Matter.objects.values_list("status", flat=True)) == set(Status.values) - forwarded


def test_stored_deadlines_are_what_recompute_gives(generated):
    for matter in Matter.objects.all():
        fresh = clocks.recompute(copy.copy(matter))
        stored = {name: getattr(matter, name) for name in DEADLINE_FIELDS}
        assert stored == {name: getattr(fresh, name) for name in DEADLINE_FIELDS}, matter.number


def test_current_due_is_set_exactly_where_a_clock_runs(generated):
    for matter in Matter.objects.all():
        assert (matter.current_due is not None) == (matter.status in CLOCK_STATES), (matter.number, matter.status)


def test_dates_follow_the_path_and_stay_in_the_past(generated):
    for matter in Matter.objects.all():
        assert matter.received_on <= TODAY
        for name in ("accepted_on", "reply_delivered_on", "review_requested_on", "review_delivered_on",
                     "re_review_requested_on", "closed_on", "hearing_started_on"):
            day = getattr(matter, name)
            assert day is None or matter.received_on <= day <= TODAY, (matter.number, name)
        assert (matter.accepted_on is not None) == (matter.status not in {
            Status.REGISTERED, Status.DECLINED, Status.TRANSFERRED, Status.DIVERTED})
        assert (matter.closed_on is not None) == (matter.status in {Status.CLOSED, Status.TERMINATED}) or (
            matter.status in {Status.REVIEWING, Status.REVIEWED, Status.RE_REVIEWING, Status.RE_REVIEW_HEARING})
        assert (matter.hearing_started_on is not None) == (matter.status in {Status.HEARING, Status.RE_REVIEW_HEARING})


def test_events_walk_the_transition_table(generated):
    for matter in Matter.objects.prefetch_related("events"):
        events = list(matter.events.all())
        assert events[0].action == "register"
        assert [e.at for e in events] == sorted(e.at for e in events)
        status, transitions = Status.REGISTERED, 0
        for event in events:
            if event.action in TRANSITIONS:
                t = TRANSITIONS[event.action]
                assert event.from_status == status and status in t.sources, (matter.number, event.action)
                status = t.target or status
                transitions += 1
            assert event.to_status == status
        assert status == matter.status
        assert matter.version == 1 + transitions


def test_assigned_matters_have_their_lead_department(generated):
    assigned = Matter.objects.filter(events__action="assign").distinct()
    assert assigned.exists()
    for matter in assigned:
        lead = Assignment.objects.get(matter=matter, role=AssignmentRole.LEAD)
        assert lead.department_id == matter.department_id
    assert not Assignment.objects.exclude(matter__in=assigned).exists()


def test_petitioners_have_valid_id_numbers_and_phones(generated):
    people = Petitioner.objects.all()
    assert people.exists()
    for person in people:
        check = uscc_problem if person.kind == PetitionerKind.ORGANISATION else id_number_problem
        assert check(person.id_number) is None, person.id_number
        assert phone_problem(person.phone) is None, person.phone


def test_every_petition_has_a_petitioner_and_collectives_at_most_five_representatives(db):
    generate(400, seed=3, today=TODAY)
    assert not Petition.objects.filter(petitionpetitioner__isnull=True).exists()
    collective = Petition.objects.filter(is_collective=True)
    assert collective.exists()
    for petition in collective:
        assert petition.head_count >= 5
        assert 1 <= PetitionPetitioner.objects.filter(petition=petition, is_representative=True).count() <= 5
    assert Petition.objects.filter(is_repeat=True).exists()
    assert Matter.objects.filter(is_skip_level=True).exists()
    # 同一信访人在不同事项上再次出现
    assert PetitionPetitioner.objects.values("petitioner").distinct().count() < PetitionPetitioner.objects.count()


def test_numbers_look_like_the_apps(generated):
    for matter in Matter.objects.all():
        assert matter.number == f"XF{matter.received_on.year}{matter.pk:08d}"


def test_search_finds_a_generated_matter_by_a_word_of_its_content(generated):
    matter = Matter.objects.filter(summary__contains="电子警察").first() or Matter.objects.first()
    word = "电子警察" if "电子警察" in matter.summary else re.findall(r"[\u4e00-\u9fff]{4}", matter.summary)[0]
    assert matter.pk in search.matching_ids(word)
    plate = re.search(r"[A-Z][0-9A-Z]{5}", matter.summary + matter.title)
    if plate:
        assert matter.pk in search.matching_ids(plate.group())


def test_same_seed_gives_the_same_matters_and_running_again_adds_more(db):
    def content(matters):
        return [(m.title, m.summary, m.requests, m.status, m.received_on, m.current_due, m.petition_count)
                for m in matters]

    generate(50, seed=7, today=TODAY)
    first = list(Matter.objects.order_by("pk"))
    generate(50, seed=7, today=TODAY)
    second = list(Matter.objects.order_by("pk"))[len(first):]
    assert Petition.objects.count() == 100
    assert content(first) == content(second)
    generate(50, seed=8, today=TODAY)
    third = list(Matter.objects.order_by("pk"))[len(first) + len(second):]
    assert content(third) != content(first)


def test_command_tops_up_to_the_requested_number(db, capsys):
    call_command("generate", petitions=30, seed=1, quiet=True)
    call_command("generate", petitions=45, seed=1, quiet=True, top_up=True)
    assert Petition.objects.count() == 45
    call_command("generate", petitions=45, seed=1, quiet=True, top_up=True)
    assert Petition.objects.count() == 45
    assert "无需生成" in capsys.readouterr().out


def test_generated_rows_satisfy_every_foreign_key(generated):
    # 行是绕过 ORM 成批写入的：逐表核对外键（SQLite 的 foreign_key_check、PostgreSQL 的 SET CONSTRAINTS）。
    connection.check_constraints()
    assert not MatterEvent.objects.exclude(matter__in=Matter.objects.all()).exists()


def test_every_decision_is_an_opinion_row_that_its_event_points_to(generated):
    """意见是表里的行，不是事件详情：每条作出意见的事件指向本事项同种的一行，机关按 organs 的规则，
    送达事件与意见行、事项的送达日期一致，请求行的期限与事项的请求截止日一致（seed-demo 不再补写）。"""
    from xinfang.core import clock as core_clock
    from xinfang.petitions import events, organs
    from xinfang.petitions.models import AppealRequest, ExecutionItem, Opinion, OpinionKind, Outcome
    from xinfang.petitions.workflow import FINISHED_STATES

    kinds = {"approve_reply": OpinionKind.REPLY, "issue_review": OpinionKind.REVIEW,
             "issue_re_review": OpinionKind.RE_REVIEW}
    seen = set()
    for event in MatterEvent.objects.filter(action__in=kinds).select_related("matter"):
        opinion = Opinion.objects.get(pk=event.data[events.OPINION_ID])
        assert (opinion.matter_id, opinion.kind) == (event.matter_id, kinds[event.action])
        assert opinion.decided_on == core_clock.local_date(event.at)
        expected = {OpinionKind.REPLY: organs.organ_of(event.matter.department),
                    OpinionKind.REVIEW: organs.review_organ(event.matter)}.get(opinion.kind)
        if isinstance(expected, organs.Department):
            assert opinion.deciding_organ == expected
        elif opinion.kind != OpinionKind.REPLY:
            assert opinion.deciding_organ is None and opinion.external_organ
        seen.add(opinion.pk)
    assert seen == set(Opinion.objects.values_list("pk", flat=True)) and len(seen) > 10
    for event in MatterEvent.objects.filter(action="deliver"):
        opinion = Opinion.objects.get(pk=event.data[events.OPINION_ID])
        assert opinion.delivered_on.isoformat() == event.data["delivered_on"] and opinion.delivery_proof
    for matter in Matter.objects.filter(opinions__isnull=False).distinct():
        reply = matter.opinions.get(kind=OpinionKind.REPLY)
        assert reply.decision == matter.outcome and reply.delivered_on == matter.reply_delivered_on
        review = matter.opinions.filter(kind=OpinionKind.REVIEW).first()
        assert (review.delivered_on if review else None) == matter.review_delivered_on
        request = matter.appeal_requests.filter(kind=OpinionKind.REVIEW).first()
        assert (request.window_closes if request else matter.review_request_closes) == matter.review_request_closes
        if request:
            assert request.requested_on == matter.review_requested_on and not request.is_late
        if reply.decision == Outcome.SUPPORT:
            items = ExecutionItem.objects.filter(opinion=reply)
            assert items.exists() and all((i.done_on is not None) == (matter.status in FINISHED_STATES) for i in items)
    assert AppealRequest.objects.count() == MatterEvent.objects.filter(action__in=("request_review",
                                                                                   "request_re_review")).count()


def test_a_generated_review_can_be_decided_by_the_superior_organ_in_the_app(generated, settings, tmp_path):
    """造出来的复查中事项与应用自己登记的一样能办下去：复查机关（支队）的领导出具复查意见。"""
    import time_machine

    from xinfang.org.models import RoleCode
    from xinfang.org.services import create_staff
    from xinfang.org.testing import PASSWORD
    from xinfang.petitions import organs
    from xinfang.petitions.actions import appeals
    from xinfang.petitions.models import OpinionKind, ReviewOutcome

    settings.MEDIA_ROOT = tmp_path
    m = Matter.objects.filter(status=Status.REVIEWING).first()
    assert m is not None and m.deciding_organ == organs.review_organ(m)
    # 复查机关（牵头单位所属机关的上一级，示范组织里是支队）的负责人。
    chief = create_staff(by=None, username="chief", name="支队法制负责人", password=PASSWORD,
                         department=m.deciding_organ, roles=[RoleCode.UNIT_HEAD])
    with time_machine.travel("2026-03-02 10:00 +0800", tick=False):
        m = appeals.issue_review(m, by=chief, review_outcome=ReviewOutcome.UPHOLD, text="经复查，维持。")
    review = m.opinions.get(kind=OpinionKind.REVIEW)
    assert review.request == m.appeal_requests.get(kind=OpinionKind.REVIEW) and review.document is not None


def test_recent_weeks_continue_the_years_before_instead_of_piling_up(db):
    # 以前先定状态、在办事项一律放在最近几周：最后两个月每周的件数是此前的两到三倍，上升检测在每条序列上报警。
    from datetime import timedelta

    from xinfang.core import clock

    generate(4000, seed=5, today=TODAY)
    monday = TODAY - timedelta(days=TODAY.weekday())
    weeks = [0] * 60
    for at in Petition.objects.values_list("received_at", flat=True):
        week = (monday - clock.local_date(at)).days // 7 if clock.local_date(at) < monday else -1
        if 0 <= week < 60:
            weeks[week] += 1
    recent, before = sum(weeks[:8]) / 8, sum(weeks[8:60]) / 52
    assert 0.75 < recent / before < 1.3, weeks
    open_ages = [(TODAY - received).days for received in Matter.objects.exclude(status__in=[
        Status.CLOSED, Status.TERMINATED, Status.DECLINED, Status.TRANSFERRED, Status.DIVERTED]).values_list(
        "received_on", flat=True)]
    assert sorted(open_ages)[len(open_ages) // 2] < 60  # 在办事项多半是近两个月收到的
