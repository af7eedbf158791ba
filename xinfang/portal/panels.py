"""本应用在首页（`/`）与页头导航上的内容。由 xinfang/views.py 与 xinfang/navigation.py 调用。"""

from django.urls import reverse

from xinfang.core import clock
from xinfang.org.access import has_role
from xinfang.org.models import RoleCode

from . import selectors

VISIT_ROLES = (RoleCode.HANDLER, RoleCode.CLERK, RoleCode.UNIT_HEAD, RoleCode.LEADER)
RATE_ROLES = (RoleCode.UNIT_HEAD, RoleCode.LEADER, RoleCode.BUREAU_LEADER)


def home_panels(request, page) -> list[tuple[str, dict]]:
    """首页上本应用的区块：承办人、登记员看待回访；单位负责人、分管领导看需关注的回访与三率。"""
    role, user, today = page.role, request.user, clock.today()
    panels: list[tuple[str, dict]] = []
    if role in (RoleCode.HANDLER, RoleCode.CLERK):
        # 回访任务由后台任务生成，首页只读。
        rows = list(selectors.pending_return_visits(user)[:10])
        panels.append(("portal/_panel_visits.html", {"rows": rows, "today": today}))
    if role in (RoleCode.UNIT_HEAD, RoleCode.LEADER):
        rows = list(selectors.unresolved_return_visits(user)[:10])
        panels.append(("portal/_panel_attention.html", {"rows": rows, "today": today}))
    if role in RATE_ROLES:
        rows, total = selectors.rates(user, since=today.replace(day=1), until=today, today=today)
        panels.append(("portal/_panel_rates.html", {"rows": rows[:8], "total": total,
                                                     "since": today.replace(day=1), "until": today}))
    return panels


def nav_items(user) -> list[tuple[str, str]]:
    """页头导航中本应用的菜单项：(名称, 地址)。"""
    items = []
    if has_role(user, *VISIT_ROLES):
        items.append(("回访", reverse("portal:visits")))
    if has_role(user, *RATE_ROLES, RoleCode.SUPERVISOR):
        items.append(("三率", reverse("portal:rates")))
    return items
