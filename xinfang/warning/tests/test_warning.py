"""预警：每日任务从信访库的周计数发现上升（时间冻结），预警中心按单位可见，确认、关闭写审计。"""

from datetime import date, datetime, time, timedelta

import numpy as np
import pytest
import time_machine
from django.utils import timezone

from xinfang.audit.models import AuditEvent
from xinfang.petitions.models import Channel, Petition
from xinfang.petitions.testing import register
from xinfang.warning import detectors, services
from xinfang.warning.models import Warning, WarningKind, WarningStatus

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 18)  # a Wednesday: the last complete week starts Monday 2026-03-09
LAST_WEEK = date(2026, 3, 9)


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _history(cast, department, *, weeks=140, spike=None, seed=0, last_two=None):
    """A matter in ``department`` with ~8 petitions a week for ``weeks`` weeks up to LAST_WEEK
    (``spike`` petitions in LAST_WEEK; ``last_two`` in each of the last two weeks)."""
    with time_machine.travel(_at(LAST_WEEK - timedelta(weeks=weeks)), tick=False):
        matter = register(cast.clerk, department=department)
    rng = np.random.default_rng(seed)
    rows = []
    for w in range(weeks):
        monday = LAST_WEEK - timedelta(weeks=weeks - 1 - w)
        count = int(rng.poisson(8))
        if spike is not None and monday == LAST_WEEK:
            count = spike
        if last_two is not None and monday >= LAST_WEEK - timedelta(weeks=1):
            count = last_two
        for i in range(count):
            rows.append(Petition(matter=matter, channel=Channel.LETTER, received_at=_at(monday + timedelta(days=i % 5)),
                                 content="对扣车停车场收费有异议。"))
    Petition.objects.bulk_create(rows)
    matter.department = department
    matter.save(update_fields=["department"])
    return matter


def test_a_weeks_rise_in_a_unit_becomes_one_warning_with_its_petitions(cast):
    _history(cast, cast.brigade_a, spike=30)
    _history(cast, cast.brigade_b, seed=1)
    with time_machine.travel(_at(TODAY, 6), tick=False):
        assert detectors.run_rise_detection() >= 1
        again = detectors.run_rise_detection()
    warning = Warning.objects.get(kind=WarningKind.RISE, department=cast.brigade_a)
    assert again == 0  # 同一周重复运行不重复预警
    assert warning.period_start == LAST_WEEK and warning.observed == 30
    assert warning.expected < 15 and warning.upper < 30
    assert "收到信访 30 件" in warning.detail and "预期约" in warning.detail and "大队A" in warning.detail
    assert warning.petitions.count() == 30
    assert not Warning.objects.filter(department=cast.brigade_b).exists()
    assert AuditEvent.objects.filter(action="warning.raise", object_id=str(warning.pk)).exists()


def test_the_petition_office_desk_gets_no_unit_rise_warning_its_counts_are_what_was_received(cast):
    # Matters waiting at registration sit with 信访科: a jump there is intake, not one unit's work going wrong;
    # the same history in a brigade is warned (the test above).
    _history(cast, cast.office, spike=30)
    with time_machine.travel(_at(TODAY, 6), tick=False):
        detectors.run_rise_detection()
        series = detectors.weekly_series(LAST_WEEK)
    assert not Warning.objects.filter(kind=WarningKind.RISE, department=cast.office).exists()
    assert ("department", cast.office.pk) not in series


def test_a_rise_over_two_weeks_says_two_weeks_and_lists_both_weeks_petitions(cast):
    # 17 and 17 against ~8 a week: neither week alone passes its line, the two together do.
    _history(cast, cast.brigade_a, last_two=17)
    with time_machine.travel(_at(TODAY, 6), tick=False):
        assert detectors.run_rise_detection() == 1
    warning = Warning.objects.get(kind=WarningKind.RISE, department=cast.brigade_a)
    assert warning.observed == 34 and "近两周34 件" in warning.title
    assert "2026年03月02日起两周" in warning.detail and "收到信访 34 件" in warning.detail
    assert warning.observed > warning.upper  # the line it names is the one it passed
    assert warning.petitions.count() == 34


def _warning(cast, department=None, key="k1"):
    return services.raise_warning(kind=WarningKind.RISE, key=key, title="大队A信访件上升：30 件，预期约 8 件",
                                  detail="示例说明", department=department or cast.brigade_a)


def test_the_centre_shows_a_units_warnings_to_its_head_and_not_to_another_units(cast, login):
    warning = _warning(cast)
    assert warning.title in login(cast.head_a).get("/warning/").content.decode()
    assert warning.title in login(cast.bureau).get("/warning/").content.decode()
    assert login(cast.handler_b).get("/warning/").status_code == 404  # 承办人没有预警中心
    other = _warning(cast, cast.brigade_b, key="k2")
    assert login(cast.head_a).get(f"/warning/{other.pk}/").status_code == 404


def test_acknowledge_then_close_with_what_was_done_leaves_audit_rows(cast, login):
    warning = _warning(cast)
    client = login(cast.head_a)
    client.post(f"/warning/{warning.pk}/acknowledge/")
    warning.refresh_from_db()
    assert warning.status == WarningStatus.ACKNOWLEDGED and warning.acknowledged_by == cast.head_a
    response = client.post(f"/warning/{warning.pk}/close/", {"outcome": ""}, follow=True)
    assert "处置情况：请写明做了什么" in response.content.decode()
    warning.refresh_from_db()
    assert warning.status == WarningStatus.ACKNOWLEDGED
    client.post(f"/warning/{warning.pk}/close/", {"outcome": "已约谈停车场并统一答复、公开收费标准"})
    warning.refresh_from_db()
    assert warning.status == WarningStatus.CLOSED and "公开收费标准" in warning.outcome
    actions = set(AuditEvent.objects.filter(object_id=str(warning.pk)).values_list("action", flat=True))
    assert {"warning.raise", "warning.acknowledge", "warning.close"} <= actions
    page = client.get("/warning/").content.decode()
    assert "最近关闭" in page


def test_a_closed_warning_cannot_be_acknowledged(cast):
    warning = _warning(cast)
    services.close_warning(warning, by=cast.head_a, outcome="经核实为误报，系统重复导入")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.acknowledge_warning(warning, by=cast.head_a)


def test_the_daily_job_is_in_the_schedule():
    from xinfang.core.jobs import SCHEDULE

    assert any(job.target == "xinfang.warning.detectors:run_daily" for job in SCHEDULE)
    assert callable(next(j for j in SCHEDULE if j.target.startswith("xinfang.warning")).function())


def test_the_centre_is_in_the_menu_of_heads_and_leaders_only(cast, login):
    assert "/warning/" in login(cast.head_a).get("/").content.decode()
    assert "/warning/" not in login(cast.handler_a).get("/").content.decode()


def test_a_too_short_closing_note_is_shown_under_its_field_and_closes_nothing(cast, login):
    warning = _warning(cast)
    response = login(cast.head_a).post(f"/warning/{warning.pk}/close/", {"outcome": "好"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "处置情况：请写明做了什么（至少 4 个字）" in page.split('id="id_outcome_error"')[1][:200]
    assert "处置情况：处置情况" not in page
    warning.refresh_from_db()
    assert warning.status != WarningStatus.CLOSED
# -- 共同诉求：集体访之前预警单位负责人与分管领导 ---------------------------------------------------------

HOT_TEXT = "丽发新城小区门口电子警察抓拍不合理，很多车主被误拍扣分，请核查设备。"


def _hot_petitions(cast, n, *, start=date(2026, 3, 2)):
    from xinfang.petitions.testing import PetitionerInput, id_number

    for i in range(n):
        register(cast.clerk, department=cast.brigade_a, content=f"{HOT_TEXT}第{i + 1}位车主反映。",
                 received_at=_at(start + timedelta(days=i % 10)),
                 person=PetitionerInput(name=f"车主{i}", id_number=id_number(f"43010519800101{i:03d}"), phone="13800138000", address="示范市"))
    for i, text in enumerate(["咨询驾驶证换证需要什么材料", "反映小区路灯不亮", "建议延长地铁运营时间"]):
        register(cast.clerk, department=cast.brigade_b, content=f"{text}。", received_at=_at(start + timedelta(days=i)))


def test_a_shared_grievance_past_the_threshold_warns_the_unit_head_and_leader_once(cast, settings):
    from xinfang.supervision.models import Notification

    settings.HOT_ISSUE_PETITIONERS = 5
    _hot_petitions(cast, 6)
    with time_machine.travel(_at(TODAY, 6), tick=False):
        assert detectors.run_hot_issue_detection() == 1
        assert detectors.run_hot_issue_detection() == 0  # 重复运行不重复预警
    warning = Warning.objects.get(kind=WarningKind.HOT_ISSUE)
    assert warning.petitioners == 6 and warning.department == cast.brigade_a
    assert "联合答复" in warning.suggestion and "听证" in warning.suggestion and "公开说明" in warning.suggestion
    assert warning.petitions.count() == 6
    recipients = set(Notification.objects.filter(data__warning=warning.pk).values_list("recipient_id", flat=True))
    assert cast.head_a.pk in recipients and cast.leader.pk in recipients
    assert cast.head_b.pk not in recipients
    assert not any(f"车主{i}" in warning.detail + warning.title for i in range(6))  # 只计数，不点名信访人


def test_a_shared_grievance_below_the_threshold_raises_nothing(cast, settings):
    settings.HOT_ISSUE_PETITIONERS = 8
    _hot_petitions(cast, 6)
    with time_machine.travel(_at(TODAY, 6), tick=False):
        assert detectors.run_hot_issue_detection() == 0


def test_during_a_sensitive_period_its_tighter_petitioner_count_raises_the_shared_grievance(cast, settings):
    from xinfang.warning import periods

    settings.HOT_ISSUE_PETITIONERS = 8
    _hot_petitions(cast, 6)
    with time_machine.travel(_at(TODAY, 6), tick=False):
        assert detectors.run_hot_issue_detection() == 0  # 平时 8 人才预警
        periods.create_period(by=cast.admin, name="全国两会", starts_on=TODAY - timedelta(days=3),
                              ends_on=TODAY + timedelta(days=7), hot_petitioners=5)
        assert detectors.run_hot_issue_detection() == 1
    warning = Warning.objects.get(kind=WarningKind.HOT_ISSUE)
    assert warning.petitioners == 6 and "达到预警人数 5（敏感时期）" in warning.detail


def test_a_sensitive_period_of_another_unit_does_not_tighten_this_units_count(cast, settings):
    from xinfang.warning import periods

    settings.HOT_ISSUE_PETITIONERS = 8
    _hot_petitions(cast, 6)
    with time_machine.travel(_at(TODAY, 6), tick=False):
        periods.create_period(by=cast.admin, name="省两会", starts_on=TODAY - timedelta(days=3),
                              ends_on=TODAY + timedelta(days=7), whole_bureau=False, departments=[cast.brigade_b],
                              hot_petitioners=5)
        assert detectors.run_hot_issue_detection() == 0


# -- 民警需要支持：主管领导记录处置，留作标签 ---------------------------------------------------------


def _officer_warning(cast, key="o1"):
    return services.raise_warning(kind=WarningKind.OFFICER_SUPPORT, key=key, title="民警 A001 可能需要支持（提示）",
                                  detail="投诉 5 件，执法 40 起", department=cast.brigade_a, officer_no="A001",
                                  level="warning", observed=2.4, expected=1.0)


def test_a_supervisor_records_a_disposition_which_closes_the_flag_and_is_kept_as_a_label(cast, login):
    from xinfang.warning.models import Disposition, OfficerDisposition

    warning = _officer_warning(cast)
    client = login(cast.head_a)
    page = client.get(f"/warning/{warning.pk}/").content.decode()
    assert "谈心谈话" in page and "误报" in page and "不是处分" in page
    response = client.post(f"/warning/{warning.pk}/dispose/", {"disposition": "reassign", "note": ""}, follow=True)
    assert "调整岗位须写明理由" in response.content.decode()
    assert not OfficerDisposition.objects.exists()
    client.post(f"/warning/{warning.pk}/dispose/", {"disposition": "talk", "note": "已谈心，了解到近期家中困难"})
    decision = OfficerDisposition.objects.get()
    assert decision.disposition == Disposition.TALK and decision.officer_no == "A001"
    assert decision.score == 2.4 and decision.level == "warning" and decision.decided_by == cast.head_a
    warning.refresh_from_db()
    assert warning.status == WarningStatus.CLOSED and warning.outcome.startswith("处置：谈心谈话")
    actions = set(AuditEvent.objects.filter(object_id=str(warning.pk)).values_list("action", flat=True))
    assert {"warning.disposition", "warning.close"} <= actions
    response = client.post(f"/warning/{warning.pk}/dispose/", {"disposition": "false_alarm"}, follow=True)
    assert "已记录处置决定" in response.content.decode()
    assert OfficerDisposition.objects.count() == 1


def test_a_disposition_is_only_for_officer_flags_and_only_for_supervisors(cast, login):
    rise = _warning(cast)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.record_disposition(rise, by=cast.head_a, disposition="talk")
    officer = _officer_warning(cast)
    assert login(cast.supervisor).post(f"/warning/{officer.pk}/dispose/", {"disposition": "talk"}).status_code == 404


def test_officer_flags_from_the_database_use_enforcement_cases_as_exposure(cast):
    from xinfang.screening.models import EnforcementCase

    fields = {f.name for f in EnforcementCase._meta.get_fields()}
    assert {"officer_no", "department", "decided_at"} <= fields
    with time_machine.travel(_at(TODAY, 6), tick=False):
        assert detectors.officer_activity(TODAY) == []  # 没有执法案件：不按人头提示
        assert detectors.run_officer_flags() == 0


# -- 预警中心：按类别筛选、分页 ---------------------------------------------------------


def test_the_centre_pages_and_filters_by_kind(cast, login):
    for i in range(30):
        _warning(cast, key=f"page-{i}")
    _officer_warning(cast)
    client = login(cast.head_a)
    first = client.get("/warning/").content.decode()
    assert "第 1 / 2 页（共 31 条）" in first
    assert "下一页" in first
    second = client.get("/warning/?page=2").content.decode()
    assert "上一页" in second
    only = client.get("/warning/?kind=officer_support").content.decode()
    assert "民警 A001 可能需要支持" in only and "大队A信访件上升" not in only
