"""工作人员页面：回访清单、回访页（记录回访、负责人处理需关注的回访）、三率、给登记的信访件发查询码。"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from xinfang.core import clock
from xinfang.org import permissions
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import visible_matters

from . import security, selectors
from .actions import submission, visits
from .forms import AttentionForm, PeriodForm, VisitForm, apply_errors

LIST_LIMIT = 200
TABS = {
    "pending": ("待回访", selectors.pending_return_visits),
    "attention": ("需关注", selectors.unresolved_return_visits),
    "done": ("已回访", selectors.done_return_visits),
}


def visit_list(request):
    # 回访任务由后台任务生成（core/jobs.py 的 SCHEDULE）：打开页面不写任何东西。
    permissions.require(request.user, "return_visit.view")
    tab = request.GET.get("show", "pending")
    if tab not in TABS:
        tab = "pending"
    rows = list(TABS[tab][1](request.user)[:LIST_LIMIT])
    return render(request, "portal/visit_list.html", {
        "rows": rows, "tab": tab, "tabs": [(key, label) for key, (label, _) in TABS.items()],
        "today": clock.today(), "limited": len(rows) == LIST_LIMIT,
    })


def visit_page(request, pk: int):
    permissions.require(request.user, "return_visit.view")
    visit = selectors.visit_for_page(request.user, pk)
    can_record = not visit.is_done and permissions.allows(request.user, "return_visit.record")
    form = VisitForm(request.POST or None) if can_record else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            visits.record_return_visit(visit, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "回访已记录。")
            return redirect("portal:visit", pk=pk)
    return _render_visit(request, visit, form=form)


def _render_visit(request, visit, *, form=None, attention_form=None, status=200):
    can_close = (visit.needs_attention and not visit.attention_closed_at
                 and permissions.allows(request.user, "return_visit.attention"))
    return render(request, "portal/visit.html", {
        "visit": visit, "matter": visit.matter, "petitioners": selectors.petitioners_of(visit.matter),
        "form": form, "attention_form": (attention_form or AttentionForm()) if can_close else None,
        "today": clock.today(),
    }, status=status)


@require_POST
def attention(request, pk: int):
    permissions.require(request.user, "return_visit.attention")
    visit = selectors.visit_for_page(request.user, pk)
    form = AttentionForm(request.POST)
    if form.is_valid():
        try:
            visits.close_attention(visit, by=request.user, note=form.cleaned_data["note"])
        except PermissionError:
            raise Http404 from None
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "处理情况已记录。")
            return redirect("portal:visit", pk=pk)
    return _render_visit(request, visit, attention_form=form, status=400)


def rates_page(request):
    permissions.require(request.user, "return_visit.rates")
    today = clock.today()
    form = PeriodForm(request.GET or None, initial={"since": today.replace(day=1), "until": today})
    since, until = today.replace(day=1), today
    if request.GET and form.is_valid():
        since, until = form.cleaned_data["since"], form.cleaned_data["until"]
    rows, total = selectors.rates(request.user, since=since, until=until, today=today)
    return render(request, "portal/rates.html", {"form": form, "rows": rows, "total": total,
                                                 "since": since, "until": until})


@require_POST
def issue_code(request, petition_pk: int):
    """发（或重发）查询码：原码只在这一页显示一次，可打印交给信访人。"""
    petition = Petition.objects.select_related("matter").filter(
        pk=petition_pk, matter__in=visible_matters(request.user)).first()
    if petition is None or not permissions.allows(request.user, "portal.issue_code", petition.matter):
        raise Http404
    try:
        code = submission.issue_code(petition, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("petitions:matter", pk=petition.matter_id)
    return render(request, "portal/code_issued.html", {
        "petition": petition, "matter": petition.matter, "code": security.format_code(code),
        "portal_url": request.build_absolute_uri(reverse("portal:index")),
    })
