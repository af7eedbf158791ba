"""每个动作用哪张表单、提交后调用哪个写操作。新增动作时在这里加一行。"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from . import forms
from .actions import appeals, decisions, handling


@dataclass(frozen=True)
class ActionForm:
    form: type
    run: Callable  # (matter, by, version, cleaned_data) -> Matter
    needs_user: bool = False


def _call(fn, *names, **renames):
    """把表单字段原样传给写操作；renames 把表单字段名映射到参数名。"""

    def run(matter, by, version, data):
        kwargs = {name: data.get(name) for name in names}
        kwargs.update({param: data.get(field) for param, field in renames.items()})
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        return fn(matter, by=by, expected_version=version, **kwargs)

    return run


ACTION_FORMS: dict[str, ActionForm] = {
    "accept": ActionForm(forms.NoteForm, _call(decisions.accept_matter, "note")),
    "decline": ActionForm(forms.DeclineForm, _call(decisions.decline_matter, "reason", "where_to_go")),
    "transfer": ActionForm(forms.TransferForm, _call(decisions.transfer_matter, "authority", "reason")),
    "divert": ActionForm(forms.DivertForm, _call(decisions.divert_matter, "channel", "note")),
    "assign": ActionForm(forms.AssignForm, _call(decisions.assign_matter, "lead", "handler", "note", co="co"),
                         needs_user=True),
    "start": ActionForm(forms.VersionedForm, _call(handling.start_handling)),
    "start_hearing": ActionForm(forms.DateForm, _call(handling.start_hearing, "on")),
    "end_hearing": ActionForm(forms.DateForm, _call(handling.end_hearing, "on")),
    "draft_reply": ActionForm(forms.ReplyForm, _call(
        handling.draft_reply, "outcome", "text", "compensation", "apology", "correction")),
    "return_draft": ActionForm(forms.ReasonForm, _call(handling.return_draft, "reason")),
    "approve_reply": ActionForm(forms.ApproveForm, _call(handling.approve_reply, "delivered_on")),
    "extend": ActionForm(forms.ExtendForm, _call(handling.extend_matter, "days", "reason")),
    "close": ActionForm(forms.VersionedForm, _call(handling.close_matter)),
    "request_review": ActionForm(forms.RequestForm, _call(appeals.request_review, "requested_on", "reason")),
    "issue_review": ActionForm(forms.OpinionForm, _call(appeals.issue_review, "outcome", "text")),
    "close_review": ActionForm(forms.VersionedForm, _call(appeals.close_review)),
    "request_re_review": ActionForm(forms.RequestForm, _call(appeals.request_re_review, "requested_on", "reason")),
    "start_re_review_hearing": ActionForm(forms.DateForm, _call(appeals.start_re_review_hearing, "on")),
    "end_re_review_hearing": ActionForm(forms.DateForm, _call(appeals.end_re_review_hearing, "on")),
    "issue_re_review": ActionForm(forms.OpinionForm, _call(appeals.issue_re_review, "outcome", "text")),
    "not_accepted_again": ActionForm(forms.VersionedForm, _call(appeals.notify_not_accepted_again)),
}
