"""百万件规模下的有序分页：工作台、事项列表、全文检索都只取"一页多一条"。

可见范围是"若干部门 或 协办 或 本人承办"的并集；把它写成一个带 OR 的查询时，数据库
无法沿索引顺序取前 N 条，只能把整个范围取出来再排序。这里改为每个来源（每个部门、
协办、本人承办）各用自己的复合索引按顺序取前 N 条，再在 Python 里归并——每个来源都是
一次索引区间扫描，总量与页大小成正比，与库的大小无关。

全文检索按事项编号从新到旧，分块从检索表里取命中，再按权限与筛选条件过滤，直到凑满一页。
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from django.db.models import Exists, OuterRef, QuerySet

from xinfang.org.access import has_role, visible_department_ids
from xinfang.org.models import RoleCode

from . import search
from .models import Assignment, AssignmentRole, Matter, Petition

# 可见部门多于此数时不再逐个部门查询，改用一条 IN 查询（此时范围大，按序扫描全表索引也很快）。
MAX_PER_DEPARTMENT_SOURCES = 24
SEARCH_CHUNK = 2000
SEARCH_MAX_SCANNED = 60000


def sources(user, narrow: Callable[[QuerySet], QuerySet]) -> list[QuerySet]:
    """用户可见范围拆成的各个来源，每个都已套上筛选条件 `narrow`。"""
    base = narrow(Matter.objects.all())
    ids = visible_department_ids(user)
    if ids is None:
        return [base]
    if len(ids) > MAX_PER_DEPARTMENT_SOURCES:
        parts = [base.filter(department_id__in=ids)]
    else:
        parts = [base.filter(department_id=pk) for pk in sorted(ids)]
    # 协办来源：只在有协办单位的事项中按排序索引顺序扫描，逐行用 (department, matter) 索引核对，取满一页即停。
    # （先取出全部协办记录再排序，在协办多的单位要排几万行。）
    co = Assignment.objects.filter(matter=OuterRef("pk"), department_id__in=ids, role=AssignmentRole.CO)
    parts.append(base.filter(has_co_assignment=True).filter(Exists(co)))
    if has_role(user, RoleCode.HANDLER):
        parts.append(base.filter(handler=user))
    return parts


def merged(parts: Iterable[QuerySet], order: tuple[str, ...], *, stop: int) -> list[Matter]:
    """各来源按同一顺序各取前 `stop` 条，去重后归并，返回整体的前 `stop` 条。"""
    rows: dict[int, Matter] = {}
    for part in parts:
        for matter in part.order_by(*order).select_related("department", "category")[:stop]:
            rows[matter.pk] = matter
    ordered = list(rows.values())
    # 从最次要的排序键排到最主要的（稳定排序），与 SQL 的 ORDER BY 一致。
    for field in reversed(order):
        name = field.lstrip("-")
        ordered.sort(key=lambda m, n=name: getattr(m, n), reverse=field.startswith("-"))
    return ordered[:stop]


def search_page(user, query: str, narrow: Callable[[QuerySet], QuerySet], *, start: int, stop: int,
                visible: QuerySet) -> tuple[list[Matter], bool]:
    """全文检索的一页（按事项从新到旧）。第二个返回值表示是否因命中太多而没有查完。"""
    found: list[Matter] = []
    before, scanned = None, 0
    while len(found) < stop and scanned < SEARCH_MAX_SCANNED:
        ids = search.matching_ids(query, before=before, limit=SEARCH_CHUNK)
        if not ids:
            return found[start:stop], False
        scanned += len(ids)
        before = ids[-1]
        # 只取还缺的那几条：一块命中可能有上千件，全部实例化会比查询本身慢得多。
        chunk = narrow(visible.filter(pk__in=ids)).select_related("department", "category").order_by("-id")
        found.extend(chunk[: stop - len(found)])
        if len(ids) < SEARCH_CHUNK:  # 命中已全部取完
            break
    return found[start:stop], scanned >= SEARCH_MAX_SCANNED and len(found) < stop


def narrowing(status: str = "", department: int | None = None, category: int | None = None, channel: str = "",
              overdue: bool = False, since: date | None = None, until: date | None = None, *,
              today: date, has_due: bool = False) -> Callable[[QuerySet], QuerySet]:
    """把筛选条件做成一个函数，套到每个来源上。"""

    def narrow(queryset: QuerySet) -> QuerySet:
        if status:
            queryset = queryset.filter(status=status)
        if department:
            queryset = queryset.filter(department_id=department)
        if category:
            queryset = queryset.filter(category_id=category)
        if channel:
            queryset = queryset.filter(pk__in=Petition.objects.filter(channel=channel).values("matter_id"))
        if overdue:
            queryset = queryset.filter(current_due__lt=today)
        if has_due:
            queryset = queryset.filter(current_due__isnull=False)
        if since:
            queryset = queryset.filter(received_on__gte=since)
        if until:
            queryset = queryset.filter(received_on__lte=until)
        return queryset

    return narrow
