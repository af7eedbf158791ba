"""事项：列表（与列表页同样的筛选与检索，游标分页）、详情（时限、信访件、意见、时间线）、登记、动作、文书。

每个端点与对应页面走同一条路：列表用 selectors/listing，登记用 intake.register_petition，动作用
action_forms 里同一张表单与同一个写操作（内部是 workflow.transition），文书下载同一个访问检查与读留痕。
"""

from __future__ import annotations

import hashlib
import json
from datetime import date

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from ninja import Query, Router

from xinfang.core import clock
from xinfang.core.crypto import mask_id_number, mask_phone
from xinfang.org import permissions
from xinfang.org.permissions import access_matter
from xinfang.petitions import clocks, events, listing, selectors, workflow
from xinfang.petitions.action_forms import ACTION_FORMS
from xinfang.petitions.actions import intake, reads
from xinfang.petitions.forms import IntakeForm, ListFilterForm, PetitionerFormSet
from xinfang.petitions.models import Document, Matter, PetitionPetitioner, Status

from .auth import caller
from .errors import ApiError, from_form, from_validation
from .schemas import MAX_ID, ActionDone, Error, MatterDetail, MatterPage, PetitionIn, Registered

router = Router(tags=["事项"], auth=caller)
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 429: Error}
CURSOR_SALT = "api.matters.cursor"


def _row(m: Matter) -> dict:
    return {"id": m.pk, "number": m.number, "title": m.title, "status": m.status,
            "status_label": m.get_status_display(), "department": m.department.name, "received_on": m.received_on,
            "current_due": m.current_due, "is_collective": m.is_collective, "is_skip_level": m.is_skip_level}


def _decode(cursor: str, sort: str, q: str):
    try:
        data = signing.loads(cursor, salt=CURSOR_SALT)
        assert isinstance(data, dict) and data.get("s") == sort and data.get("q") == _query_key(q)
        key, pk = data["k"]
        return (date.fromisoformat(key) if key else None), int(pk)
    except (signing.BadSignature, AssertionError, KeyError, TypeError, ValueError):
        raise ApiError(400, "invalid_cursor", "游标（cursor）无效：请用上一页返回的 next_cursor，且筛选条件不变", "cursor") from None


def _encode(m: Matter, sort: str, q: str) -> str:
    field = sort.lstrip("-")
    key = getattr(m, field) if not q else None
    return signing.dumps({"s": sort, "q": _query_key(q), "k": [key.isoformat() if key else "", m.pk]}, salt=CURSOR_SALT)


def _query_key(q: str) -> str:
    """游标里只放检索词的散列：游标只是签名、没有加密，检索词可能是身份证号、电话。"""
    return hashlib.sha256(q.encode()).hexdigest()[:16] if q else ""


def _after(narrow, sort: str, key, pk: int):
    """键集分页：排在（key, pk）之后的事项。范围条件走索引，同键值的再按 id 排除。"""
    field = sort.lstrip("-")
    descending = sort.startswith("-")

    def narrowed(queryset):
        queryset = narrow(queryset)
        if descending:
            return queryset.filter(**{f"{field}__lte": key}).exclude(**{field: key, "pk__gte": pk})
        return queryset.filter(**{f"{field}__gte": key}).exclude(**{field: key, "pk__lte": pk})

    return narrowed


@router.get("/matters", response={200: MatterPage, **ERRORS}, url_name="matters", summary="事项列表")
def list_matters(request, q: str = Query("", max_length=200), status: str = "", department: int | None = Query(None, ge=1, le=MAX_ID),
                 category: int | None = Query(None, ge=1, le=MAX_ID), channel: str = "", overdue: bool = False,
                 since: date | None = None, until: date | None = None, sort: str = "-received_on",
                 cursor: str = Query("", max_length=500), limit: int = Query(30, ge=1, le=100)):
    """与事项列表页同样的筛选、全文检索与排序；只在可见范围内。游标分页：带上一页的 next_cursor 取下一页。"""
    raw = {"q": q, "status": status, "department": department, "category": category, "channel": channel,
           "overdue": "on" if overdue else "", "since": since, "until": until, "sort": sort}
    form = ListFilterForm({k: "" if v is None else str(v) for k, v in raw.items()}, user=request.user)
    if not form.is_valid():
        raise from_form(form)
    f = selectors.MatterFilter(**form.filters())
    f.sort = f.sort if f.sort in selectors.SORTS else "-received_on"
    narrow = listing.narrowing(f.status, f.department, f.category, f.channel, f.overdue, f.since, f.until,
                               today=clock.today(), has_due=f.sort in ("current_due", "-current_due"))
    key, pk = _decode(cursor, f.sort, f.q) if cursor else (None, None)
    searched_as = None
    if f.q:
        # 与列表页同一条检索：认出身份证号（盲索引）、电话、号牌（带不带省份简称）、姓名、事项编号、案件编号，
        # 检索个人资料的记审计（与列表页同一种记录，用途注明是接口）。
        rows, truncated, terms = selectors.search_matters(request.user, f.q, narrow, start=0, stop=limit + 1,
                                                          shown=limit, before=pk, purpose="通过接口检索信访人")
        searched_as = terms.kind
    else:
        if pk is not None:
            narrow = _after(narrow, f.sort, key, pk)
        rows, truncated = listing.merged(listing.sources(request.user, narrow), selectors.SORTS[f.sort],
                                         stop=limit + 1), False
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [_row(m) for m in rows], "truncated": truncated, "searched_as": searched_as,
            "next_cursor": _encode(rows[-1], f.sort, f.q) if more and rows else None}


CLOCKS = (("acceptance_due", "告知受理期限"), ("handling_due", "办理期限"), ("review_request_closes", "复查申请截止"),
          ("review_due", "复查期限"), ("re_review_request_closes", "复核申请截止"), ("re_review_due", "复核期限"))


@router.get("/matters/{int:pk}", response={200: MatterDetail, **ERRORS}, url_name="matter", summary="事项详情")
def matter_detail(request, pk: int):
    """事项页的内容：时限、信访件（信访人号码脱敏）、意见、文书、时间线、可做的动作。查看记审计，与事项页相同。"""
    # matter.view = 任何角色 + 可见：角色（或令牌能力）已由 auth 按 ROUTES 查过，可见由 matter_for_page 查（否则 404）。
    matter = selectors.matter_for_page(request.user, pk)
    today = clock.today()
    # 信访人随关联一起取（一条 JOIN），不另查一次；时间线只取要的列（不为每条事件实例化事件与操作人）。
    links = PetitionPetitioner.objects.select_related("petitioner").order_by("id")
    petitions = (matter.petitions.prefetch_related(Prefetch("petitionpetitioner_set", queryset=links))
                 .order_by("received_at", "id"))
    timeline = matter.events.order_by("at", "id").values_list(
        "at", "action", "actor__name", "actor__username", "from_status", "to_status", "reason")
    return {
        "id": matter.pk, "number": matter.number, "version": matter.version, "title": matter.title,
        "summary": matter.summary, "requests": matter.requests, "status": matter.status,
        "status_label": matter.get_status_display(), "matter_type": matter.matter_type,
        "department": matter.department.name, "handler": matter.handler.get_full_name() if matter.handler else None,
        "received_on": matter.received_on, "current_due": matter.current_due,
        "clocks": [{"name": name, "label": label, "due": getattr(matter, name),
                    "days_left": clocks.days_left(getattr(matter, name), today)}
                   for name, label in CLOCKS if getattr(matter, name)],
        "petitions": [{
            "id": p.pk, "channel": p.channel, "channel_label": p.get_channel_display(), "received_at": p.received_at,
            "content": p.content, "requests": p.requests, "head_count": p.head_count, "is_repeat": p.is_repeat,
            "petitioners": [{"name": link.petitioner.name, "kind": link.petitioner.kind,
                             "id_number": mask_id_number(link.petitioner.id_number or ""),
                             "phone": mask_phone(link.petitioner.phone or ""),
                             "is_representative": link.is_representative}
                            for link in p.petitionpetitioner_set.all()],
        } for p in petitions],
        "opinions": [{
            "id": o.pk, "kind": o.kind, "kind_label": o.get_kind_display(),
            "deciding_organ": (o.deciding_organ.full_name or o.deciding_organ.name) if o.deciding_organ else o.external_organ,
            "review_outcome": o.review_outcome, "decision": o.decision, "text": o.text, "decided_on": o.decided_on,
            "delivered_on": o.delivered_on, "document_id": o.document_id,
        } for o in matter.opinions.select_related("deciding_organ").order_by("decided_on", "id")],
        "documents": [{"id": d.pk, "kind": d.kind, "kind_label": d.get_kind_display(), "number": d.number}
                      for d in matter.documents.order_by("id")],
        "timeline": [{"at": at, "action": action, "label": events.label(action),
                      "actor": (name or username) if username else "系统", "from_status": from_status,
                      "to_status": to_status, "reason": reason}
                     for at, action, name, username, from_status, to_status, reason in timeline],
        "actions": [t.action for t in workflow.available_actions(request.user, matter)],
    }


@router.post("/petitions", response={201: Registered, **ERRORS}, url_name="petitions", summary="登记信访")
def register(request, payload: PetitionIn):
    """与登记页同一张表单、同一个登记动作（身份证校验、代表人数、集体访、不再受理……）。"""
    data = payload.dict()
    people = data.pop("petitioners")
    form_data = {k: "" if v is None else ("on" if v is True else ("" if v is False else str(v)))
                 for k, v in data.items()}
    form_data["received_at"] = clock.localtime(payload.received_at).strftime("%Y-%m-%d %H:%M:%S")
    form = IntakeForm(form_data, user=request.user)
    people_data = {"p-TOTAL_FORMS": str(len(people)), "p-INITIAL_FORMS": "0", "p-MIN_NUM_FORMS": "1",
                   "p-MAX_NUM_FORMS": "50"}
    for i, person in enumerate(people):
        for key, value in person.items():
            if isinstance(value, bool):
                value = "on" if value else ""
            people_data[f"p-{i}-{key}"] = value
    formset = PetitionerFormSet(people_data, prefix="p")
    if not form.is_valid():
        raise from_form(form)
    if not formset.is_valid():
        for i, errors in enumerate(formset.errors):
            if errors:
                raise from_form(formset.forms[i], prefix=f"petitioners.{i}.")
        raise ApiError(400, "invalid", "；".join(formset.non_form_errors()) or "信访人有误", "petitioners")
    cleaned = form.cleaned_data
    target = None
    if cleaned.get("attach_to"):
        target = selectors.visible_matters(request.user).filter(pk=cleaned["attach_to"]).first()
        if target is None:
            raise ApiError(404, "not_found", "要并入的事项不存在，或不在您的可见范围内", "attach_to")
    try:
        with transaction.atomic():
            petition = intake.register_petition(intake.PetitionInput(
                channel=cleaned["channel"], received_at=cleaned["received_at"], content=cleaned["content"],
                title=cleaned["title"], requests=cleaned["requests"], head_count=cleaned["head_count"],
                involved_department=cleaned["involved_department"], involved_officer=cleaned["involved_officer"],
                case_numbers=cleaned["case_numbers"], category=cleaned["category"],
                is_skip_level=cleaned["is_skip_level"], competent_authority=cleaned["competent_authority"],
                petitioners=[intake.PetitionerInput(**p) for p in formset.cleaned_data if p],
            ), by=request.user, matter=target)
    except ValidationError as exc:
        raise from_validation(exc) from None
    matter = petition.matter
    return 201, {"petition_id": petition.pk, "matter_id": matter.pk, "matter_number": matter.number,
                 "status": matter.status, "terminated": matter.status == Status.TERMINATED}


ACTION_BODY = {
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["version"], "additionalProperties": True,
        "properties": {"version": {"type": "integer", "minimum": 1, "description": "事项详情里的 version"}},
        "description": "与该动作页面上的表单同样的字段（如 accept：note、matter_type；extend：days、reason）",
    }}}},
}


def _json_body(request) -> dict:
    try:
        data = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "malformed_json", "请求体不是合法的 JSON", None) from None
    if not isinstance(data, dict):
        raise ApiError(400, "invalid", "请求体须是 JSON 对象", None)
    return data


def _form_data(form_class, data: dict, kwargs: dict) -> dict:
    """JSON 值变成表单数据：多选字段须是列表，其余须是单个值，类型不对即 400（不让它走到表单里出错）。"""
    from django import forms as django_forms

    fields = form_class(**kwargs).fields
    out = {}
    for name, value in data.items():
        field = fields.get(name)
        if field is None:
            continue
        multiple = isinstance(field, django_forms.MultipleChoiceField | django_forms.ModelMultipleChoiceField)
        scalar = (str, int, float, bool, type(None))
        if multiple:
            if not isinstance(value, list) or not all(isinstance(v, scalar) and not isinstance(v, bool) for v in value):
                raise ApiError(400, "invalid", f"{field.label}（{name}）：须是编号的列表", name)
            out[name] = [str(v) for v in value]
        elif not isinstance(value, scalar):
            raise ApiError(400, "invalid", f"{field.label}（{name}）：须是单个值（文字、数字或 true/false）", name)
        elif isinstance(value, bool):
            out[name] = "on" if value else ""
        else:
            out[name] = "" if value is None else str(value)
    return out


@router.post("/matters/{int:pk}/actions/{action}", response={200: ActionDone, 409: Error, **ERRORS},
             url_name="matter_action", summary="对事项做一个动作", openapi_extra=ACTION_BODY)
def matter_action(request, pk: int, action: str):
    """带上 version 提交一个动作：与页面同一张表单、同一个写操作与同样的检查（状态、角色、范围、版本）。
    版本不符（他人已改过）答 409 stale_version，什么也不写。"""
    spec = ACTION_FORMS.get(action)
    if spec is None:
        raise ApiError(404, "unknown_action", f"没有这个动作：{action[:40]}", "action")
    matter = access_matter(request.user, pk, capability=f"matter.{action}")
    data = _json_body(request)
    kwargs = {"user": request.user} if spec.needs_user else {}
    form = spec.form(_form_data(spec.form, data, kwargs), **kwargs)
    if not form.is_valid():
        raise from_form(form)
    try:
        with transaction.atomic():
            matter = spec.run(matter, request.user, form.cleaned_data["version"], form.cleaned_data)
    except ValidationError as exc:
        raise from_validation(exc) from None
    return {"matter_id": matter.pk, "action": action, "status": matter.status,
            "status_label": matter.get_status_display(), "version": matter.version}


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@router.get("/documents/{int:pk}", response={200: None, **ERRORS}, url_name="document", summary="下载文书",
            openapi_extra={"responses": {"200": {"description": "Word 文书", "content": {DOCX: {"schema": {
                "type": "string", "format": "binary"}}}}}})
def document(request, pk: int):
    """与事项页上的下载同一个访问检查（事项可见），记一次读个人资料的审计。"""
    found = Document.objects.filter(pk=pk, matter__in=selectors.visible_matters(request.user)).select_related(
        "matter").first()
    if found is None:
        raise Http404("文书不存在，或不在您的可见范围内")
    permissions.check(request.user, "document.download", found.matter)
    reads.personal_data_read(request.user, found, purpose="下载文书（接口）")
    return FileResponse(found.file.open("rb"), as_attachment=True, content_type=DOCX,
                        filename=f"{found.get_kind_display()}-{found.number}.docx")
