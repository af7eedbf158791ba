"""复查（《信访工作条例》第三十五条）与复核（第三十六条），以及复核后的不再受理。"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from xinfang.core import clock

from .. import documents
from ..models import DocumentKind, Matter, Outcome
from ..workflow import ActionNotAllowed, transition
from .handling import hearing_ended, hearing_started


def _within(requested_on: date, closes: date | None, what: str) -> None:
    if closes is None or requested_on > closes:
        raise ValidationError({"requested_on": f"{what}的期限已于 {closes:%Y年%m月%d日} 届满，不能再请求{what}。"
                               if closes else f"尚无可请求{what}的意见。"})


@transaction.atomic
def request_review(matter: Matter, *, by, requested_on: date | None = None, reason: str = "",
                   expected_version: int | None = None, via_portal: bool = False) -> Matter:
    """登记复查请求：须在收到处理意见书之日起 30 日内；复查期限自收到请求之日起算。

    信访人本人经门户请求时 by=None、via_portal=True（见 workflow.transition）。
    """
    requested_on = requested_on or clock.today()

    def apply(m: Matter) -> dict:
        if m.review_requested_on is not None:
            raise ActionNotAllowed("该事项已经复查过，不能再次请求复查；对复查意见不服的，可请求复核。")
        _within(requested_on, m.review_request_closes, "复查")
        m.review_requested_on = requested_on
        return {"review_requested_on": requested_on}

    return transition(matter, "request_review", by=by, expected_version=expected_version, reason=reason, apply=apply,
                      via_portal=via_portal)


def _opinion(outcome: str, text: str) -> None:
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": "请选择意见"})
    if not text.strip():
        raise ValidationError({"text": "请填写意见内容"})


@transaction.atomic
def issue_review(matter: Matter, *, by, outcome: str, text: str, delivered_on: date | None = None,
                 expected_version: int | None = None) -> Matter:
    """出具复查意见书；自送达之日起算复核申请期限。"""
    _opinion(outcome, text)
    delivered_on = delivered_on or clock.today()

    def apply(m: Matter) -> dict:
        m.review_delivered_on = delivered_on
        return {"review_outcome": outcome, "review_text": text.strip(), "review_delivered_on": delivered_on}

    matter = transition(matter, "issue_review", by=by, expected_version=expected_version, apply=apply)
    documents.issue_document(matter, DocumentKind.REVIEW, by=by,
                             extra={"复查意见": Outcome(outcome).label, "复查意见内容": text.strip()})
    return matter


@transaction.atomic
def close_review(matter: Matter, *, by, expected_version: int | None = None) -> Matter:
    """复查后信访人未请求复核（或已表示接受）：办结。"""

    def apply(m: Matter) -> dict:
        m.closed_on = clock.today()
        return {"closed_on": m.closed_on}

    return transition(matter, "close_review", by=by, expected_version=expected_version, apply=apply)


@transaction.atomic
def request_re_review(matter: Matter, *, by, requested_on: date | None = None, reason: str = "",
                      expected_version: int | None = None, via_portal: bool = False) -> Matter:
    """登记复核请求：须在收到复查意见之日起 30 日内。"""
    requested_on = requested_on or clock.today()

    def apply(m: Matter) -> dict:
        _within(requested_on, m.re_review_request_closes, "复核")
        m.re_review_requested_on = requested_on
        return {"re_review_requested_on": requested_on}

    return transition(matter, "request_re_review", by=by, expected_version=expected_version, reason=reason,
                      apply=apply, via_portal=via_portal)


@transaction.atomic
def start_re_review_hearing(matter: Matter, *, by, on: date | None = None, expected_version: int | None = None) -> Matter:
    """复核中组织听证：听证所需时间不计入复核期限（第三十六条）。"""
    return transition(matter, "start_re_review_hearing", by=by, expected_version=expected_version,
                      apply=hearing_started(on or clock.today()))


@transaction.atomic
def end_re_review_hearing(matter: Matter, *, by, on: date | None = None, expected_version: int | None = None) -> Matter:
    return transition(matter, "end_re_review_hearing", by=by, expected_version=expected_version,
                      apply=hearing_ended(on or clock.today(), "re_review_paused_days"))


@transaction.atomic
def issue_re_review(matter: Matter, *, by, outcome: str, text: str, expected_version: int | None = None) -> Matter:
    """出具复核意见书：信访事项终结，同一事实和理由不再受理。"""
    _opinion(outcome, text)

    def apply(m: Matter) -> dict:
        m.closed_on = clock.today()
        return {"re_review_outcome": outcome, "re_review_text": text.strip()}

    matter = transition(matter, "issue_re_review", by=by, expected_version=expected_version, apply=apply)
    documents.issue_document(matter, DocumentKind.RE_REVIEW, by=by,
                             extra={"复核意见": Outcome(outcome).label, "复核意见内容": text.strip()})
    return matter


@transaction.atomic
def notify_not_accepted_again(matter: Matter, *, by, expected_version: int | None = None) -> Matter:
    """已终结事项又以同一事实和理由来信访：出具不再受理告知书（状态不变）。"""
    matter = transition(matter, "not_accepted_again", by=by, expected_version=expected_version)
    documents.issue_document(matter, DocumentKind.NOT_ACCEPTED_AGAIN, by=by)
    return matter
