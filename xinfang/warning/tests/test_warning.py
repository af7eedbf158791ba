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


def _history(cast, department, *, weeks=140, spike=None, seed=0):
    """A matter in ``department`` with ~8 petitions a week for ``weeks`` weeks up to LAST_WEEK."""
    with time_machine.travel(_at(LAST_WEEK - timedelta(weeks=weeks)), tick=False):
        matter = register(cast.clerk, department=department)
    rng = np.random.default_rng(seed)
    rows = []
    for w in range(weeks):
        monday = LAST_WEEK - timedelta(weeks=weeks - 1 - w)
        count = spike if (spike is not None and monday == LAST_WEEK) else int(rng.poisson(8))
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
