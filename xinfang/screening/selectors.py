"""排查的读：民警自己的清单、单位的排查概况、领导的重点案件。全部经 org.access 按部门限定。"""

from __future__ import annotations

from django.db.models import Count, QuerySet

from xinfang.org import access

from .models import ScreeningItem, ScreeningRound, Verdict


def my_items(user) -> QuerySet[ScreeningItem]:
    """本人的排查清单：尚未签字的各月排查中由本人办理的案件，风险高的在前。"""
    # 案件按警号对上民警（导入时也按警号关联账号），所以只查警号：走 (officer_no, round) 索引。
    if not user.police_number:
        return ScreeningItem.objects.none()
    return (ScreeningItem.objects.filter(officer_no=user.police_number, round__signed_at=None)
            .select_related("case", "round", "round__department").order_by("-risk_score", "id"))


def visible_rounds(user) -> QuerySet[ScreeningRound]:
    return access.scope(ScreeningRound.objects.all(), user, "department").select_related("department", "signed_by")


def with_counts(rounds) -> list[ScreeningRound]:
    """给一页排查附上已排查数与隐患数：一条按 (排查, 判定) 分组的计数，走 (round, verdict) 索引，
    不把几十万件案件连表再分组（500 万件时那样要一秒）。"""
    rounds = list(rounds)
    counts: dict[tuple[int, str], int] = {}
    for round_id, verdict, n in (ScreeningItem.objects.filter(round_id__in=[r.pk for r in rounds])
                                 .values_list("round_id", "verdict").annotate(n=Count("id")).order_by()):
        counts[round_id, verdict] = n
    for round_ in rounds:
        round_.hazards = counts.get((round_.pk, Verdict.HAZARD), 0)
        round_.marked = round_.hazards + counts.get((round_.pk, Verdict.NO_HAZARD), 0)
    return rounds


def access_round(user, pk: int) -> ScreeningRound:
    return access.get_visible_or_404(ScreeningRound.objects.select_related("department"), user, "department", pk=pk)


def round_items(round_: ScreeningRound) -> QuerySet[ScreeningItem]:
    return round_.items.select_related("case").order_by("-risk_score", "id")


def key_items(user) -> QuerySet[ScreeningItem]:
    """重点案件（报请领导的隐患），尚未化解的在前。"""
    return (access.scope(ScreeningItem.objects.filter(is_key=True), user, "round__department")
            .select_related("case", "round", "round__department").order_by("resolved_at", "-risk_score"))


def completion_rows(start, end, *, department_ids=None):
    """考核读的排查完成情况（只读）：应完成日期落在 [start, end] 的各月排查中的每件案件——
    (案件行 id, 排查 id, 单位, 办案民警账号, 案件编号, 排查月份, 应完成日期, 判定, 排查时间)。"""
    q = ScreeningItem.objects.filter(round__due_on__range=(start, end))
    if department_ids is not None:
        q = q.filter(round__department_id__in=department_ids)
    return q.values_list("id", "round_id", "round__department_id", "case__officer_id", "case__case_no",
                         "round__month", "round__due_on", "verdict", "marked_at").order_by()
