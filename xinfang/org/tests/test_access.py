"""谁能看到什么：每个角色、每个部门。"""

import pytest
from django.http import Http404

from xinfang.org import access
from xinfang.org.models import Department, Staff

pytestmark = pytest.mark.django_db


def visible(cast, who) -> set[str]:
    return set(access.departments(who).values_list("name", flat=True))


ALL = {"测试支队", "信访科", "支队领导", "大队A", "中队A1", "大队B"}


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("handler_a", {"大队A", "中队A1"}),
        ("head_a", {"大队A", "中队A1"}),
        ("squad_handler", {"中队A1"}),
        ("handler_b", {"大队B"}),
        ("leader", {"支队领导", "大队A", "中队A1"}),
        ("clerk", ALL),
        ("supervisor", ALL),
        ("bureau", ALL),
        ("auditor", ALL),
        ("admin", {"信访科"}),
    ],
)
def test_each_role_sees_its_subtree_plus_what_it_oversees(cast, who, expected):
    assert visible(cast, getattr(cast, who)) == expected


def test_scope_filters_records_by_their_department(cast):
    names = set(access.scope(Staff.objects.all(), cast.head_a).values_list("username", flat=True))
    assert names == {"handler_a", "head_a", "clerk_a", "squad_handler"}


def test_scope_with_several_fields_matches_any_of_them(cast):
    # 以人员为例：所属部门或分管部门任一可见，即可见（联合办理的信访件正是这样）。
    names = set(access.scope(Staff.objects.all(), cast.handler_b, "department", "oversees").values_list("username", flat=True))
    assert names == {"handler_b", "head_b", "auditor"}


def test_another_departments_record_is_not_found_rather_than_forbidden(cast):
    with pytest.raises(Http404):
        access.access_department(cast.handler_b, cast.brigade_a.pk)
    with pytest.raises(Http404):
        access.access_staff(cast.handler_b, cast.handler_a.pk)
    assert access.access_department(cast.head_a, cast.squadron_a1.pk) == cast.squadron_a1


def test_a_user_without_department_or_oversight_sees_nothing(cast):
    from xinfang.org.services import create_staff

    loner = create_staff(by=None, username="loner", name="无部门", password="Alone2026pass", department=None)
    assert not access.departments(loner).exists()


def test_anonymous_sees_nothing(cast):
    from django.contrib.auth.models import AnonymousUser

    assert not access.departments(AnonymousUser()).exists()


def test_department_detail_page_answers_404_for_another_department(cast, login):
    client = login(cast.handler_b)
    assert client.get(f"/org/departments/{cast.brigade_a.pk}/").status_code == 404
    assert client.get(f"/org/departments/{cast.brigade_b.pk}/").status_code == 200
    assert client.get("/org/departments/999999/").status_code == 404


def test_department_list_page_shows_only_visible_departments(cast, login):
    body = login(cast.handler_a).get("/org/departments/").content.decode()
    assert "中队A1" in body and "大队B" not in body


def test_moving_a_department_moves_its_subtree_and_visibility(cast):
    from xinfang.org.services import update_department

    update_department(cast.brigade_a, by=cast.admin, parent=cast.brigade_b)
    squadron = Department.objects.get(pk=cast.squadron_a1.pk)
    assert squadron.path.startswith(Department.objects.get(pk=cast.brigade_b.pk).path)
    assert squadron.depth == 3
    assert "中队A1" in visible(cast, Staff.objects.get(pk=cast.handler_b.pk))


def test_a_department_cannot_move_under_its_own_subtree(cast):
    from django.core.exceptions import ValidationError

    from xinfang.org.services import update_department

    with pytest.raises(ValidationError):
        update_department(cast.brigade_a, by=cast.admin, parent=cast.squadron_a1)
    assert Department.objects.get(pk=cast.brigade_a.pk).parent_id == cast.detachment.pk
