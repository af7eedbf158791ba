"""事项页上"来文与后续"几栏的数据：转送交办来文（异议、办结报告）、第十九条不予受理的提示、
移交纪检监察（督察）、帮扶教育记录、工作建议与书面反馈。只读。"""

from __future__ import annotations

from datetime import date

from xinfang.org import permissions

from .actions import followup, intake_rules
from .forms import AftercareForm, DisciplineAnswerForm, DisciplineRouteForm, FeedbackForm, RecommendationForm, ReferralForm
from .models import Matter, MatterType, Referral, Status


def panel(user, matter: Matter, today: date) -> dict:
    referral = Referral.objects.filter(matter=matter).select_related("objection_document", "report_document").first()
    recommendations = list(matter.recommendations.select_related("department").order_by("issued_on", "id"))
    for row in recommendations:
        row.overdue = row.feedback_on is None and row.feedback_due < today
        row.can_answer = row.feedback_on is None and followup.may_answer_recommendation(user, row)
    discipline = list(matter.discipline_referrals.all())
    can_discipline = permissions.allows(user, "matter.discipline", matter)
    return {
        "referral": referral,
        "referral_form": ReferralForm() if referral is None and matter.status == Status.REGISTERED
        and permissions.allows(user, "matter.referral", matter) else None,
        "report_overdue": bool(referral and referral.report_due and referral.reported_on is None
                               and referral.report_due < today),
        "art19_offers": intake_rules.superior_repeat_offers(matter, today),
        "discipline": discipline,
        "can_discipline": can_discipline,
        "discipline_route_form": DisciplineRouteForm() if can_discipline
        and matter.matter_type == MatterType.ACCUSATION and matter.accepted_on else None,
        "discipline_answer_form": DisciplineAnswerForm() if can_discipline else None,
        "aftercare": list(matter.aftercare.select_related("created_by")),
        "aftercare_form": AftercareForm() if matter.status in followup.AFTERCARE_STATES
        and permissions.allows(user, "matter.aftercare", matter) else None,
        "recommendations": recommendations,
        "recommend_form": RecommendationForm(user=user) if permissions.allows(user, "matter.recommend", matter)
        else None,
        "feedback_form": FeedbackForm(),
    }
