"""测试用的固定人物表（STYLE.md：支队登记员、大队A承办人与负责人、大队B承办人……）。

    支队 ─┬─ 信访科        clerk（分管支队）、admin
          ├─ 支队领导      leader（分管大队A）
          ├─ 大队A ── 中队A1   head_a（大队A一把手）、handler_a、clerk_a（大队A自己的登记员）；squad_handler 在中队A1
          └─ 大队B        handler_b、head_b（大队B一把手；事项协办给大队B时即“协办单位负责人”）、
                          auditor（审计员看全部，与所在部门无关）
    bureau（局领导）在支队。
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import Department, DepartmentKind, RoleCode, Staff
from .services import create_department, create_staff, update_department

PASSWORD = "Cast2026pass"


@dataclass
class Cast:
    detachment: Department
    office: Department
    leadership: Department
    brigade_a: Department
    squadron_a1: Department
    brigade_b: Department
    clerk: Staff
    clerk_a: Staff
    handler_a: Staff
    head_a: Staff
    squad_handler: Staff
    handler_b: Staff
    head_b: Staff
    leader: Staff
    supervisor: Staff
    bureau: Staff
    auditor: Staff
    admin: Staff

    def everyone(self) -> dict[str, Staff]:
        return {name: value for name, value in vars(self).items() if isinstance(value, Staff)}


def build_cast() -> Cast:
    detachment = create_department(by=None, name="测试支队", kind=DepartmentKind.DETACHMENT)
    office = create_department(by=None, name="信访科", kind=DepartmentKind.OFFICE, parent=detachment)
    leadership = create_department(by=None, name="支队领导", kind=DepartmentKind.OFFICE, parent=detachment)
    brigade_a = create_department(by=None, name="大队A", kind=DepartmentKind.BRIGADE, parent=detachment)
    squadron_a1 = create_department(by=None, name="中队A1", kind=DepartmentKind.SQUADRON, parent=brigade_a)
    brigade_b = create_department(by=None, name="大队B", kind=DepartmentKind.BRIGADE, parent=detachment)

    def staff(username: str, name: str, role: str, department: Department, oversees=()) -> Staff:
        return create_staff(by=None, username=username, name=name, password=PASSWORD,
                            department=department, roles=[role], oversees=oversees)

    cast = Cast(
        detachment=detachment, office=office, leadership=leadership,
        brigade_a=brigade_a, squadron_a1=squadron_a1, brigade_b=brigade_b,
        clerk=staff("clerk", "登记员甲", RoleCode.CLERK, office, oversees=[detachment]),
        clerk_a=staff("clerk_a", "大队A登记员", RoleCode.CLERK, brigade_a),
        handler_a=staff("handler_a", "承办人A", RoleCode.HANDLER, brigade_a),
        head_a=staff("head_a", "大队长A", RoleCode.UNIT_HEAD, brigade_a),
        squad_handler=staff("squad_handler", "中队承办人", RoleCode.HANDLER, squadron_a1),
        handler_b=staff("handler_b", "承办人B", RoleCode.HANDLER, brigade_b),
        head_b=staff("head_b", "大队长B", RoleCode.UNIT_HEAD, brigade_b),
        leader=staff("leader", "分管领导", RoleCode.LEADER, leadership, oversees=[brigade_a]),
        supervisor=staff("supervisor", "督办员", RoleCode.SUPERVISOR, office, oversees=[detachment]),
        bureau=staff("bureau", "局领导", RoleCode.BUREAU_LEADER, detachment),
        auditor=staff("auditor", "审计员", RoleCode.AUDITOR, brigade_b),
        admin=staff("admin", "管理员", RoleCode.ADMIN, office),
    )
    update_department(brigade_a, by=None, head=cast.head_a, petition_leader=cast.leader)
    update_department(brigade_b, by=None, head=cast.head_b)
    cast.brigade_a.refresh_from_db()
    cast.brigade_b.refresh_from_db()
    return cast
