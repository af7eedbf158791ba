"""页头导航：按角色给出菜单项。各应用在自己的 panels.nav_items 里加自己的项。"""

from django.urls import reverse

from xinfang.org.access import has_role
from xinfang.org.models import RoleCode
from xinfang.portal import panels as portal_panels
from xinfang.screening import panels as screening_panels
from xinfang.supervision import panels as supervision_panels
from xinfang.warning import panels as warning_panels


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {"nav_items": []}
    items = [("工作台", reverse("home")), ("信访事项", reverse("petitions:list"))]
    if has_role(user, RoleCode.CLERK, RoleCode.UNIT_HEAD, RoleCode.LEADER):
        items.append(("登记信访", reverse("petitions:intake")))
    items += supervision_panels.nav_items(user) + portal_panels.nav_items(user)
    items += screening_panels.nav_items(user)
    if has_role(user, RoleCode.UNIT_HEAD, RoleCode.LEADER, RoleCode.SUPERVISOR, RoleCode.BUREAU_LEADER, RoleCode.AUDITOR):
        items.append(("考核看板", reverse("assessment:overview")))
    items += warning_panels.nav_items(user)
    items.append(("组织机构", reverse("org:departments")))
    if has_role(user, RoleCode.AUDITOR, RoleCode.BUREAU_LEADER):
        items.append(("审计日志", reverse("audit:events")))
    if has_role(user, RoleCode.ADMIN):
        items.append(("登录锁定", reverse("org:lockouts")))
        items.append(("配置后台", reverse("admin:index")))
    return {"nav_items": items}
