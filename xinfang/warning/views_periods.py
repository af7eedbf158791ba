"""敏感时期与重大紧急事项的页面：每个视图先取数查权限，再调一个服务。"""

from __future__ import annotations

from datetime import date, time

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from xinfang.core import clock
from xinfang.org import access, permissions
from xinfang.org.models import Department, Staff
from xinfang.petitions.models import Matter
from xinfang.petitions.selectors import visible_matters

from . import periods, reports, urgent
from .models_periods import ConsolidatedReport, KeyMatter, Reception
from .models_urgent import FlagKind, MatterFlag


def _errors(request, exc: ValidationError) -> None:
    for errors in exc.message_dict.values():
        for error in errors:
            messages.error(request, error)


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


def _int(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 6:
        raise ValidationError({"number": f"“{raw[:20]}”不是整数"})
    return int(raw)


def _float(raw: str | None) -> float | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise ValidationError({"rise_alpha": f"上升检测的显著性水平：“{raw[:20]}”不是数字"}) from None


# -- 重大紧急事项 ------------------------------------------------------------------------


def flag(request, pk: int):
    permissions.require(request.user, "warning.flag")
    matter = _visible_matter(request.user, pk)
    permissions.check(request.user, "warning.flag", matter)
    if request.method == "POST":
        try:
            urgent.flag_matter(matter, by=request.user, kind=request.POST.get("kind", ""),
                               note=request.POST.get("note", ""))
            messages.success(request, "已标记；系统将立即报告单位一把手与分管领导。")
            return redirect("petitions:matter", pk=matter.pk)
        except ValidationError as exc:
            _errors(request, exc)
    flags = MatterFlag.objects.filter(matter=matter).select_related("set_by")
    return render(request, "warning/flag.html", {"matter": matter, "kinds": FlagKind.choices, "flags": flags})


def _visible_matter(user, pk: int) -> Matter:
    try:
        return visible_matters(user).select_related("department").get(pk=pk)
    except Matter.DoesNotExist:
        raise Http404("事项不存在") from None


def urgent_report(request, pk: int):
    permissions.require(request.user, "warning.urgent")
    return render(request, "warning/urgent.html", urgent.report_page(urgent.access_report(request.user, pk)))


@require_POST
def urgent_acknowledge(request, pk: int):
    permissions.require(request.user, "warning.urgent")
    row = urgent.access_report(request.user, pk)
    try:
        urgent.acknowledge(row, by=request.user)
        messages.success(request, "已确认收到，逐级上报停止；请组织处置并在预警中心写明处置情况。")
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("warning:urgent", pk=row.pk)


# -- 敏感时期 ----------------------------------------------------------------------------


def period_list(request):
    permissions.require(request.user, "warning.periods")
    rows = list(periods.visible_periods(request.user))
    today = clock.today()
    return render(request, "warning/periods.html", {
        "periods": rows, "today": today, "can_manage": permissions.allows(request.user, "warning.periods.manage"),
        "departments": access.departments(request.user)})


@require_POST
def period_new(request):
    permissions.require(request.user, "warning.periods.manage")
    post = request.POST
    try:
        cutoff = post.get("report_cutoff", "").strip()
        try:
            cutoff_time = time.fromisoformat(cutoff) if cutoff else None
        except ValueError:
            raise ValidationError({"report_cutoff": f"日报截止时间：“{cutoff[:10]}”不是时刻（如 12:00）"}) from None
        ids = [i for i in post.getlist("departments") if i.isdigit()]
        period = periods.create_period(
            by=request.user, name=post.get("name", ""), starts_on=_date(post.get("starts_on")),
            ends_on=_date(post.get("ends_on")), whole_bureau=post.get("scope", "whole") == "whole",
            departments=list(Department.objects.filter(pk__in=ids)), report_cutoff=cutoff_time,
            internal_accept_days=_int(post.get("internal_accept_days")),
            internal_reply_days=_int(post.get("internal_reply_days")),
            collective_size=_int(post.get("collective_size")), rise_alpha=_float(post.get("rise_alpha")),
            hot_petitioners=_int(post.get("hot_petitioners")))
        messages.success(request, f"已设置敏感时期“{period.name}”。")
        return redirect("warning:period", pk=period.pk)
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("warning:periods")


def period_page(request, pk: int):
    permissions.require(request.user, "warning.periods")
    period = periods.access_period(request.user, pk)
    day = _date(request.GET.get("day")) or min(max(periods.reporting_day(period), period.starts_on), period.ends_on)
    user = request.user
    sees_all_units = periods.sees_whole_scope(user, period)
    context = {"period": period, "day": day, "key_matters": periods.key_matters(user, period),
               "receptions": Reception.objects.filter(period=period, department__in=access.departments(user))
               .select_related("leader", "department").prefetch_related("petitions"),
               "can_submit": permissions.allows(user, "warning.daily.submit"),
               "can_consolidate": permissions.allows(user, "warning.consolidated") and sees_all_units,
               "can_key": permissions.allows(user, "warning.key"),
               "can_schedule": permissions.allows(user, "warning.reception"),
               "leaders": Staff.objects.filter(roles__code__in=("unit_head", "leader", "bureau_leader"),
                                               department__in=access.departments(user)).distinct(),
               "departments": access.departments(user), "today": clock.today()}
    if sees_all_units:
        context["overview"] = reports.period_overview(period, day)
        context["consolidated"] = ConsolidatedReport.objects.filter(period=period).select_related("requested_by")[:30]
    return render(request, "warning/period.html", context)


def daily_report(request, pk: int):
    permissions.require(request.user, "warning.daily.submit")
    period = periods.access_period(request.user, pk)
    if request.method == "POST":
        try:
            row = reports.submit_daily_report(
                period=period, by=request.user, day=_date(request.POST.get("day")),
                is_zero=request.POST.get("kind") == "zero", content=request.POST.get("content", ""),
                signed=request.POST.get("signed") == "1")
            messages.success(request, f"{row.day:%m月%d日}日报已报送{'（迟报）' if row.late else ''}。")
            return redirect("warning:daily_report", pk=period.pk)
        except ValidationError as exc:
            _errors(request, exc)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
    return render(request, "warning/daily_report.html", reports.unit_report_form(period, request.user))


@require_POST
def consolidate(request, pk: int):
    permissions.require(request.user, "warning.consolidated")
    period = periods.access_period(request.user, pk)
    if not periods.sees_whole_scope(request.user, period):
        raise Http404("敏感时期不存在")
    day = _date(request.POST.get("day")) or min(max(clock.today(), period.starts_on), period.ends_on)
    try:
        row = reports.consolidate(period, day, by=request.user)
        messages.success(request, f"已生成 {row.day:%m月%d日} 日报汇总。")
    except ValidationError as exc:
        _errors(request, exc)
    return redirect(reverse("warning:period", args=[period.pk]) + f"?day={day.isoformat()}")


def consolidated_download(request, pk: int):
    permissions.require(request.user, "warning.consolidated")
    row = ConsolidatedReport.objects.select_related("period").filter(pk=pk).first()
    if row is None or not periods.sees_whole_scope(request.user, row.period) \
            or not periods.visible_periods(request.user).filter(pk=row.period_id).exists():
        raise Http404("报告不存在")
    return FileResponse(row.docx.open("rb"), as_attachment=True, filename=f"日报汇总-{row.day:%Y%m%d}.docx")


@require_POST
def key_add(request, pk: int):
    permissions.require(request.user, "warning.key")
    period = periods.access_period(request.user, pk)
    number = request.POST.get("number", "").strip()[:20]
    matter = visible_matters(request.user).filter(number=number).first()
    if matter is None:
        messages.error(request, f"事项编号：找不到您可见的事项“{number}”")
    else:
        try:
            if periods.add_key_matter(period, matter, by=request.user, reason=request.POST.get("reason", "")):
                messages.success(request, f"已将 {matter.number} 列入重点事项。")
            else:
                messages.info(request, f"{matter.number} 已在重点事项中。")
        except ValidationError as exc:
            _errors(request, exc)
    return redirect("warning:period", pk=period.pk)


@require_POST
def key_review(request, pk: int):
    permissions.require(request.user, "warning.key")
    key = KeyMatter.objects.select_related("matter", "period").filter(
        pk=pk, matter__in=visible_matters(request.user)).first()
    if key is None or not periods.visible_periods(request.user).filter(pk=key.period_id).exists():
        raise Http404("重点事项不存在")
    try:
        periods.review_key_matter(key, by=request.user, note=request.POST.get("note", ""))
        messages.success(request, f"已记录 {key.matter.number} 今天的研判。")
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("warning:period", pk=key.period_id)


@require_POST
def reception_new(request, pk: int):
    permissions.require(request.user, "warning.reception")
    period = periods.access_period(request.user, pk)
    department = access.departments(request.user).filter(pk=_int(request.POST.get("department")) or 0).first()
    leader = Staff.objects.filter(pk=_int(request.POST.get("leader")) or 0).first()
    if department is None:
        messages.error(request, "单位：请选择您可见的单位")
    else:
        try:
            periods.schedule_reception(by=request.user, department=department, leader=leader,
                                       day=_date(request.POST.get("day")), place=request.POST.get("place", ""),
                                       period=period)
            messages.success(request, "已排定领导接访日。")
        except ValidationError as exc:
            _errors(request, exc)
    return redirect("warning:period", pk=period.pk)


def reception_record(request, pk: int):
    permissions.require(request.user, "warning.reception")
    reception = Reception.objects.select_related("leader", "department", "period").filter(
        pk=pk, department__in=access.departments(request.user)).first()
    if reception is None:
        raise Http404("接访日不存在")
    if request.method == "POST":
        try:
            periods.record_reception(reception, by=request.user, petition_ids=[
                i for i in request.POST.getlist("petitions") if i.isdigit()], note=request.POST.get("note", ""))
            messages.success(request, "接访记录已登记。")
            return redirect("warning:reception_record", pk=reception.pk)
        except ValidationError as exc:
            _errors(request, exc)
    return render(request, "warning/reception.html", {
        "reception": reception, "candidates": periods.reception_candidates(reception),
        "is_leader": request.user.pk == reception.leader_id, "received": reception.petitions.select_related("matter")})
