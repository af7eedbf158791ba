"""各角色的首页 `/`：把各应用的内容按角色拼在一起（项目层，位于各应用之上）。"""

from django.db.models import Count
from django.shortcuts import render

from xinfang.audit.models import AuditEvent
from xinfang.core import clock
from xinfang.core.calendar import current_calendar
from xinfang.org import access, lockout
from xinfang.org.models import RoleCode
from xinfang.org.start import choose_start_page, start_pages_for
from xinfang.petitions import clocks, overview, selectors
from xinfang.portal import panels as portal_panels
from xinfang.supervision import panels as supervision_panels

QUEUE_ROLES = {RoleCode.HANDLER, RoleCode.UNIT_HEAD, RoleCode.LEADER, RoleCode.SUPERVISOR, RoleCode.CLERK}


def home(request):
    page = choose_start_page(request.user, request.GET.get("as"))
    context = {"page": page, "pages": start_pages_for(request.user)}
    if page is None:
        return render(request, "org/home.html", context)
    if page.role in QUEUE_ROLES:
        today, calendar = clock.today(), current_calendar()
        queue = selectors.workbench(request.user, limit=15)
        for matter in queue:
            matter.clock = clocks.describe(matter.current_due, today, calendar=calendar)
        context["queue"] = queue
    if page.role == RoleCode.AUDITOR:
        context["recent_events"] = AuditEvent.objects.select_related("actor")[:10]
    if page.role == RoleCode.ADMIN:
        context["locks"] = lockout.current_locks()[:20]
    context["panels"] = supervision_panels.home_panels(request, page) + portal_panels.home_panels(request, page)
    if page.role == RoleCode.BUREAU_LEADER:
        total, rows = overview.overview(request.user, clock.today())
        context["panels"].insert(0, ("petitions/_panel_overview.html", {"total": total, "rows": rows}))
    context["departments"] = (
        access.departments(request.user)
        .annotate(staff_count=Count("staff"))
        .select_related("head", "petition_leader")[:200]
    )
    return render(request, "org/home.html", context)
