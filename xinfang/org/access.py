"""Who may see what — the one place every list, detail, export and API endpoint asks.

A user sees their own department's subtree plus the subtrees they oversee; bureau leaders
and auditors see everything. A record outside that answers 404, never 403: we do not
confirm that another department's record exists.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from .models import Department, RoleCode, Staff

SEE_ALL_ROLES = frozenset({RoleCode.BUREAU_LEADER, RoleCode.AUDITOR})


def role_codes(user) -> frozenset[str]:
    """用户持有的角色代码（每个请求只查一次库）。"""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_role_codes", None)
    if cached is None:
        cached = frozenset(user.roles.values_list("code", flat=True))
        user._role_codes = cached
    return cached


def has_role(user, *codes: str) -> bool:
    return bool(role_codes(user) & set(codes))


def sees_all(user) -> bool:
    return has_role(user, *SEE_ALL_ROLES)


def visible_department_ids(user) -> frozenset[int] | None:
    """用户可见的部门 id；None 表示全部可见。未登录或无部门者什么也看不到。

    分管范围恰好覆盖全部部门的（如分管整个支队的登记员）也返回 None：查询不必再带部门条件。
    """
    if sees_all(user):
        return None
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    if not hasattr(user, "_visible_department_ids"):
        roots = list(user.oversees.values_list("path", flat=True))
        if user.department_id:
            roots.append(user.department.path)
        ids: frozenset[int] | None = frozenset()
        if roots:
            condition = Q()
            for path in roots:
                condition |= Q(path__startswith=path)
            ids = frozenset(Department.objects.filter(condition).values_list("pk", flat=True))
            if len(ids) >= Department.objects.count():
                ids = None
        user._visible_department_ids = ids
    return user._visible_department_ids


def scope(queryset: QuerySet, user, *fields: str) -> QuerySet:
    """把查询限制在用户可见的部门内。`fields` 是指向部门的外键路径，命中任一即可见。"""
    ids = visible_department_ids(user)
    if ids is None:
        return queryset
    condition = Q()
    for field in fields or ("department",):
        condition |= Q(**{f"{field}__in": ids})
    return queryset.filter(condition).distinct() if len(fields) > 1 else queryset.filter(condition)


def get_visible_or_404(queryset: QuerySet, user, *fields: str, **lookup):
    """按 lookup 取一条可见记录；不可见与不存在一样答 404。"""
    try:
        return scope(queryset, user, *fields).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404("记录不存在") from None


def departments(user) -> QuerySet[Department]:
    """用户可见的部门（按树序）。"""
    ids = visible_department_ids(user)
    queryset = Department.objects.all()
    return queryset if ids is None else queryset.filter(pk__in=ids)


def access_department(user, pk: int) -> Department:
    """取一个可见的部门；不可见与不存在一样答 404。"""
    try:
        return departments(user).get(pk=pk)
    except (Department.DoesNotExist, ValueError):
        raise Http404("部门不存在") from None


def access_staff(user, pk: int) -> Staff:
    """取一名可见的人员（其所属部门须在用户可见范围内）。"""
    return get_visible_or_404(Staff.objects.all(), user, "department", pk=pk)
