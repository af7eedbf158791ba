"""每月排查（写操作）："各基层单位和执法民警对自己办理的案件，每月进行一次排查"。

每月第一个工作日，为每个有案件的单位生成上月的排查：上月决定的案件、仍未结案的案件、以往判定
有隐患且尚未化解也未转为信访的案件，按风险从高到低。民警逐件判定，单位负责人审核签字。
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from xinfang.audit.services import record
from xinfang.core import clock
from xinfang.core.calendar import current_calendar

from . import bulkindex
from .models import (CasePetitionLink, EnforcementCase, Measure, ScreeningItem, ScreeningRound, ScreeningTally,
                     Verdict)

# 下发后 5 个工作日内排查完、签字：超过即记为不及时（供考核）。
WORKDAYS_TO_FINISH = 5


def first_workday(month: date) -> date:
    return current_calendar().next_workday(month.replace(day=1))


def previous_month(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time()))


def open_due_rounds(*, today: date | None = None) -> int:
    """到了（或过了）本月第一个工作日就生成上月的排查；已生成的不重复。返回新生成的单位数。"""
    today = today or clock.today()
    if today < first_workday(today):
        return 0
    month = previous_month(today)
    opened = 0
    bulkindex.build_pending()  # 下面按单位、决定时间取案件：被杀掉的大导入留下的索引先建回
    department_ids = set(EnforcementCase.objects.filter(
        Q(decided_at__gte=_midnight(month), decided_at__lt=_midnight(today.replace(day=1))) | Q(closed_at=None),
    ).values_list("department_id", flat=True).distinct())
    department_ids |= set(ScreeningItem.objects.filter(verdict=Verdict.HAZARD, resolved_at=None)
                          .values_list("case__department_id", flat=True))
    for department_id in sorted(department_ids):
        if open_round(department_id=department_id, month=month, today=today) is not None:
            opened += 1
    return opened


def open_round(*, department_id: int, month: date, today: date) -> ScreeningRound | None:
    """生成一个单位一个月的排查清单；已有则返回 None。"""
    with transaction.atomic():
        round_, created = ScreeningRound.objects.get_or_create(
            department_id=department_id, month=month,
            defaults={"opened_on": today, "due_on": current_calendar().add_workdays(today, WORKDAYS_TO_FINISH)})
        if not created:
            return None
        start, end = _midnight(month), _midnight(today.replace(day=1))
        petitioned = CasePetitionLink.objects.values("case_id")
        cases = EnforcementCase.objects.filter(department_id=department_id).filter(
            Q(decided_at__gte=start, decided_at__lt=end) | Q(closed_at=None, decided_at__lt=end))
        carried = set(ScreeningItem.objects.filter(case__department_id=department_id, verdict=Verdict.HAZARD,
                                                   resolved_at=None).exclude(case_id__in=petitioned)
                      .values_list("case_id", flat=True))
        items = {}
        for case in cases.only("pk", "officer_no", "risk_score", "risk_reasons").iterator(chunk_size=2000):
            items[case.pk] = ScreeningItem(round=round_, case_id=case.pk, officer_no=case.officer_no,
                                           risk_score=case.risk_score, reasons=case.risk_reasons)
        for case in EnforcementCase.objects.filter(pk__in=carried - set(items)).only(
                "pk", "officer_no", "risk_score", "risk_reasons"):
            items[case.pk] = ScreeningItem(round=round_, case_id=case.pk, officer_no=case.officer_no,
                                           risk_score=case.risk_score, reasons=case.risk_reasons)
        # 上月的隐患与措施带过来作为起点；民警本月再判定一次，或直接记为已化解。
        previous = {i.case_id: i for i in ScreeningItem.objects.filter(case_id__in=carried, verdict=Verdict.HAZARD,
                                                                        resolved_at=None).order_by("round__month")}
        for case_id in carried:
            items[case_id].carried_over = True
            items[case_id].hazard, items[case_id].measure = previous[case_id].hazard, previous[case_id].measure
        ScreeningItem.objects.bulk_create(items.values(), batch_size=1000)
        round_.items_total = len(items)
        round_.save(update_fields=["items_total"])
        record(actor=None, action="screening.round_opened", obj=round_, changes={"items": [None, len(items)]})
    return round_


def _may_mark(item: ScreeningItem, by) -> bool:
    return bool(by.police_number) and by.police_number == item.officer_no or item.case.officer_id == by.pk


@transaction.atomic
def mark_item(item: ScreeningItem, *, by, verdict: str, hazard: str = "", measure: str = "") -> ScreeningItem:
    """民警判定一件案件：无隐患，或有隐患并写明隐患与措施（报请领导的记为重点案件）。"""
    item = ScreeningItem.objects.select_for_update().select_related("case", "round").get(pk=item.pk)
    if not _may_mark(item, by):
        raise PermissionDenied("只有办案民警本人可以排查自己的案件")
    if item.round.signed_at is not None:
        raise ValidationError("本月排查已签字，不能再修改")
    if verdict not in (Verdict.NO_HAZARD, Verdict.HAZARD):
        raise ValidationError({"verdict": "请选择「无隐患」或「有隐患」"})
    if verdict == Verdict.HAZARD:
        if not hazard.strip():
            raise ValidationError({"hazard": "有隐患时须写明隐患"})
        if measure not in Measure.values:
            raise ValidationError({"measure": "有隐患时须选择一项措施"})
    else:
        hazard, measure = "", ""
    before = {"verdict": item.verdict, "measure": item.measure}
    item.verdict, item.hazard, item.measure = verdict, hazard.strip(), measure
    item.is_key = measure == Measure.REPORT
    item.marked_by, item.marked_at = by, clock.now()
    item.save()
    record(actor=by, action="screening.item_marked", obj=item.case,
           changes={"verdict": [before["verdict"], verdict], "measure": [before["measure"], measure]})
    return item


@transaction.atomic
def resolve_item(item: ScreeningItem, *, by) -> ScreeningItem:
    """记为已化解：此后的排查不再带上这件案件。"""
    item = ScreeningItem.objects.select_for_update().select_related("case", "round").get(pk=item.pk)
    if not _may_mark(item, by):
        raise PermissionDenied("只有办案民警本人可以记为已化解")
    if item.verdict != Verdict.HAZARD and not item.carried_over:
        raise ValidationError("只有判定有隐患的案件才需要化解")
    if item.round.signed_at is not None:
        raise ValidationError("本月排查已签字，不能再修改")
    item.resolved_at = clock.now()
    if item.verdict != Verdict.HAZARD:  # 上月带来的隐患本月化解：本月的判定就是"有隐患、已化解"
        item.verdict, item.marked_by, item.marked_at = Verdict.HAZARD, by, item.resolved_at
    item.save(update_fields=["resolved_at", "verdict", "marked_by", "marked_at"])
    ScreeningItem.objects.filter(case=item.case, verdict=Verdict.HAZARD, resolved_at=None).update(resolved_at=item.resolved_at)
    record(actor=by, action="screening.hazard_resolved", obj=item.case)
    return item


@transaction.atomic
def sign_off(round_: ScreeningRound, *, by, opinion: str = "") -> ScreeningRound:
    """单位负责人审核签字：所有案件都已排查才可签；同时写定本单位与每名民警的完成与及时情况。"""
    round_ = ScreeningRound.objects.select_for_update().select_related("department").get(pk=round_.pk)
    if round_.department.head_id != by.pk:
        raise PermissionDenied("只有本单位负责人可以审核签字")
    if round_.signed_at is not None:
        raise ValidationError("本月排查已签字")
    items = list(round_.items.values_list("officer_no", "verdict", "marked_at"))
    pending = sum(1 for _, verdict, _ in items if not verdict)
    if pending:
        raise ValidationError(f"还有 {pending} 件案件未排查，不能签字")
    deadline = _midnight(round_.due_on + timedelta(days=1))
    now = clock.now()
    tallies: dict[str, list[int]] = {}
    for officer_no, verdict, marked_at in items:
        tally = tallies.setdefault(officer_no, [0, 0, 0])
        tally[0] += 1
        tally[1] += bool(verdict)
        tally[2] += bool(marked_at and marked_at < deadline)
    round_.signed_by, round_.signed_at, round_.head_opinion = by, now, opinion.strip()
    round_.items_total = len(items)
    round_.items_marked = sum(t[1] for t in tallies.values())
    round_.items_on_time = sum(t[2] for t in tallies.values())
    round_.signed_on_time = now < deadline
    round_.save()
    ScreeningTally.objects.bulk_create([ScreeningTally(round=round_, officer_no=no, total=t[0], marked=t[1], on_time=t[2])
                                        for no, t in tallies.items()])
    record(actor=by, action="screening.round_signed", obj=round_,
           changes={"signed_on_time": [None, round_.signed_on_time]})
    return round_
