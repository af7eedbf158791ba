"""事项页上"来文与后续"几栏的写入口（POST），和工作建议清单。每个视图：按权限取数 → 校验 → 调一个写操作 → 回事项页。"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from xinfang.core import clock
from xinfang.org import permissions
from xinfang.org.permissions import access_matter

from . import workflow
from .actions import followup, referrals
from .forms import AftercareForm, DisciplineAnswerForm, DisciplineRouteForm, FeedbackForm, RecommendationForm, ReferralForm


def _run(request, pk: int, form, write, done: str):
    if not form.is_valid():
        problems = [f"{form.fields[name].label if name in form.fields else ''}：{'；'.join(errors)}"
                    for name, errors in form.errors.items()]
        messages.error(request, "；".join(problems))
        return redirect("petitions:matter", pk=pk)
    try:
        write(form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except workflow.WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("petitions:matter", pk=pk)


@require_POST
def referral(request, pk: int):
    """登记转送、交办来文（《信访工作条例》第二十二条、第二十三条）。"""
    matter = access_matter(request.user, pk, capability="matter.referral")
    return _run(request, pk, ReferralForm(request.POST), lambda d: referrals.record_referral(
        matter, by=request.user, kind=d["kind"], source=d["source"], reference=d["reference"],
        received_on=d["received_on"], report_due=d["report_due"]), "已登记转送、交办来文。")


@require_POST
def discipline_route(request, pk: int):
    matter = access_matter(request.user, pk, capability="matter.discipline")
    return _run(request, pk, DisciplineRouteForm(request.POST), lambda d: followup.route_again(
        matter, by=request.user, body=d["body"], routed_on=d["routed_on"], reference=d["reference"]),
        "已登记移交纪检监察（督察）机关。")


@require_POST
def discipline_answer(request, pk: int, row_pk: int):
    matter = access_matter(request.user, pk, capability="matter.discipline")
    row = matter.discipline_referrals.filter(pk=row_pk).first()
    if row is None:
        raise Http404
    return _run(request, pk, DisciplineAnswerForm(request.POST), lambda d: followup.record_discipline_answer(
        row, by=request.user, answered_on=d["answered_on"], answer=d["answer"]), f"已登记{row.body}的答复。")


@require_POST
def aftercare(request, pk: int):
    """终结、办结后的帮扶救助、教育疏导（第三十七条）。"""
    matter = access_matter(request.user, pk, capability="matter.aftercare")
    return _run(request, pk, AftercareForm(request.POST), lambda d: followup.record_aftercare(
        matter, by=request.user, kind=d["kind"], on=d["on"], who=d["who"], what=d["what"]), "已记录。")


@require_POST
def recommend(request, pk: int):
    """向有关单位提出工作建议（第四十条）。"""
    matter = access_matter(request.user, pk, capability="matter.recommend")
    return _run(request, pk, RecommendationForm(request.POST, user=request.user), lambda d: followup.recommend(
        matter, by=request.user, department=d["department"], kind=d["kind"], text=d["text"],
        feedback_due=d["feedback_due"]), "已提出建议，待该单位书面反馈。")


@require_POST
def recommendation_feedback(request, pk: int):
    """被建议单位登记书面反馈（第四十条）。"""
    permissions.require(request.user, "recommendation.feedback")
    row = followup.recommendations_for(request.user).filter(pk=pk).first()
    if row is None:
        raise Http404
    return _run(request, row.matter_id, FeedbackForm(request.POST), lambda d: followup.record_feedback(
        row, by=request.user, feedback=d["feedback"], adoption=d["adoption"],
        feedback_on=d["feedback_on"]), "已登记书面反馈。")


def recommendations(request):
    """工作建议清单：未反馈的在前，逾期的标红（第四十条）。"""
    permissions.require(request.user, "recommendation.list")
    open_only = request.GET.get("open") == "1"
    rows = list(followup.recommendations_for(request.user, open_only=open_only)[:300])
    today = clock.today()
    for row in rows:
        row.overdue = row.feedback_on is None and row.feedback_due < today
    return render(request, "petitions/recommendations.html", {
        "rows": rows, "open_only": open_only, "overdue": sum(r.overdue for r in rows)})

