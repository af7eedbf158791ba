"""预警中心：单位负责人、分管领导、督办员与局领导查看、确认、关闭预警。"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from xinfang.org import permissions

from . import selectors, services
from .forms import CloseForm
from .models import Disposition, WarningKind


def centre(request):
    permissions.require(request.user, "warning.centre")
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    context = selectors.centre(request.user, kind=request.GET.get("kind", ""), page=page, show_closed=True)
    return render(request, "warning/centre.html", context)


def detail(request, pk: int, *, close_form=None, status=200):
    permissions.require(request.user, "warning.centre")
    warning = selectors.access_warning(request.user, pk)
    petitions = warning.petitions.select_related("matter").order_by("received_at")[:200]
    decision = getattr(warning, "disposition", None) if warning.kind == WarningKind.OFFICER_SUPPORT else None
    return render(request, "warning/detail.html", {
        "warning": warning, "petitions": petitions, "close_form": close_form or CloseForm(), "decision": decision,
        "dispositions": Disposition.choices if warning.kind == WarningKind.OFFICER_SUPPORT else [],
    }, status=status)


@require_POST
def dispose(request, pk: int):
    permissions.require(request.user, "warning.dispose")
    warning = selectors.access_warning(request.user, pk)
    try:
        services.record_disposition(warning, by=request.user, disposition=request.POST.get("disposition", ""),
                                    note=request.POST.get("note", ""))
        messages.success(request, "处置决定已记录，预警已关闭。")
    except ValidationError as exc:
        messages.error(request, "；".join(e for errors in exc.message_dict.values() for e in errors))
    return redirect("warning:detail", pk=warning.pk)


@require_POST
def acknowledge(request, pk: int):
    permissions.require(request.user, "warning.centre")
    warning = selectors.access_warning(request.user, pk)
    try:
        services.acknowledge_warning(warning, by=request.user)
        messages.success(request, "已确认，请组织处置。")
    except ValidationError as exc:
        messages.error(request, "；".join(e for errors in exc.message_dict.values() for e in errors))
    return redirect("warning:detail", pk=warning.pk)


@require_POST
def close(request, pk: int):
    permissions.require(request.user, "warning.centre")
    warning = selectors.access_warning(request.user, pk)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.close_warning(warning, by=request.user, outcome=form.cleaned_data["outcome"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None,
                               [e.removeprefix("处置情况：") for e in errors])
        else:
            messages.success(request, "预警已关闭。")
            return redirect("warning:detail", pk=warning.pk)
    return detail(request, pk, close_form=form, status=400)
