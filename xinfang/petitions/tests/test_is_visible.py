"""事项页（与接口详情）按主键取一件再逐条核对可见范围：与列表用的 visible_matters 必须是同一条规则。"""

from __future__ import annotations

import pytest
from django.http import Http404

from xinfang.petitions import selectors
from xinfang.petitions.models import Assignment, AssignmentRole, Matter
from xinfang.petitions.testing import register

pytestmark = pytest.mark.django_db


def test_is_visible_agrees_with_visible_matters_for_every_person(cast):
    lead_a = register(cast.clerk, department=cast.brigade_a)
    lead_b = register(cast.clerk, department=cast.brigade_b)
    co_b = register(cast.clerk, department=cast.brigade_a)
    Assignment.objects.create(matter=co_b, department=cast.brigade_b, role=AssignmentRole.CO)
    handled = register(cast.clerk, department=cast.brigade_b)
    Matter.objects.filter(pk=handled.pk).update(handler=cast.handler_a)
    matters = list(Matter.objects.select_related("department"))
    people = [getattr(cast, name) for name in ("clerk", "handler_a", "head_a", "head_b", "leader", "supervisor",
                                               "bureau", "auditor", "admin")]
    for person in people:
        listed = set(selectors.visible_matters(person).values_list("pk", flat=True))
        assert {m.pk for m in matters if selectors.is_visible(person, m)} == listed, person.username
        for m in matters:
            if m.pk in listed:
                assert selectors.matter_for_page(person, m.pk).pk == m.pk
            else:
                with pytest.raises(Http404):
                    selectors.matter_for_page(person, m.pk)
    # 规则的每一支都真的出现了：大队B看得到协办的那件、大队A的承办人看得到交给他的那件
    assert co_b.pk in set(selectors.visible_matters(cast.head_b).values_list("pk", flat=True))
    assert lead_a.pk not in set(selectors.visible_matters(cast.head_b).values_list("pk", flat=True))
    assert handled.pk in set(selectors.visible_matters(cast.handler_a).values_list("pk", flat=True))
    assert lead_b.pk not in set(selectors.visible_matters(cast.handler_a).values_list("pk", flat=True))
