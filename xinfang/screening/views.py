"""排查页面：我的排查、单位排查与签字、报告下载、重点案件。每个视图：按权限取数 → 校验 → 调一个写操作 → 渲染。"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from xinfang.org import permissions

from . import bulkindex, monthly, selectors
from .documents import round_report
from .models import Measure, Verdict
from .risk import ranking_note

PAGE = 100


def _render(request, template: str, context: dict) -> HttpResponse:
    """排查页面都带上"索引待重建"的说明（大批导入暂缓维护、尚未建回时），不让页面悄悄变慢。"""
    return render(request, template, {**context, "index_notice": bulkindex.notice()})


def _message(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def mine(request):
    permissions.require(request.user, "screening.mine")
    items = selectors.my_items(request.user)
    # 一页给每件案件一张表单：默认只列风险最高的 100 件，?all=1 列全部。
    show_all = request.GET.get("all") == "1"
    return _render(request, "screening/mine.html", {
        "items": items if show_all else items[:PAGE], "note": ranking_note(), "measures": Measure.choices,
        "pending": items.filter(verdict=Verdict.PENDING).count(), "total": items.count(), "page": PAGE,
        "show_all": show_all,
    })


@require_POST
def mark(request, pk: int):
    permissions.require(request.user, "screening.mine")
    item = get_object_or_404(selectors.my_items(request.user), pk=pk)
    try:
        if request.POST.get("action") == "resolve":
            monthly.resolve_item(item, by=request.user)
            messages.success(request, f"案件 {item.case.case_no} 已记为已化解。")
        else:
            monthly.mark_item(item, by=request.user, verdict=request.POST.get("verdict", ""),
                              hazard=request.POST.get("hazard", ""), measure=request.POST.get("measure", ""))
            messages.success(request, f"案件 {item.case.case_no} 已排查。")
    except ValidationError as exc:
        messages.error(request, f"案件 {item.case.case_no}：{_message(exc)}")
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("screening:mine")


def rounds(request):
    permissions.require(request.user, "screening.rounds")
    return _render(request, "screening/rounds.html", {"rounds": selectors.with_counts(selectors.visible_rounds(request.user)[:200])})


def round_page(request, pk: int):
    permissions.require(request.user, "screening.round")
    round_ = selectors.access_round(request.user, pk)
    if request.method == "POST":
        try:
            monthly.sign_off(round_, by=request.user, opinion=request.POST.get("opinion", ""))
            messages.success(request, "已审核签字。")
        except ValidationError as exc:
            messages.error(request, _message(exc))
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        return redirect("screening:round", pk=pk)
    items = selectors.round_items(round_)
    return _render(request, "screening/round.html", {
        "round": round_, "items": items[:300], "may_sign": round_.department.head_id == request.user.pk,
        "pending": items.filter(verdict=Verdict.PENDING).count(),
    })


def report(request, pk: int):
    permissions.require(request.user, "screening.round")
    round_ = selectors.access_round(request.user, pk)
    response = HttpResponse(round_report(round_),
                            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    response["Content-Disposition"] = f'attachment; filename="screening-{round_.month:%Y%m}-{round_.department_id}.docx"'
    return response


def key_cases(request):
    permissions.require(request.user, "screening.key")
    return _render(request, "screening/key.html", {"items": selectors.key_items(request.user)[:300]})
