"""页头导航：进得了页面（权限表 org/permissions.py 允许）才给菜单项。各应用在自己的 panels.nav_items 里加自己的项。"""

from django.urls import reverse

from xinfang.exchange import panels as exchange_panels
from xinfang.org import permissions
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
    if permissions.allows(user, "petition.intake"):
        items.append(("登记信访", reverse("petitions:intake")))
    if permissions.allows(user, "recommendation.list"):  # 第四十条的建议与书面反馈
        items.append(("工作建议", reverse("petitions:recommendations")))
    items += supervision_panels.nav_items(user) + portal_panels.nav_items(user)
    items += screening_panels.nav_items(user)
    # 看板人人可开（按部门可见）；菜单只给管单位、看全局的人。
    if has_role(user, RoleCode.UNIT_HEAD, RoleCode.LEADER, RoleCode.SUPERVISOR, RoleCode.BUREAU_LEADER, RoleCode.AUDITOR):
        items.append(("考核看板", reverse("assessment:overview")))
    items += warning_panels.nav_items(user)
    items += exchange_panels.nav_items(user)
    items.append(("组织机构", reverse("org:departments")))
    if permissions.allows(user, "audit.log"):
        items.append(("审计日志", reverse("audit:events")))
    if permissions.allows(user, "org.lockouts"):
        items.append(("登录锁定", reverse("org:lockouts")))
    if permissions.allows(user, "admin.site"):
        items.append(("配置后台", reverse("admin:index")))
    return {"nav_items": items}
