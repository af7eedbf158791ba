"""读：按权限取事项、工作台、列表与检索、同一信访人的历史。读个人资料的地方都记审计。"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from xinfang.org.access import visible_department_ids

from xinfang.core import clock

from . import listing, search
from .actions import reads
from .models import Assignment, AssignmentRole, Matter, Petitioner, Status


def visible_matters(user) -> QuerySet[Matter]:
    """用户可见的事项：责任单位在其可见范围内，或其可见范围内的单位是协办单位，或本人是承办人
    （承办人可能在牵头单位的下级中队，看不到上级单位的其它事项，但要看到交给自己的这件）。"""
    ids = visible_department_ids(user)
    queryset = Matter.objects.all()
    if ids is None:
        return queryset
    # 相关子查询：只对责任单位不在范围内的行按 (department, matter) 索引查一次，不必先取出全部协办记录。
    co = Assignment.objects.filter(matter=OuterRef("pk"), department_id__in=ids, role=AssignmentRole.CO)
    condition = Q(department_id__in=ids) | Exists(co)
    if getattr(user, "is_authenticated", False):
        condition |= Q(handler=user)
    return queryset.filter(condition)


def is_visible(user, matter: Matter) -> bool:
    """这一件事项对用户可见吗——与 visible_matters 同一条规则（责任单位在范围内、范围内的单位协办、本人承办），
    对已取出的一件逐条核对：按主键取一行再核对，比把带 OR 与 EXISTS 的范围条件套在查询上省得多。"""
    ids = visible_department_ids(user)
    if ids is None or matter.department_id in ids:
        return True
    if getattr(user, "is_authenticated", False) and matter.handler_id is not None and matter.handler_id == user.pk:
        return True
    return bool(ids) and Assignment.objects.filter(matter_id=matter.pk, department_id__in=ids,
                                                   role=AssignmentRole.CO).exists()


def matter_for_page(user, pk: int) -> Matter:
    """事项页：取事项（不可见即 404，与不存在一样），并把对信访人个人资料的这次查看记入审计。"""
    matter = Matter.objects.select_related("department", "category", "handler").filter(pk=pk).first()
    if matter is None or not is_visible(user, matter):
        raise Http404("信访事项不存在")
    audit_personal_data_read(user, matter, purpose="查看事项")
    return matter


def audit_personal_data_read(user, matter: Matter, *, purpose: str) -> None:
    reads.personal_data_read(user, matter, purpose=purpose)


def workbench(user, *, limit: int = 50) -> list[Matter]:
    """工作台：我承办的在办事项（没有则本单位的），按最近期限排序。"""
    narrow = listing.narrowing(today=clock.today(), has_due=True)
    mine = list(listing.for_rows(narrow(Matter.objects.filter(handler=user))).order_by("current_due", "id")[:limit])
    if mine:
        return mine
    return listing.merged(listing.sources(user, narrow), ("current_due", "id"), stop=limit)


@dataclass
class MatterFilter:
    status: str = ""
    department: int | None = None
    category: int | None = None
    channel: str = ""
    overdue: bool = False
    since: date | None = None
    until: date | None = None
    q: str = ""
    sort: str = "-received_on"


SORTS = {
    "-received_on": ("-received_on", "-id"),
    "received_on": ("received_on", "id"),
    "current_due": ("current_due", "id"),
    "-current_due": ("-current_due", "-id"),
}


@dataclass
class Page:
    rows: list[Matter]
    has_next: bool
    truncated: bool = False  # 检索命中太多，没有查完
    searched_as: str = ""  # 检索词被认作什么（身份证号、电话、号牌……），页面上说明


def matter_page(user, f: MatterFilter, *, today: date, page: int, size: int) -> Page:
    """事项列表的一页：按条件筛选、全文检索、排序。只取"一页多一条"，不对百万行计数。"""
    narrow = listing.narrowing(f.status, f.department, f.category, f.channel, f.overdue, f.since, f.until,
                               today=today, has_due=f.sort in ("current_due", "-current_due"))
    start, stop = (page - 1) * size, page * size + 1
    if f.q:
        rows, truncated, terms = search_matters(user, f.q, narrow, start=start, stop=stop, shown=size)
        return Page(rows[:size], len(rows) > size, truncated, terms.kind)
    rows = listing.merged(listing.sources(user, narrow), SORTS.get(f.sort, SORTS["-received_on"]),
                          start=start, stop=stop)
    return Page(rows[:size], len(rows) > size)


def search_matters(user, q: str, narrow, *, start: int, stop: int, shown: int, before: int | None = None,
                   purpose: str = "在事项列表检索信访人") -> tuple[list[Matter], bool, search.Terms]:
    """检索（列表页与接口共用这一条路）：认出检索词是什么（身份证号、电话、号牌、姓名、事项编号、案件编号、文字），
    按索引或全文检索取可见范围内的第 `start`–`stop` 件（`before`：只要编号小于它的，接口的游标）；检索的是个人资料时
    不论查到与否记一条审计（只记脱敏后的检索词与显示出的前 `shown` 件）。返回（事项, 是否没有查完, 认定）。"""
    found, terms = listing.lookup_ids(search.classify(q))
    rows, truncated = listing.search_page(user, q, narrow, start=start, stop=stop, visible=visible_matters(user),
                                          before=before, ids=listing.combined(q, terms, found))
    if terms.personal:
        reads.personal_search(user, terms, matter_ids=[m.pk for m in rows[:shown]], purpose=purpose)
    return rows, truncated, terms


def petitioner_history(user, *, id_number: str = "", phone: str = "", limit: int = 10) -> list[dict]:
    """登记时按身份证号或电话找此人以前的信访（只在可见范围内），并记审计。"""
    if not id_number and not phone:
        return []
    # 加密字段的精确查找走盲索引列（规范化后的 HMAC，有索引）：百万名信访人也是一次索引查找。
    people = Petitioner.objects.filter(Q(id_number=id_number) if id_number else Q(phone=phone))
    matters = (
        visible_matters(user)
        .filter(petitions__petitioners__in=people)
        .distinct()
        .select_related("department")
        .order_by("-received_on", "-id")[:limit]
    )
    found = list(matters)
    if found:
        reads.petitioner_lookup(user, id_number=id_number, phone=phone, matter_ids=[m.pk for m in found])
    return [
        {"matter": m, "terminated": m.status == Status.TERMINATED}
        for m in found
    ]


PERSONAL_FIELDS = ("id_number", "phone", "address")


def petitioner_in_full(user, *, matter_pk: int, petitioner_pk: int) -> Petitioner:
    """事项页上"显示完整号码"：须有权限表的 petitioner.full（要联系信访人的人），信访人须属于这件事项；
    取出即记一条审计（谁、哪件事项、看了哪些字段）。否则 404/403。"""
    from xinfang.org.permissions import access_matter

    matter = access_matter(user, matter_pk, capability="petitioner.full")
    person = Petitioner.objects.filter(pk=petitioner_pk, petitions__matter=matter).first()
    if person is None:
        raise Http404("信访人不存在")
    reads.personal_data_read(user, person, purpose="查看完整的身份证号、电话与地址", matter=matter.number,
                             fields=[name for name in PERSONAL_FIELDS if getattr(person, name)])
    return person
