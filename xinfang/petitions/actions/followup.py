"""事项上不改变状态的几类记录：

- 检举控告民警履职行为的，交纪检监察（督察）机关（《信访工作条例》第三十条）：移交的机关、日期、文号与其答复；
- 终结（办结）后的帮扶救助、教育疏导（第三十七条）：谁、哪天、做了什么；
- 信访工作机构向有关单位提出的改进工作、完善政策、追究责任的建议（第四十条）：单位应当书面反馈，
  记下反馈期限，到期未反馈即为逾期。
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q

from xinfang.audit.services import plain, record
from xinfang.core import clock
from xinfang.org import access, permissions
from xinfang.org.models import Department

from .. import events
from ..models import (
    Adoption, AftercareKind, AftercareRecord, DisciplineReferral, Matter, MatterEvent, MatterType, Recommendation,
    RecommendationKind, Status,
)
from ..selectors import visible_matters
from ..workflow import ActionNotAllowed
from .opinions import check_date

_ART30 = "《信访工作条例》第三十条"  # 检举控告类事项：纪检监察机关依规依纪依法办理
_ART37 = "《信访工作条例》第三十七条"  # 终结后的帮扶救助、教育疏导
_ART40 = "《信访工作条例》第四十条"  # 改进工作等建议：有关单位书面反馈
# 第三十七条：终结后的帮扶、教育；第三十二条不予支持的也要做好疏导教育——办结、终结后都可记。
AFTERCARE_STATES = frozenset({Status.CLOSED, Status.TERMINATED})


def feedback_days() -> int:
    """建议的书面反馈期限（日）：条例未定天数，部署可设 XINFANG_RECOMMENDATION_FEEDBACK_DAYS，默认30日。"""
    return int(getattr(settings, "RECOMMENDATION_FEEDBACK_DAYS", 30))


def _locked(by, matter: Matter, capability: str) -> Matter:
    locked = visible_matters(by).select_for_update(of=("self",)).filter(pk=matter.pk).first()
    if locked is None:
        raise ValidationError({"__all__": "信访事项不存在"})
    if refused := permissions.refusal(by, capability, locked):
        raise ActionNotAllowed(refused)
    return locked


def _event(matter: Matter, *, by, action: str, reason: str, data: dict) -> None:
    MatterEvent.objects.create(matter=matter, at=clock.now(), actor=by, action=action, from_status=matter.status,
                               to_status=matter.status, reason=reason[:500],
                               data={k: plain(v) for k, v in data.items()})


# -- 检举控告：交纪检监察（督察）机关 ------------------------------------------------------


def route_to_discipline(matter: Matter, *, by, body: str, routed_on: date | None = None,
                        reference: str = "") -> DisciplineReferral:
    """检举控告类事项交纪检监察（督察）机关：一行记录。受理时由 accept_matter 调用，也可再移交另一机关。

    调用方在事务中（受理时随转换一起提交）。
    """
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": f"请写明交由哪个纪检监察（督察）机关处理（全称，{_ART30}）"})
    routed_on = routed_on or clock.today()
    check_date(routed_on, field="routed_on", label="移交日期", after=matter.received_on, after_label="收到日期",
               basis=_ART30)
    row = DisciplineReferral.objects.create(matter=matter, body=body[:150], routed_on=routed_on,
                                            reference=(reference or "").strip()[:100], created_by=by,
                                            created_at=clock.now())
    _event(matter, by=by, action="discipline_routed", reason=f"交{row.body}处理", data=events.discipline_routed(row))
    record(actor=by, action="matter.discipline_routed", obj=matter,
           changes={"body": [None, row.body], "routed_on": [None, routed_on.isoformat()]})
    return row


@transaction.atomic
def route_again(matter: Matter, *, by, body: str, routed_on: date | None = None,
                reference: str = "") -> DisciplineReferral:
    """已受理的检举控告类事项另交（或改交）一个纪检监察（督察）机关。"""
    locked = _locked(by, matter, "matter.discipline")
    if locked.matter_type != MatterType.ACCUSATION:
        raise ActionNotAllowed(f"只有检举控告类事项交纪检监察（督察）机关处理（{_ART30}）。")
    row = route_to_discipline(locked, by=by, body=body, routed_on=routed_on, reference=reference)
    if not locked.discipline_body:
        Matter.objects.filter(pk=locked.pk).update(discipline_body=row.body)
    return row


@transaction.atomic
def record_discipline_answer(row: DisciplineReferral, *, by, answered_on: date, answer: str) -> DisciplineReferral:
    """登记纪检监察（督察）机关的答复（处理结果）。"""
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": f"请填写该机关答复的处理结果（{_ART30}）"})
    matter = _locked(by, row.matter, "matter.discipline")
    row = DisciplineReferral.objects.select_for_update().get(pk=row.pk, matter=matter)
    if row.answered_on is not None:
        raise ActionNotAllowed(f"{row.body}的答复已于 {row.answered_on:%Y-%m-%d} 登记。")
    check_date(answered_on, field="answered_on", label="答复日期", after=row.routed_on, after_label="移交日期",
               basis=_ART30)
    row.answered_on, row.answer, row.answered_by = answered_on, answer, by
    row.save(update_fields=["answered_on", "answer", "answered_by"])
    _event(matter, by=by, action="discipline_answered", reason=f"{row.body}：{answer[:200]}",
           data=events.discipline_answered(row))
    record(actor=by, action="matter.discipline_answered", obj=matter,
           changes={"body": [None, row.body], "answered_on": [None, answered_on.isoformat()]})
    return row


# -- 终结后的帮扶救助、教育疏导 -------------------------------------------------------------


@transaction.atomic
def record_aftercare(matter: Matter, *, by, kind: str, on: date, who: str, what: str) -> AftercareRecord:
    """记一次帮扶救助或教育疏导（第三十七条）：终结、办结后仍可记，事项状态不变。"""
    errors = {}
    if kind not in AftercareKind.values:
        errors["kind"] = "请选择帮扶救助或教育疏导"
    if not (who or "").strip():
        errors["who"] = "请写明开展帮扶、教育的人员或单位"
    if not (what or "").strip():
        errors["what"] = f"请写明帮扶、教育的内容（{_ART37}）"
    if errors:
        raise ValidationError(errors)
    locked = _locked(by, matter, "matter.aftercare")
    if locked.status not in AFTERCARE_STATES:
        raise ActionNotAllowed(f"事项当前为“{locked.get_status_display()}”：帮扶救助、教育疏导记录用于办结、终结之后"
                               f"（{_ART37}）；办理中的情况请记入办理记录。")
    check_date(on, field="on", label="帮扶、教育日期", after=locked.closed_on, after_label="办结（终结）日期",
               basis=_ART37)
    row = AftercareRecord.objects.create(matter=locked, kind=kind, on=on, who=who.strip()[:150], what=what.strip(),
                                         created_by=by, created_at=clock.now())
    _event(locked, by=by, action="aftercare", reason=f"{row.get_kind_display()}（{row.who}）：{row.what[:200]}",
           data=events.aftercare(row))
    record(actor=by, action="matter.aftercare", obj=locked,
           changes={"kind": [None, kind], "on": [None, on.isoformat()], "who": [None, row.who]})
    return row


# -- 第四十条的建议与书面反馈 -----------------------------------------------------------------


@transaction.atomic
def recommend(matter: Matter, *, by, department: Department, kind: str, text: str,
              feedback_due: date | None = None) -> Recommendation:
    """向有关单位提出改进工作、完善政策或追究责任的建议；该单位应当书面反馈采纳情况（第四十条）。"""
    errors = {}
    if kind not in RecommendationKind.values:
        errors["kind"] = f"请选择建议种类：改进工作、完善政策或追究责任（{_ART40}）"
    if not (text or "").strip():
        errors["text"] = "请填写建议内容"
    if department is None:
        errors["department"] = "请选择被建议的单位"
    if errors:
        raise ValidationError(errors)
    locked = _locked(by, matter, "matter.recommend")
    today = clock.today()
    due = feedback_due or today + timedelta(days=feedback_days())
    if due <= today:
        raise ValidationError({"feedback_due": f"书面反馈期限（{due:%Y-%m-%d}）须晚于今天（{_ART40}）"})
    row = Recommendation.objects.create(matter=locked, department=department, kind=kind, text=text.strip(),
                                        issued_on=today, feedback_due=due, issued_by=by, created_at=clock.now())
    _event(locked, by=by, action="recommendation", reason=f"向{department.name}提出{row.get_kind_display()}：{text[:200]}",
           data=events.recommendation(row))
    record(actor=by, action="matter.recommend", obj=locked,
           changes={"department": [None, department.name], "kind": [None, kind], "feedback_due": [None, due.isoformat()]})
    return row


def may_answer_recommendation(user, row: Recommendation) -> bool:
    """被建议单位（含其上级）的负责人、分管领导登记书面反馈。"""
    if not permissions.allows(user, "recommendation.feedback"):
        return False
    return access.departments(user).filter(pk=row.department_id).exists()


@transaction.atomic
def record_feedback(row: Recommendation, *, by, feedback: str, adoption: str,
                    feedback_on: date | None = None) -> Recommendation:
    """登记被建议单位的书面反馈：采纳、部分采纳或未采纳，及其说明。"""
    feedback = (feedback or "").strip()
    errors = {}
    if adoption not in (Adoption.ADOPTED, Adoption.PARTLY, Adoption.REJECTED):
        errors["adoption"] = f"请选择采纳情况：已采纳、部分采纳或未采纳（{_ART40}）"
    if not feedback:
        errors["feedback"] = f"请填写书面反馈的内容（{_ART40}）"
    if errors:
        raise ValidationError(errors)
    if not may_answer_recommendation(by, row):
        raise ActionNotAllowed(f"书面反馈由被建议单位（{row.department.name}）的负责人登记（{_ART40}）。")
    matter = Matter.objects.select_for_update(of=("self",)).get(pk=row.matter_id)
    row = Recommendation.objects.select_for_update().get(pk=row.pk)
    if row.feedback_on is not None:
        raise ActionNotAllowed(f"该建议的书面反馈已于 {row.feedback_on:%Y-%m-%d} 登记。")
    on = feedback_on or clock.today()
    check_date(on, field="feedback_on", label="书面反馈日期", after=row.issued_on, after_label="建议提出日期",
               basis=_ART40)
    row.feedback_on, row.feedback, row.feedback_by, row.adoption = on, feedback, by, adoption
    row.save(update_fields=["feedback_on", "feedback", "feedback_by", "adoption"])
    _event(matter, by=by, action="recommendation_feedback", reason=f"{row.department.name}：{feedback[:200]}",
           data=events.recommendation_feedback(row))
    record(actor=by, action="matter.recommendation_feedback", obj=matter,
           changes={"recommendation": [None, row.pk], "feedback_on": [None, on.isoformat()],
                    "adoption": [Adoption.PENDING, adoption]})
    return row


def recommendations_for(user, *, open_only: bool = False):
    """督办员、领导看的建议清单：可见事项上的建议，未反馈的在前、按反馈期限先后。"""
    mine = Q(matter__in=visible_matters(user)) | Q(department__in=access.departments(user))
    rows = Recommendation.objects.filter(mine).select_related("matter", "department")
    if open_only:
        rows = rows.filter(feedback_on__isnull=True)
    return rows.order_by(F("feedback_on").asc(nulls_first=True), "feedback_due", "id")
