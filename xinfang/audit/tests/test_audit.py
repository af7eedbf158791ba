"""审计：每个写操作都留下记录；审计员能筛选浏览；记录不能在事务之外写。"""

import pytest
from django.db import transaction

from xinfang.audit.models import AuditEvent
from xinfang.audit.services import record
from xinfang.org import services
from xinfang.org.models import DepartmentKind

pytestmark = pytest.mark.django_db


def last(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).latest("id")


def test_every_org_write_leaves_an_audit_row_with_before_and_after(cast):
    department = services.create_department(by=cast.admin, name="中队B1", kind=DepartmentKind.SQUADRON, parent=cast.brigade_b)
    event = last("department.create")
    assert event.actor == cast.admin and event.changes["name"] == [None, "中队B1"]

    services.update_department(department, by=cast.admin, name="中队B一")
    assert last("department.update").changes == {"name": ["中队B1", "中队B一"]}

    staff = services.create_staff(by=cast.admin, username="new_one", name="新人", password="Newone2026pass",
                                  department=department, roles=["handler"])
    assert last("staff.create").object_id == str(staff.pk)
    assert last("staff.roles").changes == {"roles": [[], ["handler"]]}

    services.update_staff(staff, by=cast.admin, phone="13800000000")
    assert last("staff.update").changes == {"phone": ["", "13800000000"]}

    services.set_oversight(staff, by=cast.admin, departments=[cast.brigade_a])
    assert last("staff.oversight").changes == {"oversees": [[], [cast.brigade_a.pk]]}

    services.set_password(staff, by=cast.admin, password="Another2026pass")
    assert last("staff.password").changes == {"password": ["***", "***"]}
    assert "Another2026pass" not in str(list(AuditEvent.objects.values_list("changes", flat=True)))


def test_an_update_that_changes_nothing_writes_no_row(cast):
    before = AuditEvent.objects.count()
    services.update_staff(cast.handler_a, by=cast.admin, name=cast.handler_a.name)
    assert AuditEvent.objects.count() == before


def test_a_failed_write_leaves_neither_the_change_nor_its_audit_row(cast):
    before = AuditEvent.objects.count()
    with pytest.raises(Exception):
        services.create_department(by=cast.admin, name="大队A", kind=DepartmentKind.BRIGADE, parent=cast.detachment)
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_record_refuses_to_write_outside_a_transaction(cast):
    with pytest.raises(RuntimeError):
        record(actor=cast.admin, action="x", obj=cast.admin)
    with transaction.atomic():
        record(actor=cast.admin, action="x", obj=cast.admin)


def test_auditors_browse_and_filter_the_trail(cast, login):
    services.update_staff(cast.handler_b, by=cast.admin, phone="13900000000")
    client = login(cast.auditor)
    body = client.get("/audit/", {"action": "staff.update", "actor": "管理员"}).content.decode()
    assert "13900000000" in body
    body = client.get("/audit/", {"action": "department.create"}).content.decode()
    assert "13900000000" not in body and "大队B" in body


def test_a_reversed_date_range_is_explained(cast, login):
    body = login(cast.auditor).get("/audit/", {"since": "2026-05-02", "until": "2026-05-01"}).content.decode()
    assert "起始日期不能晚于截止日期" in body


@pytest.mark.parametrize("who", ["handler_a", "head_a", "leader", "supervisor", "admin", "clerk"])
def test_only_auditors_and_bureau_leaders_see_the_trail(cast, login, who):
    assert login(getattr(cast, who)).get("/audit/").status_code == 404


def test_bureau_leaders_see_the_trail(cast, login):
    assert login(cast.bureau).get("/audit/").status_code == 200


def test_a_change_named_items_shows_in_the_trail_instead_of_breaking_the_page(cast, login):
    with transaction.atomic():
        record(actor=None, action="screening.round_opened", obj=cast.brigade_a, changes={"items": [None, 3]})
    response = login(cast.auditor).get("/audit/")
    assert response.status_code == 200
    assert "<b>items</b>：— → 3" in response.content.decode()
