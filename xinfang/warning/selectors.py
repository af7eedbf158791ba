"""预警的读：按用户可见的部门（xinfang.org.access）取。无单位的预警（如类别上升）只给局领导、督办员、分管领导看。"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from xinfang.org import access

from .models import OPEN_STATES, Warning, WarningKind


def visible_warnings(user) -> QuerySet[Warning]:
    ids = access.visible_department_ids(user)
    queryset = Warning.objects.select_related("department")
    if ids is None:
        return queryset
    condition = Q(department_id__in=ids)
    if access.has_role(user, "leader", "supervisor"):
        condition |= Q(department__isnull=True)
    return queryset.filter(condition)


def access_warning(user, pk: int) -> Warning:
    try:
        return visible_warnings(user).get(pk=pk)
    except (Warning.DoesNotExist, ValueError):
        raise Http404("预警不存在") from None


PER_KIND = 50


def centre(user, *, show_closed: bool = False) -> dict:
    """预警中心：未关闭的预警按类别分组，每类最近的 50 条与该类总数；另给最近关闭的 20 条。"""
    queryset = visible_warnings(user)
    open_rows = queryset.filter(status__in=OPEN_STATES)
    counts = dict(open_rows.order_by().values_list("kind").annotate(n=Count("id")))
    groups = [
        (kind.label, counts.get(kind.value, 0),
         list(open_rows.filter(kind=kind).order_by("-created_at", "-id")[:PER_KIND]) if counts.get(kind.value) else [])
        for kind in WarningKind
    ]
    closed = list(queryset.filter(status="closed").order_by("-closed_at")[:20]) if show_closed else []
    return {"groups": groups, "open_count": sum(counts.values()), "closed": closed, "per_kind": PER_KIND}
