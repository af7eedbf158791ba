"""更正登记内容的页面：按权限取数 → 校验 → 调 actions.corrections → 回到事项页。"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from xinfang.org import permissions
from xinfang.org.permissions import access_matter

from . import workflow
from .actions import corrections
from .models import Category, Channel, Petition
from .selectors import visible_matters


class MatterCorrectionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label="事由", max_length=120)
    summary = forms.CharField(label="主要内容", widget=forms.Textarea(attrs={"rows": 5}))
    requests = forms.CharField(label="诉求", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    category = forms.ModelChoiceField(label="类别", queryset=Category.objects.filter(is_active=True), required=False,
                                      empty_label="请选择")
    competent_authority = forms.CharField(label="主管机关", max_length=60, required=False)
    is_skip_level = forms.BooleanField(label="越级访", required=False)
    reason = forms.CharField(label="更正理由", max_length=500, help_text="记入时间线与审计")


class PetitionCorrectionForm(forms.Form):
    channel = forms.ChoiceField(label="渠道", choices=Channel.choices)
    content = forms.CharField(label="信访内容", widget=forms.Textarea(attrs={"rows": 5}))
    requests = forms.CharField(label="诉求", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    involved_officer = forms.CharField(label="涉及民警", max_length=60, required=False)
    case_numbers = forms.CharField(label="关联执法案件编号", max_length=200, required=False)
    reason = forms.CharField(label="更正理由", max_length=500, help_text="记入时间线与审计")


def _save(request, form, run, matter_pk: int):
    try:
        run()
    except workflow.WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect("petitions:matter", pk=matter_pk)
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return None
    messages.success(request, "已更正，改动已记入时间线与审计。")
    return redirect("petitions:matter", pk=matter_pk)


def correct_matter(request, pk: int):
    matter = access_matter(request.user, pk, capability="matter.correct")
    initial = {name: getattr(matter, name) for name in corrections.MATTER_FIELDS} | {"version": matter.version}
    form = MatterCorrectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version, reason = data.pop("version"), data.pop("reason")
        done = _save(request, form, lambda: corrections.correct_matter(
            matter, by=request.user, reason=reason, expected_version=version, **data), matter.pk)
        if done:
            return done
    return render(request, "petitions/correct.html", {"matter": matter, "form": form, "what": "更正事项登记内容"})


def correct_petition(request, pk: int):
    petition = Petition.objects.filter(pk=pk, matter__in=visible_matters(request.user)).select_related("matter").first()
    if petition is None:
        raise Http404("信访件不存在")
    permissions.check(request.user, "matter.correct", petition.matter)
    form = PetitionCorrectionForm(request.POST or None,
                                  initial={name: getattr(petition, name) for name in corrections.PETITION_FIELDS})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("reason")
        done = _save(request, form, lambda: corrections.correct_petition(
            petition, by=request.user, reason=reason, **data), petition.matter_id)
        if done:
            return done
    return render(request, "petitions/correct.html", {"matter": petition.matter, "form": form,
                                                      "what": f"更正信访件（{petition}）"})
