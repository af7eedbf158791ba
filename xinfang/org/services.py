"""组织机构的写操作：部门与人员的增改、角色、分管关系、密码。每个函数都在一个事务里写审计记录。"""

from __future__ import annotations

from typing import Iterable

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr

from xinfang.audit.services import diff, record, snapshot

from .models import Department, DepartmentKind, Role, RoleCode, Staff

DEPARTMENT_FIELDS = ("name", "code", "kind", "parent", "sort_order", "head", "petition_leader", "is_active",
                     "is_organ", "full_name", "superior_external_name")
STAFF_FIELDS = ("username", "name", "police_number", "phone", "department", "is_active", "is_staff")


@transaction.atomic
def create_department(
    *, by: Staff | None, name: str, kind: str = DepartmentKind.OTHER, parent: Department | None = None,
    sort_order: int = 0, head: Staff | None = None, petition_leader: Staff | None = None,
    is_organ: bool | None = None, full_name: str = "", superior_external_name: str = "",
) -> Department:
    """新建部门：挂到上级之下，维护子树路径，记审计。"""
    department = Department(
        name=name, kind=kind, parent=parent, sort_order=sort_order,
        head=head, petition_leader=petition_leader, is_organ=is_organ,
        full_name=full_name, superior_external_name=superior_external_name,
    )
    department.full_clean(exclude=["path"])
    department.save()
    _set_path(department)
    record(actor=by, action="department.create", obj=department,
           changes=diff({}, snapshot(department, DEPARTMENT_FIELDS)))
    return department


@transaction.atomic
def update_department(department: Department, *, by: Staff | None, **values) -> Department:
    """修改部门；改上级时整棵子树随之移动（不允许移到自己的子树下）。"""
    department = Department.objects.select_for_update().get(pk=department.pk)
    before = snapshot(department, DEPARTMENT_FIELDS)
    old_path = department.path
    for name, value in values.items():
        if name not in DEPARTMENT_FIELDS:
            raise ValueError(f"部门没有可修改的字段 {name}")
        setattr(department, name, value)
    parent = department.parent
    if parent is not None and (parent.pk == department.pk or parent.path.startswith(old_path)):
        raise ValidationError({"parent": "不能把部门移到它自己或它的下级部门之下"})
    department.full_clean(exclude=["path"])
    department.save()
    if before["parent"] != department.parent_id:
        _set_path(department)
        # 子树各节点的路径前缀一次性替换；层级随之变化。
        Department.objects.filter(path__startswith=old_path).exclude(pk=department.pk).update(
            path=Concat(Value(department.path), Substr("path", len(old_path) + 1)),
            depth=F("depth") + (department.depth - (old_path.count("/") - 2)),
        )
    changes = diff(before, snapshot(department, DEPARTMENT_FIELDS))
    if changes:
        record(actor=by, action="department.update", obj=department, changes=changes)
    return department


def _set_path(department: Department) -> None:
    prefix = department.parent.path if department.parent_id else "/"
    department.path = f"{prefix}{department.pk}/"
    department.depth = department.path.count("/") - 2
    Department.objects.filter(pk=department.pk).update(path=department.path, depth=department.depth)


@transaction.atomic
def create_staff(
    *, by: Staff | None, username: str, name: str, password: str, department: Department | None,
    roles: Iterable[str] = (), oversees: Iterable[Department] = (), police_number: str = "", phone: str = "",
) -> Staff:
    """新建人员账号：校验密码规则（Argon2 存储）、授予角色与分管部门，记审计（不记密码）。"""
    # 管理员替人设的是初始密码：本人首次登录须改掉（by=None 是建库、示范数据等系统操作）。
    staff = Staff(username=username, name=name, department=department, police_number=police_number, phone=phone,
                  must_change_password=by is not None)
    staff.full_clean(exclude=["password"])
    validate_password(password, user=staff)
    staff.set_password(password)
    staff.save()
    record(actor=by, action="staff.create", obj=staff, changes=diff({}, snapshot(staff, STAFF_FIELDS)))
    set_roles(staff, by=by, roles=roles)
    set_oversight(staff, by=by, departments=oversees)
    return staff


@transaction.atomic
def update_staff(staff: Staff, *, by: Staff | None, **values) -> Staff:
    """修改人员资料（不含角色、分管和密码，它们各有专门的函数）。"""
    staff = Staff.objects.select_for_update(of=("self",)).get(pk=staff.pk)
    before = snapshot(staff, STAFF_FIELDS)
    for name, value in values.items():
        if name not in STAFF_FIELDS or name == "is_staff":
            raise ValueError(f"人员没有可修改的字段 {name}")
        setattr(staff, name, value)
    staff.full_clean(exclude=["password"])
    staff.save()
    changes = diff(before, snapshot(staff, STAFF_FIELDS))
    if changes:
        record(actor=by, action="staff.update", obj=staff, changes=changes)
    return staff


@transaction.atomic
def set_roles(staff: Staff, *, by: Staff | None, roles: Iterable[str]) -> Staff:
    """把人员的角色设为给定集合；系统管理员角色同时决定能否进入配置后台。"""
    codes = sorted(set(roles))
    unknown = [c for c in codes if c not in RoleCode.values]
    if unknown:
        raise ValidationError({"roles": f"未知角色：{'、'.join(unknown)}"})
    before = sorted(staff.roles.values_list("code", flat=True))
    if before != codes:
        # get_or_create：角色行由数据迁移建立，但清库后的测试库里可能没有。
        staff.roles.set([Role.objects.get_or_create(code=code)[0] for code in codes])
        record(actor=by, action="staff.roles", obj=staff, changes={"roles": [before, codes]})
    # 系统管理员角色即配置后台的全部权限；部门可见范围仍由 access 决定，与此无关。
    is_admin = RoleCode.ADMIN in codes
    if staff.is_staff != is_admin:
        Staff.objects.filter(pk=staff.pk).update(is_staff=is_admin, is_superuser=is_admin)
        staff.is_staff = staff.is_superuser = is_admin
        record(actor=by, action="staff.update", obj=staff, changes={"is_staff": [not is_admin, is_admin]})
    return staff


@transaction.atomic
def set_oversight(staff: Staff, *, by: Staff | None, departments: Iterable[Department]) -> Staff:
    """设置人员分管（可查看）的部门，各含其整棵子树。"""
    wanted = sorted({d.pk for d in departments})
    before = sorted(staff.oversees.values_list("pk", flat=True))
    if before != wanted:
        staff.oversees.set(wanted)
        record(actor=by, action="staff.oversight", obj=staff, changes={"oversees": [before, wanted]})
    return staff


@transaction.atomic
def record_staff_read(staff: Staff, *, by: Staff | None, purpose: str) -> None:
    """查看了人员的个人资料（警号、联系电话）：记审计。"""
    record(actor=by, action="personal_data.read", obj=staff, changes={"purpose": [None, purpose]})


@transaction.atomic
def set_password(staff: Staff, *, by: Staff | None, password: str) -> Staff:
    """按密码规则设置新密码；审计只记"改过"，不记密码本身。"""
    validate_password(password, user=staff)
    staff.set_password(password)
    # 别人重置的密码本人须在登录后改掉；本人设的不必。
    must_change = by is not None and by.pk != staff.pk
    Staff.objects.filter(pk=staff.pk).update(password=staff.password, must_change_password=must_change)
    changes = {"password": ["***", "***"]}
    if staff.must_change_password != must_change:
        changes["must_change_password"] = [staff.must_change_password, must_change]
    staff.must_change_password = must_change
    record(actor=by, action="staff.password", obj=staff, changes=changes)
    return staff


@transaction.atomic
def change_own_password(staff: Staff, *, old_password: str, new_password: str) -> Staff:
    """本人修改密码：核对原密码、新密码合规且与原密码不同；清除"须修改"标记，记审计（不记密码）。"""
    staff = Staff.objects.select_for_update(of=("self",)).get(pk=staff.pk)
    if not staff.check_password(old_password):
        raise ValidationError({"old_password": "原密码不正确。"})
    if old_password == new_password:
        raise ValidationError({"new_password1": "新密码不能与原密码相同。"})
    try:
        validate_password(new_password, user=staff)
    except ValidationError as exc:
        raise ValidationError({"new_password1": exc.messages}) from None
    before = staff.must_change_password
    staff.set_password(new_password)
    staff.must_change_password = False
    staff.save(update_fields=["password", "must_change_password"])
    changes = {"password": ["***", "***"]}
    if before:
        changes["must_change_password"] = [True, False]
    record(actor=staff, action="staff.password_change", obj=staff, changes=changes)
    return staff
