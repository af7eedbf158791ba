"""信访页面：工作台、列表、登记、事项页、动作表单、文书下载。每个视图：按权限取数 → 校验 → 调一个写操作 → 渲染。"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from xinfang.core import clock
from xinfang.core.calendar import current_calendar
from xinfang.org import permissions
from xinfang.org.permissions import access_matter
from xinfang.portal.actions import submission as portal_codes
from xinfang.supervision import orders

from . import appeal_status, buttons, clock_rows, clocks, events, law_records, ledger_views, selectors, workflow
from .action_forms import ACTION_FORMS
from .actions import decisions, handling, intake, intake_rules, opinions, reads
from .deadlines import STATUTORY_CHANNELS
from .forms import IntakeForm, ListFilterForm, PetitionerFormSet
from .models import Document, DocumentKind, Outcome, Status

PAGE_SIZE = 30


def _with_lights(matters) -> list:
    today, calendar = clock.today(), current_calendar()
    for matter in matters:
        matter.clock = clocks.describe(matter.current_due, today, calendar=calendar)
    return matters


def workbench(request):
    from .actions.referrals import reports_due

    today = clock.today()
    dues = reports_due(request.user)
    for row in dues:
        row.overdue = row.report_due < today
    return render(request, "petitions/workbench.html", {"matters": _with_lights(selectors.workbench(request.user)),
                                                        "report_dues": dues})


def matter_list(request):
    form = ListFilterForm(request.GET or None, user=request.user)
    filters = selectors.MatterFilter(**form.filters()) if form.is_valid() else selectors.MatterFilter()
    # 台账：同一地址、同一筛选条件，加 export=xlsx 导出 Excel，加 print=1 打印清单（固定地址，见 README）。
    if request.GET.get("export") == "xlsx" and form.is_valid():
        return ledger_views.export_list(request, filters)
    if request.GET.get("print") == "1" and form.is_valid():
        return ledger_views.print_list(request, filters)
    page = int(request.GET["page"]) if request.GET.get("page", "").isdigit() and int(request.GET["page"]) > 0 else 1
    result = selectors.matter_page(request.user, filters, today=clock.today(), page=page, size=PAGE_SIZE)
    query = request.GET.copy()
    for name in ("page", "export", "print"):
        query.pop(name, None)
    return render(request, "petitions/matter_list.html", {
        "form": form, "matters": _with_lights(result.rows), "page": page,
        "has_next": result.has_next, "truncated": result.truncated, "query": query.urlencode(),
        "searched_as": result.searched_as if filters.q else "", "searched_personal": result.searched_as in PERSONAL_KINDS,
        "can_export": permissions.allows(request.user, "matter.export"),
    })


PERSONAL_KINDS = ("身份证号", "电话", "号牌", "姓名")


def intake_page(request):
    """登记页：一屏完成；输入身份证号或电话时，右侧显示此人以前的信访。"""
    permissions.require(request.user, "petition.intake")
    form = IntakeForm(request.POST or None, request.FILES or None, user=request.user)
    people = PetitionerFormSet(request.POST or None, prefix="p")
    # 两部分都校验，一次把全部错误摆出来（不因登记表有错就不查信访人）。
    valid = [form.is_valid(), people.is_valid()] if request.method == "POST" else [False]
    if all(valid):
        data = form.cleaned_data
        target = None
        if data.get("attach_to"):
            target = selectors.visible_matters(request.user).filter(pk=data["attach_to"]).first()
            if target is None:
                raise Http404
        petitioners = [intake.PetitionerInput(**p) for p in people.cleaned_data if p]
        on_spot = data.get("tell_on_spot") and target is None
        try:
            with transaction.atomic():
                petition = _register(request, data, petitioners, target, on_spot)
        except ValidationError as exc:
            _intake_errors(form, people, exc)
        except workflow.WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            matter = petition.matter
            notice = intake_rules.not_accepted_again_notice(matter.status)
            if notice:
                messages.warning(request, notice)
            elif on_spot:
                notice = matter.documents.filter(kind=DocumentKind.ACCEPTANCE).order_by("-id").first()
                messages.success(request, f"已登记并当场受理，事项编号 {matter.number}；受理告知书 {notice.number} "
                                          "已生成，请在右侧“文书”中打开打印，当场交给信访人（《信访工作条例》第二十三条）。")
            else:
                messages.success(request, f"已登记，事项编号 {matter.number}。")
            if divert := _divert_next(request, matter):
                return divert
            return redirect("petitions:matter", pk=matter.pk)
    for i, person_form in enumerate(people.forms, start=1):
        person_form.error_prefix = f"信访人 {i} · "
    return render(request, "petitions/intake.html", {"form": form, "people": people})


def _intake_errors(form, people, exc: ValidationError) -> None:
    """写操作的错误放回原处：信访人的放到那个人那一格下（说明以"姓名："开头），其余放到登记表。"""
    person_fields = set(people.forms[0].fields) if people.forms else set()
    for field, errors in getattr(exc, "message_dict", {None: exc.messages}).items():
        for error in errors:
            if field in person_fields:
                for person_form in people.forms:
                    name = (person_form.cleaned_data or {}).get("name", "")
                    if name and error.startswith(f"{name}："):
                        person_form.add_error(field, error[len(name) + 1:])
                        break
                else:
                    form.add_error(None, f"信访人 · {people.forms[0].fields[field].label}：{error}")
            elif field == "petitioners":
                form.add_error(None, f"信访人：{error}")
            else:
                form.add_error(field if field in form.fields else None, error)


def _register(request, data, petitioners, target, on_spot):
    """登记；当场告知的（第二十三条）随即受理并生成受理告知书，两步同一事务。"""
    petition = intake.register_petition(intake.PetitionInput(
        channel=data["channel"], received_at=data["received_at"], content=data["content"],
        title=data["title"], requests=data["requests"], head_count=data["head_count"],
        involved_department=data["involved_department"], involved_officer=data["involved_officer"],
        case_numbers=data["case_numbers"], category=data["category"], is_skip_level=data["is_skip_level"],
        competent_authority=data["competent_authority"],
        attachments=data["attachments"], petitioners=petitioners,
        consents_electronic_delivery=data.get("consents_electronic_delivery", False),
    ), by=request.user, matter=target)
    if on_spot:
        decisions.accept_matter(petition.matter, by=request.user, note="来访当场受理并书面告知")
        petition.matter.refresh_from_db()
    return petition


def _divert_next(request, matter):
    """登记页上选了“登记后依法分类处理”：登记完直接打开该动作的表单，预选所提示的法定途径。"""
    code = request.POST.get("then_divert", "")
    if code not in STATUTORY_CHANNELS or matter.status != Status.REGISTERED \
            or not permissions.allows(request.user, "matter.divert", matter):
        return None
    return redirect(f"{reverse('petitions:action', args=[matter.pk, 'divert'])}?channel={code}")


def intake_history(request):
    """htmx：按身份证号或电话查此人以前的信访（只在可见范围内，记审计）。"""
    permissions.require(request.user, "petition.intake")
    id_number = request.GET.get("id_number", "").strip().upper()
    phone = request.GET.get("phone", "").strip()
    if len(id_number) < 18:
        id_number = ""
    if len(phone) < 7:
        phone = ""
    history = selectors.petitioner_history(request.user, id_number=id_number, phone=phone)
    return render(request, "petitions/_history.html", {"history": history, "asked": bool(id_number or phone)})


def matter_page(request, pk: int):
    matter = selectors.matter_for_page(request.user, pk)
    today = clock.today()
    matter.clock = clocks.describe(matter.current_due, today)
    petitions = list(matter.petitions.prefetch_related("petitionpetitioner_set__petitioner", "attachments"))
    offers = portal_codes.code_offers(request.user, petitions)
    for petition in petitions:  # None：不能发；False：未发过；True：已发过（再发则旧码作废）
        petition.code_offer = offers.get(petition.pk)
    timeline = events.timeline(matter)
    return render(request, "petitions/matter.html", {
        "matter": matter,
        "petitions": petitions,
        "events": timeline,
        "documents": matter.documents.all(),
        "assignments": matter.assignments.select_related("department"),
        "actions": buttons.actions_now(request.user, matter, today),
        "clocks": clock_rows.rows(matter, timeline, today),
        "orders": _orders(matter, today),
        "visits": _visits(matter, today),
        "can_open_visit": permissions.allows(request.user, "return_visit.view"),
        "can_note": matter.status in workflow.OPEN_STATES and permissions.allows(request.user, "matter.note", matter),
        "can_correct": permissions.allows(request.user, "matter.correct", matter),
        "can_record_execution": permissions.allows(request.user, "matter.execution", matter),
        "can_issue_order": orders.can_issue(request.user, matter),
        "can_flag": permissions.allows(request.user, "warning.flag", matter),
        **appeal_status.panel(matter, today),
        **law_records.panel(request.user, matter, today),
    })


def _orders(matter, today) -> list:
    """事项的督办单（含已办结的），附上被督办单位与时限的红黄绿。"""
    orders_ = list(matter.orders.select_related("issuer", "owner_leader").prefetch_related("targets__department")
                   .order_by("-issued_at"))
    for order in orders_:
        order.clock = clocks.describe(order.due_on if not order.closed_at else None, today)
    return orders_


def _visits(matter, today) -> list:
    """事项的回访：逾期未回访的标出来。"""
    visits = list(matter.return_visits.select_related("handler", "department").order_by("replied_on", "pk"))
    for visit in visits:
        visit.overdue_days = (today - visit.due_on).days if not visit.done_at and visit.due_on < today else 0
    return visits


def matter_action(request, pk: int, action: str):
    """一个动作一张表单：GET 显示，POST 提交。版本不符、状态不允许、角色不允许都给出中文说明，不写任何东西。"""
    spec = ACTION_FORMS.get(action)
    if spec is None:
        raise Http404
    matter = access_matter(request.user, pk, capability=f"matter.{action}")
    transition = workflow.TRANSITIONS[action]
    kwargs = {"user": request.user} if spec.needs_user else {}
    initial = {"version": matter.version, **(spec.initial(matter, request.user, request.GET) if spec.initial else {})}
    if action == "divert" and request.GET.get("channel") in STATUTORY_CHANNELS:  # 登记页提示的法定途径
        initial["channel"] = request.GET["channel"]
    form = spec.form(request.POST or None, initial=initial, **kwargs)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            spec.run(matter, request.user, data["version"], data)
        except workflow.WorkflowError as exc:
            messages.error(request, str(exc))
            return redirect("petitions:matter", pk=pk)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, f"已{transition.label}。")
            return redirect("petitions:matter", pk=pk)
    show_draft = action in ("approve_reply", "return_draft")
    return render(request, "petitions/action.html", {
        "matter": matter, "form": form, "transition": transition, "show_draft": show_draft,
        "blocked": buttons.blocked(matter, action, clock.today()),
        "draft_event": matter.events.filter(action="draft_reply").select_related("actor").last() if show_draft else None,
        "draft_items": _draft_items(matter) if show_draft else [],
    })


def _draft_items(matter) -> list[dict]:
    labels = dict(Outcome.choices)
    return [{**item, "decision_label": labels.get(item.get("decision"), item.get("decision"))}
            for item in matter.reply_items or []]


@require_POST
def matter_note(request, pk: int):
    matter = access_matter(request.user, pk, capability="matter.note")
    try:
        handling.add_note(matter, by=request.user, text=request.POST.get("text", ""))
    except (ValidationError, workflow.WorkflowError) as exc:
        messages.error(request, exc.messages[0] if isinstance(exc, ValidationError) else str(exc))
    return redirect("petitions:matter", pk=pk)


@require_POST
def petitioner_full(request, pk: int, petitioner: int):
    """htmx：显示某信访人完整的身份证号、电话与地址（POST：每次查看都记审计）。"""
    person = selectors.petitioner_in_full(request.user, matter_pk=pk, petitioner_pk=petitioner)
    response = render(request, "petitions/_petitioner_full.html", {"person": person})
    response["Cache-Control"] = "no-store"
    return response


def document_download(request, pk: int):
    """下载文书（含信访人个人资料：记审计）。"""
    document = Document.objects.filter(
        pk=pk, matter__in=selectors.visible_matters(request.user)
    ).select_related("matter").first()
    if document is None:
        raise Http404
    reads.personal_data_read(request.user, document, purpose="下载文书")
    filename = f"{document.get_kind_display()}-{document.number}.docx"
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=filename)


def attachment_open(request, pk: int):
    """打开信访件的附件（有访问检查，记审计）。一律作为下载，不在本站页面里直接渲染。"""
    from .attachments import open_attachment

    attachment = open_attachment(request.user, pk)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name,
                        content_type=attachment.content_type or "application/octet-stream")


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@require_POST
def execution_done(request, pk: int, item_pk: int):
    """登记一项补救措施已落实（完成日期与证据，《信访工作条例》第三十二条）。"""
    matter = access_matter(request.user, pk, capability="matter.execution")
    item = matter.execution_items.filter(pk=item_pk).first()
    if item is None:
        raise Http404
    try:
        done_on = date.fromisoformat(request.POST.get("done_on", ""))
    except ValueError:
        messages.error(request, "落实日期：请填写有效日期（YYYY-MM-DD）")
        return redirect("petitions:matter", pk=pk)
    try:
        opinions.complete_execution_item(item, by=request.user, done_on=done_on,
                                         evidence=request.POST.get("evidence", ""))
    except (ValidationError, workflow.WorkflowError) as exc:
        messages.error(request, "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, f"已登记“{item.get_remedy_display()}”落实。")
    return redirect("petitions:matter", pk=pk)
