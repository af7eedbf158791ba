"""页头导航：按角色给出菜单项。"""

from django.urls import reverse

from .access import has_role
from .models import RoleCode


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {"nav_items": []}
    items = [("工作台", reverse("home")), ("信访事项", reverse("petitions:list"))]
    if has_role(user, RoleCode.CLERK, RoleCode.UNIT_HEAD, RoleCode.LEADER):
        items.append(("登记信访", reverse("petitions:intake")))
    items.append(("组织机构", reverse("org:departments")))
    if has_role(user, RoleCode.AUDITOR, RoleCode.BUREAU_LEADER):
        items.append(("审计日志", reverse("audit:events")))
    if has_role(user, RoleCode.ADMIN):
        items.append(("登录锁定", reverse("org:lockouts")))
        items.append(("配置后台", reverse("admin:index")))
    return {"nav_items": items}
