"""报告：列表、按需生成（排队后由后台任务生成，页面显示进度）、下载。只给看得到全部单位的人。"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from xinfang.core import clock
from xinfang.org import access, permissions




from .models import Report, ReportStatus
from .reports import request_annual_report, request_monthly_report


def _check(user) -> None:
    permissions.require(user, "assessment.reports")
    # 范围：只给看得到全部单位的人（不只是角色，分管范围覆盖全部单位者也在内）。
    if access.visible_department_ids(user) is not None:
        raise Http404("报告只对局领导与审计员开放")


def report_list(request):
    _check(request.user)
    return render(request, "assessment/reports.html", {"reports": Report.objects.all()[:60], "today": clock.today(),
                                                       "last_year": clock.today().year - 1})


@require_POST
def request_report(request):
    _check(request.user)
    annual = request.POST.get("kind") == "annual"
    try:
        if annual:
            year, month = int(request.POST.get("year", "")), 0
            report = request_annual_report(year=year, by=request.user)
        else:
            year, month = (int(x) for x in request.POST.get("month", "").split("-"))
            report = request_monthly_report(year=year, month=month, by=request.user)
    except (ValueError, TypeError):
        messages.error(request, "年份：格式应为 YYYY" if annual else "月份：格式应为 YYYY-MM")
        return redirect("assessment:reports")
    except ValidationError as error:
        messages.error(request, "；".join("、".join(v) for v in error.message_dict.values()))
        return redirect("assessment:reports")
    if report.provisional:
        messages.warning(request, f"{year}年尚未结束：年度报告将标注“暂定”。" if annual
                         else f"{year}年{month}月尚未结束：月报将标注“暂定”。")
    return redirect("assessment:report", pk=report.pk)


def report_status(request, pk: int):
    _check(request.user)
    report = Report.objects.filter(pk=pk).first()
    if report is None:
        raise Http404("报告不存在")
    template = "assessment/_report_progress.html" if request.headers.get("HX-Request") else "assessment/report.html"
    return render(request, template, {"report": report, "running": report.status in (ReportStatus.PENDING,
                                                                                      ReportStatus.RUNNING)})


def download(request, pk: int, fmt: str):
    _check(request.user)
    report = Report.objects.filter(pk=pk, status=ReportStatus.DONE).first()
    if report is None or fmt not in ("docx", "xlsx"):
        raise Http404("报告不存在")
    f = getattr(report, fmt)
    return FileResponse(f.open("rb"), as_attachment=True, filename=f.name.rsplit("/", 1)[-1])
