"""看板、指标下钻、月度通报、报告。单位一律经 access 取得：看不到的单位答 404。"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from xinfang.core import clock
from xinfang.org import access, permissions
from xinfang.org.models import Department, Staff

from . import dashboard
from .bulletin import monthly_bulletin
from .compute import drill_down
from .contract import parse_period
from .facts import load
from .registry import BY_KEY, METRICS

PAGE = 100


def _period(request) -> tuple[date, date]:
    today = clock.today()
    start = request.GET.get("from") or today.replace(month=1, day=1).isoformat()
    end = request.GET.get("to") or today.isoformat()
    return parse_period(start, end)


def _refused(request, error: ValidationError):
    messages = [f"{'、'.join(v)}" for v in error.message_dict.values()]
    return render(request, "assessment/refused.html", {"messages": messages}, status=400)


def home_unit(user) -> Department:
    if access.sees_all(user) or not user.department_id:
        root = Department.objects.filter(parent__isnull=True).order_by("path").first()
        if root is None or access.visible_department_ids(user) is not None and root.pk not in access.visible_department_ids(user):
            raise Http404("没有可看的单位")
        return root
    return user.department


def overview(request):
    permissions.require(request.user, "assessment.view")
    target = reverse("assessment:unit", args=[home_unit(request.user).pk])
    return redirect(f"{target}?{request.GET.urlencode()}" if request.GET else target)


def unit_page(request, pk: int):
    permissions.require(request.user, "assessment.view")
    unit = access.access_department(request.user, pk)
    try:
        start, end = _period(request)
    except ValidationError as error:
        return _refused(request, error)
    today = clock.today()
    return render(request, "assessment/unit.html", {
        "unit": unit, "start": start, "end": end, "rows": dashboard.indicator_table(unit, start, end),
        "children": access.departments(request.user).filter(parent=unit),
        "provisional": end >= clock.today(),
        "warnings": dashboard.open_warnings(request.user, unit),
        "staff": dashboard.staff_table(unit, start, end),
        "staff_labels": [BY_KEY[k].label for k in dashboard.STAFF_METRICS],
        "sees_all": access.visible_department_ids(request.user) is None,
        "last_month": (today.replace(day=1) - timedelta(days=1)),
    })


def unit_data(request, pk: int):
    permissions.require(request.user, "assessment.view")
    unit = access.access_department(request.user, pk)
    try:
        start, end = _period(request)
    except ValidationError as error:
        return JsonResponse({"error": "；".join("、".join(v) for v in error.message_dict.values())}, status=400)
    return JsonResponse(dashboard.chart_data(unit, start, end))


def metric_page(request, pk: int, key: str):
    """一个指标的下钻：分母中的每条记录，是否计入分子。"""
    permissions.require(request.user, "assessment.view")
    unit = access.access_department(request.user, pk)
    metric = BY_KEY.get(key)
    if metric is None:
        raise Http404("没有这个指标")
    try:
        start, end = _period(request)
    except ValidationError as error:
        return _refused(request, error)
    only = request.GET.get("only", "denominator")
    only = only if only in ("numerator", "rest") else "denominator"
    facts = load(start, end, department_ids=dashboard.subtree_ids(unit))
    person = None
    if request.GET.get("staff"):
        # 按人下钻：只限本单位子树里的人（看不到的单位的人一样答 404）。
        person = Staff.objects.filter(pk=request.GET["staff"] if request.GET["staff"].isdigit() else 0,
                                      department__path__startswith=unit.path).first()
        if person is None:
            raise Http404("本单位没有这个人")
        rows = drill_down(key, facts, unit=person.pk, group_by="handler", only=only)
    else:
        rows = drill_down(key, facts, unit=unit.pk, only=only)
    page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
    return render(request, "assessment/metric.html", {
        "unit": unit, "metric": metric, "start": start, "end": end, "page": page, "count": len(rows),
        "hits": sum(hit for _, hit in rows), "only": only, "person": person,
        "query": f"from={start}&to={end}&only={only}" + (f"&staff={person.pk}" if person else ""),
    })


def records_page(request, pk: int):
    permissions.require(request.user, "assessment.view")
    unit = access.access_department(request.user, pk)
    try:
        start, end = _period(request)
    except ValidationError as error:
        return _refused(request, error)
    measure = request.GET.get("measure", "received")
    if measure not in dashboard.MEASURE_LABELS:
        raise Http404("没有这个统计项")
    rows = dashboard.records(unit, start, end, measure=measure, category=request.GET.get("category", ""),
                             channel=request.GET.get("channel", ""))
    page = Paginator(rows.select_related("department"), PAGE).get_page(request.GET.get("page"))
    return render(request, "assessment/records.html", {
        "unit": unit, "start": start, "end": end, "page": page, "measure": dashboard.MEASURE_LABELS[measure],
    })


def bulletin_page(request, year: int, month: int):
    permissions.require(request.user, "assessment.reports")
    if not 1 <= month <= 12:
        raise Http404("月份不对")
    if access.visible_department_ids(request.user) is not None:
        raise Http404("通报只对局领导与审计员开放")  # 通报点名各单位：只给看得到全部单位的人
    return render(request, "assessment/bulletin.html", {"bulletin": monthly_bulletin(year, month),
                                                        "metrics": METRICS})
