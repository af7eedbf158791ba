"""预警的读：按用户可见的部门（xinfang.org.access）取。无单位的预警（如类别上升）只给局领导、督办员、分管领导看。"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from xinfang.org import access

from .models import Warning, WarningKind, WarningStatus


def visible_warnings(user) -> QuerySet[Warning]:
    ids = access.visible_department_ids(user)
    queryset = Warning.objects.all()
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


PER_PAGE = 25
LIST_FIELDS = ("id", "kind", "status", "title", "created_at", "department_id", "petitioners", "level")


def centre(user, *, kind: str = "", page: int = 1, show_closed: bool = False) -> dict:
    """预警中心：未关闭的预警按类别计数；列表按类别筛选、按时间倒序分页（每页 25 条）；另给最近关闭的 10 条。

    只取列表要显示的列（values），计数一条分组查询，列表一条带 LIMIT 的查询：百万件库上也不随预警总数变慢。
    """
    queryset = visible_warnings(user)
    # ~Q(status=closed), not status IN (open, acknowledged): the same rows, but it is the condition of the
    # partial indexes, so SQLite and PostgreSQL can use them.
    open_rows = queryset.exclude(status=WarningStatus.CLOSED)
    counts = dict(open_rows.order_by().values_list("kind").annotate(n=Count("id")))
    kinds = [(k.value, k.label, counts.get(k.value, 0)) for k in WarningKind]
    selected = kind if kind in WarningKind.values else ""
    listed = open_rows.filter(kind=selected) if selected else open_rows
    total = counts.get(selected, 0) if selected else sum(counts.values())
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(1, page), pages)
    labels = dict(WarningKind.choices)
    statuses = dict(WarningStatus.choices)
    rows = [
        {**row, "kind_label": labels.get(row["kind"], row["kind"]), "status_label": statuses.get(row["status"], "")}
        for row in listed.order_by("-created_at", "-id").values(*LIST_FIELDS)[(page - 1) * PER_PAGE : page * PER_PAGE]
    ]
    closed = (list(queryset.filter(status=WarningStatus.CLOSED).order_by("-closed_at")
                   .values("id", "title", "outcome", "kind")[:10]) if show_closed else [])
    return {"kinds": kinds, "kind": selected, "rows": rows, "open_count": sum(counts.values()), "total": total,
            "page": page, "pages": pages, "closed": closed, "per_page": PER_PAGE}
