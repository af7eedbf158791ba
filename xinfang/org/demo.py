"""示范组织与示范账号：一个支队、三个大队各两个中队、一个信访科，每个角色一个账号。可重复执行。"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from .models import Department, DepartmentKind, RoleCode, Staff
from .services import create_department, create_staff, update_department

DEMO_PASSWORD = "Xinfang2026demo"
DETACHMENT = "示范市公安局交通警察支队"
OFFICE = "信访科"
LEADERSHIP = "支队领导"
BRIGADES = ("一大队", "二大队", "三大队")
SQUADRONS = ("一中队", "二中队")


@dataclass(frozen=True)
class DemoAccount:
    username: str
    name: str
    role: str
    department: str  # 部门名；大队/中队写作 "一大队" 或 "一大队/一中队"
    oversees: tuple[str, ...] = ()


DEMO_ACCOUNTS = (
    DemoAccount("clerk", "王登记", RoleCode.CLERK, OFFICE, oversees=(DETACHMENT,)),
    DemoAccount("handler", "李承办", RoleCode.HANDLER, "一大队/一中队"),
    DemoAccount("head", "张大队长", RoleCode.UNIT_HEAD, "一大队"),
    DemoAccount("leader", "赵分管", RoleCode.LEADER, LEADERSHIP, oversees=("一大队", "二大队")),
    DemoAccount("supervisor", "孙督办", RoleCode.SUPERVISOR, OFFICE, oversees=(DETACHMENT,)),
    DemoAccount("bureau", "周局长", RoleCode.BUREAU_LEADER, DETACHMENT),
    DemoAccount("auditor", "吴审计", RoleCode.AUDITOR, DETACHMENT),
    DemoAccount("admin", "郑管理", RoleCode.ADMIN, OFFICE),
)


def _department(name: str, kind: str, parent: Department | None) -> Department:
    existing = Department.objects.filter(name=name, parent=parent).first()
    return existing or create_department(by=None, name=name, kind=kind, parent=parent)


@transaction.atomic
def seed_demo() -> list[DemoAccount]:
    """建立（或补齐）示范组织与账号，返回账号清单。已存在的不改动。"""
    root = _department(DETACHMENT, DepartmentKind.DETACHMENT, None)
    by_path = {
        DETACHMENT: root,
        OFFICE: _department(OFFICE, DepartmentKind.OFFICE, root),
        # 分管领导单列一个部门：放在支队根上就等于看全部，分管范围便失去意义。
        LEADERSHIP: _department(LEADERSHIP, DepartmentKind.OFFICE, root),
    }
    for brigade_name in BRIGADES:
        brigade = _department(brigade_name, DepartmentKind.BRIGADE, root)
        by_path[brigade_name] = brigade
        for squadron_name in SQUADRONS:
            by_path[f"{brigade_name}/{squadron_name}"] = _department(squadron_name, DepartmentKind.SQUADRON, brigade)
    accounts = {}
    for account in DEMO_ACCOUNTS:
        staff = Staff.objects.filter(username=account.username).first() or create_staff(
            by=None, username=account.username, name=account.name, password=DEMO_PASSWORD,
            department=by_path[account.department], roles=[account.role],
            oversees=[by_path[name] for name in account.oversees],
        )
        accounts[account.username] = staff
    if root.head_id is None:
        update_department(root, by=None, head=accounts["bureau"], petition_leader=accounts["leader"])
    brigade_one = by_path["一大队"]
    if brigade_one.head_id is None:
        update_department(brigade_one, by=None, head=accounts["head"], petition_leader=accounts["leader"])
    return list(DEMO_ACCOUNTS)
