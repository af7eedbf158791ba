from datetime import datetime

import pytest
from django.utils import timezone

from xinfang.screening.models import EnforcementCase
from xinfang.screening.testing import give_codes


@pytest.fixture
def coded(cast):
    give_codes(cast)
    cast.handler_a.police_number = "A001"
    cast.handler_a.save()
    cast.handler_b.police_number = "B001"
    cast.handler_b.save()
    return cast


@pytest.fixture
def make_case(coded):
    counter = {"n": 0}

    def make(*, department=None, officer_no="A001", decided=datetime(2026, 11, 10, 10), closed=True, **values):
        counter["n"] += 1
        decided_at = timezone.make_aware(decided)
        defaults = {"case_type": "violation", "opened_at": decided_at, "decided_at": decided_at,
                    "closed_at": decided_at if closed else None, "risk_score": 0.0}
        defaults.update(values)
        return EnforcementCase.objects.create(case_no=values.pop("case_no", f"K{counter['n']:04d}"),
                                              department=department or coded.brigade_a, officer_no=officer_no,
                                              **{k: v for k, v in defaults.items() if k != "case_no"})

    return make
