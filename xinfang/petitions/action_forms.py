"""每个动作用哪张表单、提交后调用哪个写操作。新增动作时在这里加一行。"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from django import forms as django_forms

from . import forms
from .actions import appeals, decisions, handling, opinions, referrals
from .models import DeliveryMethod, MatterType, Outcome, ReviewOutcome

_DATE = django_forms.DateInput(attrs={"type": "date"})


class AcceptForm(forms.NoteForm):
    matter_type = django_forms.ChoiceField(label="事项类别", choices=MatterType.choices, initial=MatterType.COMPLAINT,
                                           required=False,
                                           help_text="只有申诉求决类走60日办理期限并可请求复查、复核（《信访工作条例》第三十一条）")
    discipline_body = django_forms.CharField(label="纪检监察（督察）机关", required=False, max_length=150,
                                             help_text="检举控告类必填：交由哪个机关处理（《信访工作条例》第三十条）")
    discipline_reference = django_forms.CharField(label="移交文号", required=False, max_length=100)

    def clean_matter_type(self):
        return self.cleaned_data.get("matter_type") or MatterType.COMPLAINT


class DeliveryForm(forms.VersionedForm):
    method = django_forms.ChoiceField(label="送达方式", choices=DeliveryMethod.choices, widget=django_forms.RadioSelect)
    delivered_on = django_forms.DateField(label="送达日期", widget=_DATE,
                                          help_text="信访人收到之日；请求复查、复核的期限自此起算（《信访工作条例》第三十五条）")
    proof = django_forms.CharField(label="送达凭证", max_length=200, help_text="签收回执、邮寄单号、下载记录等")


class ReviewOpinionForm(forms.VersionedForm):
    review_outcome = django_forms.ChoiceField(label="结论", choices=ReviewOutcome.choices,
                                              widget=django_forms.RadioSelect)
    decision = django_forms.ChoiceField(label="变更后的决定", required=False,
                                        choices=[("", "—"), *Outcome.choices],
                                        help_text="结论为“变更”时填写新的决定：予以支持、解释说明或不予支持（《信访工作条例》第三十二条）")
    text = django_forms.CharField(label="意见内容", widget=django_forms.Textarea(attrs={"rows": 6}))
    compensation = django_forms.BooleanField(label="赔偿", required=False)
    apology = django_forms.BooleanField(label="道歉", required=False)
    correction = django_forms.BooleanField(label="纠正执法行为", required=False)


class ForwardForm(forms.VersionedForm):
    forwarded_on = django_forms.DateField(label="转送日期", required=False, widget=_DATE, help_text="不填即今天")


class ExternalOpinionForm(forms.VersionedForm):
    review_outcome = django_forms.ChoiceField(label="结论", choices=ReviewOutcome.choices,
                                              widget=django_forms.RadioSelect)
    decision = django_forms.ChoiceField(label="变更后的决定", required=False, choices=[("", "—"), *Outcome.choices])
    text = django_forms.CharField(label="意见内容", widget=django_forms.Textarea(attrs={"rows": 6}))
    decided_on = django_forms.DateField(label="作出日期", widget=_DATE)
    delivered_on = django_forms.DateField(label="送达信访人日期", required=False, widget=_DATE,
                                          help_text="该机关告知的送达日期；复核请求期限自此起算")


def _reply(matter, by, version, data):
    return handling.draft_reply(
        matter, by=by, expected_version=version, outcome=data["outcome"], text=data["text"],
        compensation=data.get("compensation", False), apology=data.get("apology", False),
        correction=data.get("correction", False), items=opinions.parse_items(data.get("items", "")),
    )


@dataclass(frozen=True)
class ActionForm:
    form: type
    run: Callable  # (matter, by, version, cleaned_data) -> Matter
    needs_user: bool = False
    initial: Callable | None = None  # (matter, user, GET 参数) -> 表单初值


def _decline_offer(matter, user, query) -> dict:
    """第十九条：下级机关正在期限内办理同一信访人的事项，按提示的那一件预填不予受理的理由与去向。"""
    from .actions import intake_rules

    wanted = query.get("offer", "")
    for offer in intake_rules.superior_repeat_offers(matter):
        if str(offer.matter.pk) == wanted:
            return {"reason": offer.reason, "where_to_go": offer.where_to_go}
    return {}


def _call(fn, *names, **renames):
    """把表单字段原样传给写操作；renames 把表单字段名映射到参数名。"""

    def run(matter, by, version, data):
        kwargs = {name: data.get(name) for name in names}
        kwargs.update({param: data.get(field) for param, field in renames.items()})
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        return fn(matter, by=by, expected_version=version, **kwargs)

    return run


ACTION_FORMS: dict[str, ActionForm] = {
    "accept": ActionForm(AcceptForm, _call(decisions.accept_matter, "note", "matter_type", "discipline_body",
                                           "discipline_reference")),
    "decline": ActionForm(forms.DeclineForm, _call(decisions.decline_matter, "reason", "where_to_go"),
                          initial=_decline_offer),
    "object_referral": ActionForm(forms.ObjectionForm, _call(referrals.object_to_referral, "reason", "on")),
    "objection_agreed": ActionForm(forms.ObjectionAnswerForm, _call(referrals.objection_agreed, "on", "note")),
    "objection_refused": ActionForm(forms.ObjectionAnswerForm, _call(referrals.objection_refused, "on", "note")),
    "report_completion": ActionForm(forms.CompletionReportForm, _call(referrals.report_completion, "text")),
    "transfer": ActionForm(forms.TransferForm, _call(decisions.transfer_matter, "authority", "reason")),
    "divert": ActionForm(forms.DivertForm, _call(decisions.divert_matter, "channel", "note")),
    "assign": ActionForm(forms.AssignForm, _call(decisions.assign_matter, "lead", "handler", "note", co="co"),
                         needs_user=True),
    "start": ActionForm(forms.VersionedForm, _call(handling.start_handling)),
    "start_hearing": ActionForm(forms.DateForm, _call(handling.start_hearing, "on")),
    "end_hearing": ActionForm(forms.DateForm, _call(handling.end_hearing, "on")),
    "draft_reply": ActionForm(forms.ReplyForm, _reply),
    "return_draft": ActionForm(forms.ReasonForm, _call(handling.return_draft, "reason")),
    "approve_reply": ActionForm(forms.ApproveForm, _call(handling.approve_reply, "delivered_on", approval_note="note")),
    "extend": ActionForm(forms.ExtendForm, _call(handling.extend_matter, "days", "reason")),
    "close": ActionForm(forms.VersionedForm, _call(handling.close_matter)),
    "request_review": ActionForm(forms.RequestForm, _call(appeals.request_review, "requested_on", "reason")),
    "deliver": ActionForm(DeliveryForm, _call(opinions.record_delivery, "method", "delivered_on", "proof")),
    "refuse_late_review": ActionForm(forms.RequestForm, _call(appeals.request_review, "requested_on", "reason")),
    "forward_review": ActionForm(ForwardForm, _call(appeals.forward_review, "forwarded_on")),
    "record_external_review": ActionForm(ExternalOpinionForm, _call(
        appeals.record_external_review, "review_outcome", "decision", "text", "decided_on", "delivered_on")),
    "issue_review": ActionForm(ReviewOpinionForm, _call(
        appeals.issue_review, "review_outcome", "decision", "text", "compensation", "apology", "correction")),
    "close_review": ActionForm(forms.VersionedForm, _call(appeals.close_review)),
    "rehandle": ActionForm(forms.VersionedForm, _call(appeals.rehandle)),
    "request_re_review": ActionForm(forms.RequestForm, _call(appeals.request_re_review, "requested_on", "reason")),
    "start_re_review_hearing": ActionForm(forms.DateForm, _call(appeals.start_re_review_hearing, "on")),
    "end_re_review_hearing": ActionForm(forms.DateForm, _call(appeals.end_re_review_hearing, "on")),
    "refuse_late_re_review": ActionForm(forms.RequestForm, _call(appeals.request_re_review, "requested_on", "reason")),
    "forward_re_review": ActionForm(ForwardForm, _call(appeals.forward_re_review, "forwarded_on")),
    "record_external_re_review": ActionForm(ExternalOpinionForm, _call(
        appeals.record_external_re_review, "review_outcome", "decision", "text", "decided_on", "delivered_on")),
    "issue_re_review": ActionForm(ReviewOpinionForm, _call(
        appeals.issue_re_review, "review_outcome", "decision", "text", "compensation", "apology", "correction")),
    "not_accepted_again": ActionForm(forms.VersionedForm, _call(appeals.notify_not_accepted_again)),
}
