"""局领导总览：现在有的事实，按单位汇总——在办、超期、被督办、不满意。只读，数据来自可见范围。

"按单位"按第一级单位（大队、科室）汇总：中队的事项算进所属大队。
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q

from xinfang.org.models import Department

from .selectors import visible_matters
from .workflow import OPEN_STATES


@dataclass
class UnitRow:
    department: Department | None
    open: int = 0
    overdue: int = 0
    supervised: int = 0
    unsatisfied: int = 0
    children: list = field(default_factory=list)


def _unit_of(department_id: int, departments: dict[int, Department]) -> int:
    """第一级单位的 id（根部门自己算一个单位）。"""
    department = departments.get(department_id)
    if department is None:
        return department_id
    ids = department.ancestor_ids()
    return ids[1] if len(ids) > 1 else ids[0]


def overview(user, today: date) -> tuple[UnitRow, list[UnitRow]]:
    """（合计，按单位的行）。每个数字一条聚合查询。"""
    from xinfang.portal.models import ReturnVisit, Satisfaction
    from xinfang.supervision.models import OrderStatus, SupervisionOrder

    matters = visible_matters(user)
    counts = (matters.filter(status__in=OPEN_STATES).values("department")
              .annotate(n=Count("pk"), late=Count("pk", filter=Q(current_due__lt=today))))
    supervised = (SupervisionOrder.objects.filter(status=OrderStatus.OPEN, matter__in=matters)
                  .values("matter__department").annotate(n=Count("matter", distinct=True)))
    unhappy = Q(satisfaction=Satisfaction.UNSATISFIED) | Q(online_rating=Satisfaction.UNSATISFIED)
    unsatisfied = (ReturnVisit.objects.filter(unhappy, matter__in=matters)
                   .values("matter__department").annotate(n=Count("matter", distinct=True)))
    departments = {d.pk: d for d in Department.objects.all()}
    rows: dict[int, UnitRow] = {}

    def row(department_id: int) -> UnitRow:
        unit = _unit_of(department_id, departments)
        if unit not in rows:
            rows[unit] = UnitRow(departments.get(unit))
        return rows[unit]

    for c in counts:
        r = row(c["department"])
        r.open += c["n"]
        r.overdue += c["late"]
    for c in supervised:
        row(c["matter__department"]).supervised += c["n"]
    for c in unsatisfied:
        row(c["matter__department"]).unsatisfied += c["n"]
    ordered = sorted(rows.values(), key=lambda r: (-r.overdue, -r.open, r.department.path if r.department else ""))
    total = UnitRow(None, sum(r.open for r in ordered), sum(r.overdue for r in ordered),
                    sum(r.supervised for r in ordered), sum(r.unsatisfied for r in ordered))
    return total, ordered
