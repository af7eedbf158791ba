"""系统管理员的“API 令牌”页：签发（原文只显示这一次）、更换、吊销，列出最近使用。写操作都在 tokens.py。"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from xinfang.org import permissions
from xinfang.org.models import Department

from . import tokens
from .models import ApiToken


class IssueForm(forms.Form):
    name = forms.CharField(label="名称（对接系统）", max_length=80)
    scopes = forms.MultipleChoiceField(label="能力", widget=forms.CheckboxSelectMultiple)
    department = forms.ModelChoiceField(label="部门范围", queryset=None, required=False, empty_label="整个组织")
    days = forms.IntegerField(label="有效天数", min_value=1, max_value=3650, required=False, help_text="不填即长期有效")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scopes"].choices = [(code, f"{code} — {label}") for code, label in tokens.token_scopes().items()]
        # 系统管理员管全系统的配置（与配置后台的组织机构一样），可以给任何部门签发。
        self.fields["department"].queryset = Department.objects.filter(is_active=True).order_by("path")


def token_list(request):
    permissions.require(request.user, "api.tokens")
    form = IssueForm(request.POST or None, user=request.user)
    issued = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            token, issued = tokens.issue_token(by=request.user, name=data["name"], scopes=data["scopes"],
                                               department=data["department"], days=data["days"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form = IssueForm(user=request.user)
    return render(request, "api/tokens.html", {"form": form, "issued": issued,
                                               "tokens": ApiToken.objects.select_related("department")[:200]})


@require_POST
def token_rotate(request, pk: int):
    permissions.require(request.user, "api.tokens")
    token = get_object_or_404(ApiToken, pk=pk)
    try:
        token, raw = tokens.rotate_token(token, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("api_tokens:list")
    return render(request, "api/tokens.html", {"form": IssueForm(user=request.user), "issued": raw,
                                               "tokens": ApiToken.objects.select_related("department")[:200]})


@require_POST
def token_revoke(request, pk: int):
    permissions.require(request.user, "api.tokens")
    token = tokens.revoke_token(get_object_or_404(ApiToken, pk=pk), by=request.user)
    messages.success(request, f"已吊销：{token}")
    return redirect("api_tokens:list")
