"""回访：每次答复生成一项任务（可重复生成不多建），承办人记录，不满意交负责人并上督办台；三率。"""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from xinfang.audit.models import AuditEvent
from xinfang.core import clock
from xinfang.petitions.actions import appeals
from xinfang.portal.actions import feedback, visits
from xinfang.portal.models import ContactMethod, ReplyKind, ReturnVisit, Satisfaction, Solved
from xinfang.portal.selectors import rates, unresolved_return_visits
from xinfang.portal.testing import reply, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def replied(cast):
    matter, _ = submit(department=cast.brigade_a)
    return reply(cast, matter)


def test_every_reply_gets_one_return_visit_due_within_the_configured_days(cast, replied, settings):
    settings.RETURN_VISIT_DAYS = 5
    assert visits.sync_return_visits() == 1
    assert visits.sync_return_visits() == 0  # 重复运行不多建
    visit = ReturnVisit.objects.get()
    assert visit.reply_kind == ReplyKind.REPLY and visit.department == cast.brigade_a
    assert visit.handler == cast.handler_a and visit.due_on == replied.reply_delivered_on + timedelta(days=5)
    assert AuditEvent.objects.filter(action="return_visit.create").count() == 1


def test_a_review_opinion_gets_its_own_return_visit(cast, replied):
    appeals.request_review(replied, by=cast.clerk)
    appeals.issue_review(replied, by=cast.leader, review_outcome="uphold", text="维持原处理意见。")
    visits.sync_return_visits()
    assert sorted(ReturnVisit.objects.values_list("reply_kind", flat=True)) == [ReplyKind.REPLY, ReplyKind.REVIEW]


def test_generation_catches_events_older_than_the_cursor(cast, replied):
    """游标之前提交晚了的答复事件也能补上（回看一段）。"""
    visits.sync_return_visits()
    ReturnVisit.objects.all().delete()
    assert visits.sync_return_visits() == 1


def test_a_backlog_is_generated_in_committed_batches_with_one_intact_audit_chain(cast):
    """刚造完数的库要补大批回访：分批提交、批量写入，与逐条建的结果一样，审计链仍然完整。"""
    from xinfang.audit import chain

    replied = [reply(cast, submit(department=cast.brigade_a, name=f"信访人{i}", id17=f"430105198001{10 + i}123",
                                    content=f"扣车第{i}件")[0]) for i in range(5)]
    assert visits.sync_return_visits(batch=2) == 5
    assert visits.sync_return_visits(batch=2) == 0
    made = {v.matter_id: v for v in ReturnVisit.objects.all()}
    for matter in replied:
        assert made[matter.pk].replied_on == matter.reply_delivered_on and made[matter.pk].handler == cast.handler_a
    created = AuditEvent.objects.filter(action="return_visit.create").order_by("pk")
    assert sorted(created.values_list("matter_number", flat=True)) == sorted(m.number for m in replied)
    assert chain.verify().ok


def test_a_batch_skips_a_visit_made_meanwhile(cast, replied):
    """门户评价前 `sync_for_matter` 刚建的那一项不重复建，同批其余照建。"""
    other = reply(cast, submit(department=cast.brigade_a, name="赵六", id17="11010119900307001", content="另一件")[0])
    events = list(visits.MatterEvent.objects.filter(action__in=visits.REPLY_EVENTS).select_related("matter"))
    visits.sync_for_matter(other)
    assert visits._create_batch(events) == 1
    assert ReturnVisit.objects.count() == 2


def record(visit, by, **kwargs):
    values = {"contacted_on": clock.today(), "method": ContactMethod.PHONE, "solved": Solved.YES,
              "satisfaction": Satisfaction.SATISFIED, "notes": ""}
    return visits.record_return_visit(visit, by=by, **{**values, **kwargs})


def test_the_handler_records_a_return_visit(cast, replied):
    visits.sync_return_visits()
    visit = record(ReturnVisit.objects.get(), cast.handler_a, notes="已电话联系，本人表示满意")
    assert visit.is_done and visit.recorded_by == cast.handler_a and not visit.needs_attention
    assert AuditEvent.objects.filter(action="return_visit.record", actor=cast.handler_a).exists()
    with pytest.raises(ValidationError, match="已于此前记录"):
        record(visit, cast.clerk)


def test_another_units_handler_cannot_see_or_record_the_visit(cast, replied):
    visits.sync_return_visits()
    with pytest.raises(Http404):
        record(ReturnVisit.objects.get(), cast.handler_b)


def test_a_unit_head_cannot_record_only_handlers_and_clerks(cast, replied):
    visits.sync_return_visits()
    with pytest.raises(PermissionError):
        record(ReturnVisit.objects.get(), cast.head_a)


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"method": ""}, "method"),
    ({"solved": ""}, "solved"),
    ({"satisfaction": ""}, "satisfaction"),
    ({"contacted_on": date(2000, 1, 1)}, "contacted_on"),
    ({"method": ContactMethod.UNREACHED, "notes": ""}, "notes"),
])
def test_an_incomplete_return_visit_is_refused_and_nothing_is_saved(cast, replied, kwargs, field):
    visits.sync_return_visits()
    with pytest.raises(ValidationError) as info:
        record(ReturnVisit.objects.get(), cast.handler_a, **kwargs)
    assert field in info.value.message_dict
    assert not ReturnVisit.objects.get().is_done


def test_not_solved_goes_to_the_unit_head_and_the_supervisors_board_until_the_head_answers(cast, replied, login):
    visits.sync_return_visits()
    visit = record(ReturnVisit.objects.get(), cast.handler_a, solved=Solved.NO, satisfaction=Satisfaction.BASICALLY)
    assert visit.needs_attention
    assert list(unresolved_return_visits(cast.head_a)) == [visit]
    assert list(unresolved_return_visits(cast.supervisor)) == [visit]
    assert list(unresolved_return_visits(cast.handler_b)) == []
    home = login(cast.head_a).get("/").content.decode()
    assert "回访不满意或未解决" in home and replied.number in home
    with pytest.raises(ValidationError):
        visits.close_attention(visit, by=cast.head_a, note="")
    visits.close_attention(visit, by=cast.head_a, note="已约谈信访人，补办退款手续")
    assert list(unresolved_return_visits(cast.head_a)) == []


def test_an_unsatisfied_online_rating_also_needs_attention(cast, replied):
    feedback.rate_reply(replied, rating=Satisfaction.UNSATISFIED, reason="没有道歉")
    assert [v.matter for v in unresolved_return_visits(cast.head_a)] == [replied]


def test_handlers_see_due_return_visits_on_their_start_page(cast, replied, login):
    # 回访任务只由后台任务生成：打开首页不写任何东西。
    assert "待回访" in login(cast.handler_a).get("/").content.decode()
    assert not ReturnVisit.objects.exists()
    visits.sync_return_visits()
    html = login(cast.handler_a).get("/").content.decode()
    assert "待回访" in html and replied.number in html
    assert replied.number not in login(cast.handler_b).get("/?as=handler").content.decode()


def test_the_visit_page_shows_the_petitioners_phone_and_the_read_is_audited(cast, replied, login):
    visits.sync_return_visits()
    visit = ReturnVisit.objects.get()
    client = login(cast.handler_a)
    html = client.get(f"/portal/visits/{visit.pk}/").content.decode()
    assert "13900139000" in html
    assert AuditEvent.objects.filter(action="personal_data.read", actor=cast.handler_a).exists()
    response = client.post(f"/portal/visits/{visit.pk}/", {
        "contacted_on": clock.today().isoformat(), "method": "phone", "solved": "yes", "satisfaction": "satisfied",
        "notes": "满意"})
    assert response.status_code == 302
    assert ReturnVisit.objects.get().is_done
    assert login(cast.handler_b).get(f"/portal/visits/{visit.pk}/").status_code == 404


def test_the_portal_public_pages_are_not_staff_pages(client, cast):
    assert client.get("/portal/visits/").status_code == 302  # 回访页需登录
    assert client.get("/portal/rates/").status_code == 302


def _visit(cast, matter_no, department, *, replied_on, due_on, **fields):
    """直接造一条已知数据的回访（三率测试用）。"""
    matter, _ = submit(department=department, id17=f"43010519800101{matter_no:03d}")
    from xinfang.petitions.models import MatterEvent
    event = MatterEvent.objects.create(matter=matter, at=clock.now(), action="approve_reply")
    return ReturnVisit.objects.create(matter=matter, source_event=event, reply_kind=ReplyKind.REPLY,
                                      department=department, replied_on=replied_on, due_on=due_on, **fields)


def test_the_three_rates_on_known_data(cast):
    d = date(2026, 3, 2)
    due = d + timedelta(days=7)
    done = {"done_at": clock.now()}
    a = cast.brigade_a
    # 1 限期内联系、已解决、满意
    _visit(cast, 1, a, replied_on=d, due_on=due, contacted_on=d + timedelta(days=2), method="phone", solved="yes",
           satisfaction="satisfied", **done)
    # 2 超期才联系、未解决、不满意
    _visit(cast, 2, a, replied_on=d, due_on=due, contacted_on=due + timedelta(days=3), method="visit", solved="no",
           satisfaction="unsatisfied", **done)
    # 3 限期内联系、已解决、基本满意
    _visit(cast, 3, a, replied_on=d, due_on=due, contacted_on=d, method="phone", solved="yes",
           satisfaction="basically", **done)
    # 4 未能联系上：计入响应率分母，不计解决、满意
    _visit(cast, 4, a, replied_on=d, due_on=due, contacted_on=d, method="unreached", notes="电话停机", **done)
    # 5 未回访且已过期；信访人网上评价满意 → 计入满意率
    _visit(cast, 5, a, replied_on=d, due_on=due, online_rating="satisfied")
    # 6 期间以外
    _visit(cast, 6, a, replied_on=date(2026, 5, 1), due_on=date(2026, 5, 8), contacted_on=date(2026, 5, 2),
           method="phone", solved="no", satisfaction="unsatisfied", **done)
    # 7 另一单位
    _visit(cast, 7, cast.brigade_b, replied_on=d, due_on=due, contacted_on=d, method="phone", solved="no",
           satisfaction="unsatisfied", **done)

    rows, total = rates(cast.head_a, since=date(2026, 3, 1), until=date(2026, 3, 31), today=date(2026, 4, 1))
    assert [r.department for r in rows] == [a]
    r = rows[0]
    assert (r.in_time, r.due, r.response_rate) == (2, 5, 40.0)
    assert (r.solved, r.answered, r.resolution_rate) == (2, 3, 66.7)
    assert (r.satisfied, r.rated, r.satisfaction_rate) == (3, 4, 75.0)
    rows, total = rates(cast.bureau, since=date(2026, 3, 1), until=date(2026, 3, 31), today=date(2026, 4, 1))
    assert {r.department for r in rows} == {a, cast.brigade_b}
    assert (total.due, total.in_time, total.rated, total.satisfied) == (6, 3, 5, 3)


def test_rates_page_is_for_heads_and_leaders_with_a_chart(cast, login):
    assert login(cast.handler_a).get("/portal/rates/").status_code == 404
    html = login(cast.leader).get("/portal/rates/?since=2026-03-01&until=2026-03-31").content.decode()
    assert "响应率" in html and "rate-chart" in html


def test_old_throttle_rows_are_purged_but_live_locks_are_kept(cast):
    from xinfang.portal import security
    from xinfang.portal.models import PortalThrottle, ThrottleScope

    old = clock.now() - timedelta(days=2)
    PortalThrottle.objects.create(scope=ThrottleScope.ATTEMPT_IP, key="a", count=3, window_started_at=old)
    PortalThrottle.objects.create(scope=ThrottleScope.WRONG_CODE, key="b", count=5, window_started_at=old,
                                  locked_until=clock.now() + timedelta(minutes=5))
    assert security.purge_throttles() == 1
    assert list(PortalThrottle.objects.values_list("key", flat=True)) == ["b"]
