"""信访工作建议（写）：登记一条改进工作、完善政策或追究责任的建议；登记对方是否采纳。每次写都留审计。"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from xinfang.audit.services import record
from xinfang.core import clock

from .models import Adoption, Recommendation, RecommendationKind


@transaction.atomic
def record_recommendation(*, kind: str, department, text: str, issued_on: date, by) -> Recommendation:
    """登记一条建议（第四十条），返回建议；种类、内容、日期不对的以中文说明拒绝，什么也不写。"""
    errors = {}
    if kind not in RecommendationKind.values:
        errors["kind"] = "种类：须为改进工作、完善政策或追究责任建议"
    if not text.strip():
        errors["text"] = "建议内容：不能为空"
    if issued_on > clock.today():
        errors["issued_on"] = f"提出日期：{issued_on} 还没到"
    if errors:
        raise ValidationError(errors)
    rec = Recommendation.objects.create(kind=kind, department=department, text=text.strip(), issued_on=issued_on,
                                        issued_by=by, created_at=clock.now())
    record(actor=by, action="assessment.recommendation.record", obj=rec,
           changes={"kind": [None, kind], "department": [None, department.pk], "issued_on": [None, str(issued_on)]})
    return rec


@transaction.atomic
def answer_recommendation(rec: Recommendation, *, adoption: str, answer: str, answered_on: date, by) -> Recommendation:
    """登记建议是否被采纳（第四十一条第三项），返回建议。"""
    rec = Recommendation.objects.select_for_update().get(pk=rec.pk)
    if adoption not in (Adoption.ADOPTED, Adoption.PARTLY, Adoption.REJECTED):
        raise ValidationError({"adoption": "采纳情况：须为已采纳、部分采纳或未采纳"})
    if adoption != Adoption.ADOPTED and not answer.strip():
        raise ValidationError({"answer": "说明：部分采纳或未采纳的须写明理由"})
    if answered_on < rec.issued_on or answered_on > clock.today():
        raise ValidationError({"answered_on": f"反馈日期：须在提出日期 {rec.issued_on} 与今天之间"})
    before = rec.adoption
    rec.adoption, rec.answer, rec.answered_on = adoption, answer.strip(), answered_on
    rec.save(update_fields=["adoption", "answer", "answered_on"])
    record(actor=by, action="assessment.recommendation.answer", obj=rec, changes={"adoption": [before, adoption]})
    return rec
