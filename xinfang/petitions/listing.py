"""百万件规模下的有序分页：工作台、事项列表、全文检索都只取"一页多一条"。

可见范围是"若干部门 或 协办 或 本人承办"的并集；把它写成一个带 OR 的查询时，数据库
无法沿索引顺序取前 N 条，只能把整个范围取出来再排序。这里改为每个来源（每个部门、
协办、本人承办）各用自己的复合索引按顺序取前 N 条，再在 Python 里归并——每个来源都是
一次索引区间扫描，总量与页大小成正比，与库的大小无关。

全文检索按事项编号从新到旧，分块从检索表里取命中，再按权限与筛选条件过滤，直到凑满一页。
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date

from django.db.models import Exists, OuterRef, QuerySet

from xinfang.org.access import has_role, visible_department_ids
from xinfang.org.models import RoleCode

from . import case_numbers, search
from .models import Assignment, AssignmentRole, Matter, Petition, Petitioner, PetitionPetitioner

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


# 列表行（_matter_rows.html）只用这些列；正文、诉求、答复等大字段不取——一页几十行，逐行取出它们比查询本身还慢。
# department__path：行里的责任单位写成路径（{{ m.department|dept }}）要用它；漏了它每行都要补查一次部门。
ROW_FIELDS = ("number", "title", "is_collective", "is_skip_level", "department__name", "department__path", "status",
              "received_on", "current_due")


def for_rows(queryset: QuerySet) -> QuerySet:
    """列表行所需的列与责任单位（一条 JOIN，不逐行查询）。"""
    return queryset.select_related("department").only(*ROW_FIELDS)


def merged(parts: Iterable[QuerySet], order: tuple[str, ...], *, start: int = 0, stop: int) -> list[Matter]:
    """各来源按同一顺序各取前 `stop` 条的排序键，去重归并，再只把整体第 `start`–`stop` 条取成事项。

    排序键走各来源的索引（常常不必回表）；完整的行只取最后要显示的那几条。
    """
    keys = [field.lstrip("-") for field in order]
    rows: dict[int, tuple] = {}
    for part in parts:
        for row in part.order_by(*order).values_list("pk", *keys)[:stop]:
            rows[row[0]] = row
    ordered = list(rows.values())
    # 从最次要的排序键排到最主要的（稳定排序），与 SQL 的 ORDER BY 一致。
    for position, field in reversed(list(enumerate(order, start=1))):
        ordered.sort(key=lambda row, p=position: row[p], reverse=field.startswith("-"))
    wanted = [row[0] for row in ordered[start:stop]]
    matters = for_rows(Matter.objects.filter(pk__in=wanted)).in_bulk()
    return [matters[pk] for pk in wanted]


IdSource = Callable[[int | None, int], list[int]]
# 按索引查到的事项（同名的信访人、同一案件编号）至多取这么多件；再多的请加筛选条件。
LOOKUP_MAX = 20000


def search_page(user, query: str, narrow: Callable[[QuerySet], QuerySet], *, start: int, stop: int,
                visible: QuerySet, before: int | None = None,
                ids: IdSource | None = None) -> tuple[list[Matter], bool]:
    """检索的一页（按事项从新到旧）。第二个返回值表示是否因命中太多而没有查完。

    `before`：只要编号（id）小于它的事项——接口的游标分页从上一页最后一件接着查。
    `ids(before, limit)` 给出命中的事项 id（从大到小、小于 before 的至多 limit 个）；默认是全文检索。
    """
    ids = ids or (lambda before, limit: search.matching_ids(query, before=before, limit=limit))
    found: list[Matter] = []
    scanned = 0
    # 第一块只取一页所需的几倍（看得见全部的用户一块就够）；筛掉的多时块逐次放大，至多 SEARCH_CHUNK。
    size = min(max(4 * stop, 100), SEARCH_CHUNK)
    while len(found) < stop and scanned < SEARCH_MAX_SCANNED:
        chunk_ids = ids(before, size)
        if not chunk_ids:
            return found[start:stop], False
        scanned += len(chunk_ids)
        before = chunk_ids[-1]
        # 只取还缺的那几条：一块命中可能有上千件，全部实例化会比查询本身慢得多。
        chunk = for_rows(narrow(visible.filter(pk__in=chunk_ids))).order_by("-id")
        found.extend(chunk[: stop - len(found)])
        if len(chunk_ids) < size:  # 命中已全部取完
            break
        size = min(size * 4, SEARCH_CHUNK)
    return found[start:stop], scanned >= SEARCH_MAX_SCANNED and len(found) < stop


def lookup_ids(terms: search.Terms) -> tuple[list[int] | None, search.Terms]:
    """按索引能直接查到的事项 id（从新到旧）与检索词的最终认定：身份证号、电话走盲索引，姓名、事项编号走
    各自的索引，案件编号查「关联执法案件编号」的索引表。像姓名的词没有这个信访人时按一般文字检索
    （不算检索个人资料）。检索词不是这几种时 id 为 None。"""
    if terms.id_number or terms.phone or terms.name:
        if terms.id_number:
            people = Petitioner.objects.filter(id_number=terms.id_number)
        elif terms.phone:
            people = Petitioner.objects.filter(phone=terms.phone)
        else:
            people = Petitioner.objects.filter(name=terms.name)
            if not people.exists():
                return None, replace(terms, name="")
        petitions = PetitionPetitioner.objects.filter(petitioner__in=people.values("pk")).values("petition_id")
        rows = Petition.objects.filter(pk__in=petitions).order_by().values_list("matter_id", flat=True)
    elif terms.matter_number:
        rows = Matter.objects.filter(number=terms.matter_number).values_list("pk", flat=True)
    elif terms.case_number:
        # 案件编号走索引表（case_numbers.PetitionCaseNumber 的 number 索引），不逐行扫描信访件；不排序，免得再排一遍。
        rows = (Petition.objects.filter(pk__in=case_numbers.petitions_with(terms.case_number)).order_by()
                .values_list("matter_id", flat=True))
    else:
        return None, terms
    return sorted(set(rows[:LOOKUP_MAX]), reverse=True), terms


def combined(query: str, terms: search.Terms, found: list[int] | None) -> IdSource:
    """检索的 id 来源：按索引查到的，加上（姓名、案件编号、号牌、一般文字）全文检索命中的，从新到旧归并。"""
    use_text = not (terms.id_number or terms.phone or terms.matter_number)

    def ids(before: int | None, limit: int) -> list[int]:
        exact = [pk for pk in (found or []) if before is None or pk < before][:limit]
        text = search.matching_ids(query, before=before, limit=limit) if use_text else []
        return sorted(set(exact) | set(text), reverse=True)[:limit]

    return ids


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
