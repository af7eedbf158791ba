"""信访页面：工作台、列表、登记、事项页、动作表单、文书下载。每个视图：按权限取数 → 校验 → 调一个写操作 → 渲染。"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
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

from . import appeal_status, clocks, events, ledger_views, selectors, workflow
from .action_forms import ACTION_FORMS
from .actions import handling, intake, opinions, reads
from .deadlines import STATUTORY_CHANNELS
from .forms import IntakeForm, ListFilterForm, PetitionerFormSet
from .models import Document, Status

PAGE_SIZE = 30


def _with_lights(matters) -> list:
    today, calendar = clock.today(), current_calendar()
    for matter in matters:
        matter.clock = clocks.describe(matter.current_due, today, calendar=calendar)
    return matters


def workbench(request):
    return render(request, "petitions/workbench.html", {"matters": _with_lights(selectors.workbench(request.user))})


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
    if request.method == "POST" and form.is_valid() and people.is_valid():
        data = form.cleaned_data
        target = None
        if data.get("attach_to"):
            target = selectors.visible_matters(request.user).filter(pk=data["attach_to"]).first()
            if target is None:
                raise Http404
        petitioners = [intake.PetitionerInput(**p) for p in people.cleaned_data if p]
        try:
            petition = intake.register_petition(intake.PetitionInput(
                channel=data["channel"], received_at=data["received_at"], content=data["content"],
                title=data["title"], requests=data["requests"], head_count=data["head_count"],
                involved_department=data["involved_department"], involved_officer=data["involved_officer"],
                case_numbers=data["case_numbers"], category=data["category"], is_skip_level=data["is_skip_level"],
                competent_authority=data["competent_authority"],
                attachments=data["attachments"], petitioners=petitioners,
            ), by=request.user, matter=target)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            matter = petition.matter
            if matter.status == Status.TERMINATED:
                messages.warning(request, "该事项已经复核终结：同一事实和理由不再受理（《信访工作条例》第三十六条）。"
                                          "本次信访已登记，请出具不再受理告知书。")
            else:
                messages.success(request, f"已登记，事项编号 {matter.number}。")
            if divert := _divert_next(request, matter):
                return divert
            return redirect("petitions:matter", pk=matter.pk)
    return render(request, "petitions/intake.html", {"form": form, "people": people})


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
    return render(request, "petitions/matter.html", {
        "matter": matter,
        "petitions": petitions,
        "events": events.timeline(matter),
        "documents": matter.documents.all(),
        "assignments": matter.assignments.select_related("department"),
        "actions": workflow.available_actions(request.user, matter),
        "clocks": _clock_rows(matter, today),
        "can_note": matter.status in workflow.OPEN_STATES and permissions.allows(request.user, "matter.note", matter),
        "can_correct": permissions.allows(request.user, "matter.correct", matter),
        "can_record_execution": permissions.allows(request.user, "matter.execution", matter),
        "can_issue_order": orders.can_issue(request.user, matter),
        **appeal_status.panel(matter, today),
    })


def _clock_rows(matter, today) -> list[tuple[str, object, int | None]]:
    rows = [
        ("告知受理期限", matter.acceptance_due), ("办理期限", matter.handling_due),
        ("复查申请截止", matter.review_request_closes), ("复查期限", matter.review_due),
        ("复核申请截止", matter.re_review_request_closes), ("复核期限", matter.re_review_due),
    ]
    return [(label, due, clocks.days_left(due, today)) for label, due in rows if due]


def matter_action(request, pk: int, action: str):
    """一个动作一张表单：GET 显示，POST 提交。版本不符、状态不允许、角色不允许都给出中文说明，不写任何东西。"""
    spec = ACTION_FORMS.get(action)
    if spec is None:
        raise Http404
    matter = access_matter(request.user, pk, capability=f"matter.{action}")
    transition = workflow.TRANSITIONS[action]
    kwargs = {"user": request.user} if spec.needs_user else {}
    initial = {"version": matter.version}
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
    return render(request, "petitions/action.html", {"matter": matter, "form": form, "transition": transition})


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
