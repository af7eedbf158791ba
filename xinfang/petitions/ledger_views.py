"""台账与打印：事项列表导出 Excel（列表地址加 export=xlsx）、打印列表（加 print=1）、打印一件事项的登记表。

都按列表（或事项页）同样的可见范围取数，都记审计（台账与登记表上有信访人的姓名）。
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header

from xinfang.audit.services import plain, record
from xinfang.core import clock
from xinfang.org import permissions

from . import events, exports, listing, organs, search, selectors
from .actions import reads
from .models import Status

def _require_ledger(user) -> None:
    """列表本身人人可看，台账只给有此能力的人：按钮不显示；直接输入地址得到 403 与中文说明（不是 404）。"""
    message = permissions.refusal(user, "matter.export")
    if message:
        raise PermissionDenied(message)


PRINT_MAX = 500  # 打印列表至多这么多件（约 20 页 A4）；完整的台账请导出 Excel


def _organ_name(user) -> str:
    department = getattr(user, "department", None)
    return organs.full_name(organs.organ_of(department)) if department is not None else ""


def _filters_text(filters: selectors.MatterFilter) -> dict:
    """审计与页眉上的筛选条件：检索词只记脱敏形式（可能是身份证号、电话）。"""
    data = {k: plain(v) for k, v in vars(filters).items() if v not in (None, "", False) and k != "sort"}
    if filters.q:
        terms = search.classify(filters.q)
        data["q"] = reads.masked_terms(terms) if terms.personal else filters.q[:100]
    return data


def _search_ids(user, filters: selectors.MatterFilter, narrow, *, limit: int) -> list[int]:
    found, terms = listing.lookup_ids(search.classify(filters.q))
    rows, _ = listing.search_page(user, filters.q, narrow, start=0, stop=limit,
                                  visible=selectors.visible_matters(user),
                                  ids=listing.combined(filters.q, terms, found))
    return [m.pk for m in rows]


def _narrow(filters: selectors.MatterFilter):
    return listing.narrowing(filters.status, filters.department, filters.category, filters.channel, filters.overdue,
                             filters.since, filters.until, today=clock.today(),
                             has_due=filters.sort in ("current_due", "-current_due"))


@transaction.atomic
def _audit(user, action: str, filters: selectors.MatterFilter, purpose: str) -> None:
    record(actor=user, action=action, object_type="petitions.matter", object_repr=purpose,
           changes={"purpose": [None, purpose], "filters": [None, _filters_text(filters)]})


def export_list(request, filters: selectors.MatterFilter):
    """列表导出 .xlsx：流式写出（二十万行也不会让浏览器等到超时）。"""
    _require_ledger(request.user)
    narrow = _narrow(filters)
    visible = narrow(selectors.visible_matters(request.user)).select_related(None)
    order = selectors.SORTS.get(filters.sort, selectors.SORTS["-received_on"])
    ids = _search_ids(request.user, filters, narrow, limit=listing.LOOKUP_MAX) if filters.q else None
    _audit(request.user, "matter.export", filters, "导出事项台账（Excel）")
    rows = exports.matter_rows(visible, order=order, ids=ids)
    note = f"导出人：{request.user.name}　导出时间：{clock.localtime(clock.now()):%Y-%m-%d %H:%M}"
    response = StreamingHttpResponse(
        exports.stream_xlsx(rows, note=note),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(True, exports.filename(clock.today()))
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"  # 在 nginx 之后也边生成边发送
    return response


def print_list(request, filters: selectors.MatterFilter):
    """打印列表（A4 横向）：筛选结果的前 PRINT_MAX 件，页眉有单位名称、筛选条件与打印时间。"""
    _require_ledger(request.user)
    narrow = _narrow(filters)
    if filters.q:
        ids = _search_ids(request.user, filters, narrow, limit=PRINT_MAX + 1)
        found = listing.for_rows(selectors.visible_matters(request.user).filter(pk__in=ids)).in_bulk()
        matters = [found[pk] for pk in ids if pk in found]
    else:
        order = selectors.SORTS.get(filters.sort, selectors.SORTS["-received_on"])
        matters = listing.merged(listing.sources(request.user, narrow), order, stop=PRINT_MAX + 1)
    more = len(matters) > PRINT_MAX
    matters = matters[:PRINT_MAX]
    rows = list(exports.matter_rows(selectors.visible_matters(request.user), order=(), ids=[m.pk for m in matters]))
    _audit(request.user, "matter.print", filters, "打印事项列表")
    return render(request, "petitions/print_list.html", {
        "rows": rows, "more": more, "limit": PRINT_MAX, "organ": _organ_name(request.user),
        "printed_at": clock.localtime(clock.now()), "filters": _filter_labels(filters),
    })


def _filter_labels(filters: selectors.MatterFilter) -> list[str]:
    labels = []
    if filters.q:
        terms = search.classify(filters.q)
        labels.append(f"检索（{terms.kind}）：{reads.masked_terms(terms) if terms.personal else filters.q[:40]}")
    if filters.status:
        labels.append(f"状态：{Status(filters.status).label}")
    if filters.overdue:
        labels.append("只看超期")
    if filters.since or filters.until:
        labels.append(f"收到日期：{filters.since or '…'} 至 {filters.until or '…'}")
    return labels


def print_matter(request, pk: int):
    """信访事项登记表（A4）：登记内容、信访人（号码脱敏）、办理经过（时间线）、时限与文书；页眉为责任单位所属机关，
    页脚为打印人与打印时间。打开即记审计。"""
    matter = permissions.access_matter(request.user, pk, capability="matter.print")
    reads.personal_data_read(request.user, matter, purpose="打印信访事项登记表")
    petitions = list(matter.petitions.prefetch_related("petitionpetitioner_set__petitioner"))
    clocks = [(label, due) for label, due in (
        ("告知受理期限", matter.acceptance_due), ("办理期限", matter.handling_due),
        ("复查申请截止", matter.review_request_closes), ("复查期限", matter.review_due),
        ("复核申请截止", matter.re_review_request_closes), ("复核期限", matter.re_review_due)) if due]
    return render(request, "petitions/print_matter.html", {
        "matter": matter, "petitions": petitions, "events": events.timeline(matter),
        "opinions": matter.opinions.select_related("deciding_organ").prefetch_related("items"),
        "documents": matter.documents.all(), "clocks": clocks,
        "organ": organs.full_name(organs.organ_of(matter.department)),
        "printed_at": clock.localtime(clock.now()), "printed_by": request.user,
    })
