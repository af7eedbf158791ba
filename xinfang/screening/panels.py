"""本应用在页头导航上的项（由 xinfang/navigation.py 调用）。"""

from django.urls import reverse

from xinfang.org.access import has_role
from xinfang.org.models import RoleCode


def nav_items(user) -> list[tuple[str, str]]:
    items = []
    if has_role(user, RoleCode.HANDLER, RoleCode.UNIT_HEAD) or user.police_number:
        items.append(("我的排查", reverse("screening:mine")))
    if has_role(user, RoleCode.UNIT_HEAD, RoleCode.LEADER, RoleCode.SUPERVISOR, RoleCode.BUREAU_LEADER):
        items.append(("每月排查", reverse("screening:rounds")))
    if has_role(user, RoleCode.LEADER, RoleCode.BUREAU_LEADER):
        items.append(("重点案件", reverse("screening:key")))
    if has_role(user, RoleCode.ADMIN):
        items.append(("导入案件", reverse("screening:import")))
    return items
