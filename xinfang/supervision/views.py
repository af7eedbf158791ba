"""督办页面：督办台、本单位、领导包案、督办单、责任追究登记簿、通知信箱。每个视图：按权限取数 → 校验 → 调一个写操作 → 渲染。"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from xinfang.core.redirects import safe_next
from xinfang.core import clock
from xinfang.org import access, permissions
from xinfang.org.permissions import access_matter

from . import accountability, notifications, orders, selectors
from .forms import CloseForm, CompleteForm, DecisionForm, FeedbackForm, OrderForm, PreferenceForm
from .models import Ground, NotificationPreference, OrderStatus, RecordStatus


def _errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def board(request):
    permissions.require(request.user, "supervision.board")
    return render(request, "supervision/board.html", selectors.board(request.user, clock.today()))


def unit(request):
    permissions.require(request.user, "supervision.unit")
    pk = request.GET.get("department") or request.user.department_id
    if not pk:
        raise Http404
    department = access.access_department(request.user, pk)
    context = selectors.unit_view(request.user, department, clock.today())
    context["departments"] = access.departments(request.user)
    return render(request, "supervision/unit.html", context)


def cases(request):
    permissions.require(request.user, "supervision.cases")
    return render(request, "supervision/cases.html",
                  {"orders": selectors.leader_cases(request.user, clock.today(), include_closed=True)})


def order_new(request, matter_pk: int):
    permissions.require(request.user, "supervision.order.issue")
    matter = access_matter(request.user, matter_pk, capability="supervision.order.issue")
    form = OrderForm(request.POST or None, user=request.user, initial={"lead": matter.department_id})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order = orders.issue_order(
                by=request.user, matter=matter, level=data["level"], lead=data["lead"],
                participants=data["participants"], requirement=data["requirement"], due_on=data["due_on"],
                owner_leader=data["owner_leader"])
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, f"已签发督办单 {order.number}。")
            return redirect("supervision:order", pk=order.pk)
    return render(request, "supervision/order_new.html", {"matter": matter, "form": form})


def order_page(request, pk: int):
    order = selectors.access_order(request.user, pk)
    targets = orders.target_departments_for(request.user, order)
    feedback_form = FeedbackForm(request.POST or None, departments=targets, prefix="fb")
    if request.method == "POST" and feedback_form.is_valid():
        department = next(d for d in targets if d.pk == feedback_form.cleaned_data["department"])
        try:
            orders.add_feedback(order, by=request.user, department=department, text=feedback_form.cleaned_data["text"])
        except ValidationError as exc:
            _errors(feedback_form, exc)
        else:
            messages.success(request, "反馈已提交。")
            return redirect("supervision:order", pk=pk)
    [order] = selectors.with_clocks([order], clock.today())
    return render(request, "supervision/order.html", {
        "order": order, "targets": order.targets.select_related("department"),
        "feedback": order.feedback.select_related("department", "author"),
        "feedback_form": feedback_form if targets and order.status == OrderStatus.OPEN else None,
        "close_form": CloseForm() if order.status == OrderStatus.OPEN and orders.may_close(request.user, order) else None,
        "resolved": orders.is_resolved(order.matter),
    })


@require_POST
def order_close(request, pk: int):
    permissions.require(request.user, "supervision.order.close")
    order = selectors.access_order(request.user, pk)
    if not orders.may_close(request.user, order):
        raise PermissionDenied("只有督办人、包案领导、督办员或局领导可以办结督办单。")
    form = CloseForm(request.POST)
    form.is_valid()
    try:
        orders.close_order(order, by=request.user, note=form.cleaned_data.get("note", ""))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "督办单已办结。")
    return redirect("supervision:order", pk=pk)


def order_document(request, pk: int):
    order = selectors.access_order(request.user, pk)
    if not order.file:
        raise Http404("督办单文件尚未生成")
    orders.record_download(order, by=request.user)
    return FileResponse(order.file.open("rb"), as_attachment=True, filename=f"督办单-{order.number}.docx")


def register(request):
    permissions.require(request.user, "accountability")
    records = accountability.records_for(request.user)
    status = request.GET.get("status", "")
    if status in RecordStatus.values:
        records = records.filter(status=status)
    return render(request, "supervision/register.html", {
        "records": records[:300], "statuses": RecordStatus.choices, "status": status, "grounds": Ground,
    })


def record_page(request, pk: int):
    permissions.require(request.user, "accountability")
    item = accountability.access_record(request.user, pk)
    decision = DecisionForm(request.POST if "decide" in request.POST else None, prefix="d")
    complete = CompleteForm(request.POST if "complete" in request.POST else None, prefix="c")
    if request.method == "POST":
        try:
            if "decide" in request.POST and decision.is_valid():
                data = decision.cleaned_data
                if data["decision"] == "confirm":
                    accountability.confirm_record(item, by=request.user, reason=data["reason"],
                                                  responsible=data["responsible"], measures=data["measures"])
                else:
                    accountability.dismiss_record(item, by=request.user, reason=data["reason"])
                messages.success(request, "已认定。")
                return redirect("supervision:record", pk=pk)
            if "complete" in request.POST and complete.is_valid():
                accountability.complete_record(item, by=request.user, note=complete.cleaned_data["note"])
                messages.success(request, "已记录落实情况。")
                return redirect("supervision:record", pk=pk)
        except ValidationError as exc:
            _errors(decision if "decide" in request.POST else complete, exc)
    return render(request, "supervision/record.html", {
        "item": item, "decision": decision if item.status == RecordStatus.PROPOSED else None,
        "complete": complete if item.status == RecordStatus.CONFIRMED else None,
        "responsible": item.responsible.all(),
    })


def inbox(request):
    return render(request, "supervision/inbox.html", {"items": selectors.inbox(request.user)[:100]})


@require_POST
def mark_read(request):
    pk = request.POST.get("pk")
    notifications.mark_read(request.user, pk=int(pk) if pk and pk.isdigit() else None)
    return redirect(safe_next(request, request.POST.get("next"), "supervision:inbox"))


def preferences(request):
    pref = NotificationPreference.objects.filter(staff=request.user).first() or NotificationPreference()
    form = PreferenceForm(request.POST or None, initial={
        "email": pref.email, "sms": pref.sms, "quiet_start": pref.quiet_start, "quiet_end": pref.quiet_end})
    if request.method == "POST" and form.is_valid():
        try:
            notifications.set_preferences(request.user, **form.cleaned_data)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, "通知设置已保存。")
            return redirect("supervision:preferences")
    return render(request, "supervision/preferences.html", {"form": form})
