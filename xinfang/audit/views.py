from datetime import datetime, time

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from xinfang.org import permissions

from .models import AuditEvent


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label="操作人", required=False)
    action = forms.CharField(label="动作", required=False)
    object_type = forms.CharField(label="对象类型", required=False)
    object_id = forms.CharField(label="对象编号", required=False)
    since = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError("起始日期不能晚于截止日期。")
        return data

    def apply(self, queryset):
        data = self.cleaned_data
        if data["actor"]:
            queryset = queryset.filter(actor_name__contains=data["actor"])
        if data["action"]:
            queryset = queryset.filter(action__startswith=data["action"])
        if data["object_type"]:
            queryset = queryset.filter(object_type=data["object_type"])
        if data["object_id"]:
            queryset = queryset.filter(object_id=data["object_id"])
        if data["since"]:
            queryset = queryset.filter(at__gte=timezone.make_aware(datetime.combine(data["since"], time.min)))
        if data["until"]:
            queryset = queryset.filter(at__lte=timezone.make_aware(datetime.combine(data["until"], time.max)))
        return queryset


def event_list(request):
    """审计日志：审计员与局领导按人、动作、对象、日期筛选浏览。"""
    permissions.require(request.user, "audit.log")
    form = AuditFilterForm(request.GET or None)
    events = AuditEvent.objects.all()
    if form.is_valid():
        events = form.apply(events)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/event_list.html", {"form": form, "page": page, "query": query.urlencode()})
