"""信访人经门户（凭查询码核实身份之后）做的事：评价答复、请求复查或复核。"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from xinfang.audit.services import record
from xinfang.core import clock
from xinfang.petitions.actions import appeals
from xinfang.petitions.models import Matter

from ..models import ReturnVisit, Satisfaction
from .visits import sync_for_matter

MAX_REASON = 1000


@transaction.atomic
def rate_reply(matter: Matter, *, rating: str, reason: str = "") -> ReturnVisit:
    """信访人对最近一次答复的评价（满意 / 基本满意 / 不满意并写明理由）；不满意即交单位负责人关注。"""
    reason = (reason or "").strip()
    if rating not in Satisfaction.values:
        raise ValidationError({"rating": "请选择满意、基本满意或不满意"})
    if rating == Satisfaction.UNSATISFIED and not reason:
        raise ValidationError({"reason": "请写明不满意的理由，便于我们改进"})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": f"理由请不超过 {MAX_REASON} 字"})
    sync_for_matter(matter)
    visit = (ReturnVisit.objects.select_for_update().filter(matter=matter)
             .order_by("-replied_on", "-pk").first())
    if visit is None:
        raise ValidationError({"rating": "本事项尚未答复，答复后才能评价"})
    if visit.online_rating:
        raise ValidationError({"rating": "您已评价过本次答复，谢谢"})
    visit.online_rating, visit.online_reason, visit.online_rated_at = rating, reason, clock.now()
    fields = ["online_rating", "online_reason", "online_rated_at"]
    if rating == Satisfaction.UNSATISFIED:
        visit.needs_attention, visit.attention_closed_at = True, None
        fields += ["needs_attention", "attention_closed_at"]
    visit.save(update_fields=fields)
    record(actor=None, action="return_visit.online_rating", obj=visit,
           changes={"online_rating": [None, rating], "online_reason": [None, reason[:200]]})
    return visit


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": f"理由请不超过 {MAX_REASON} 字"})
    return reason


@transaction.atomic
def request_review(matter: Matter, *, reason: str = "") -> Matter:
    """信访人本人请求复查：期限由 appeals 校验（收到处理意见书之日起 30 日内）。"""
    return appeals.request_review(matter, by=None, via_portal=True, reason=_reason(reason))


@transaction.atomic
def request_re_review(matter: Matter, *, reason: str = "") -> Matter:
    """信访人本人请求复核（收到复查意见之日起 30 日内）。"""
    return appeals.request_re_review(matter, by=None, via_portal=True, reason=_reason(reason))
