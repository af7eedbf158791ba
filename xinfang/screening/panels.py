"""本应用在页头导航上的项（由 xinfang/navigation.py 调用）。谁进得了页面看权限表（org/permissions.py）。"""

from django.urls import reverse

from xinfang.org import permissions
from xinfang.org.access import has_role
from xinfang.org.models import RoleCode


def nav_items(user) -> list[tuple[str, str]]:
    items = []
    # 页面人人可开（清单按警号取本人案件）；菜单只给可能有案件的人。
    if has_role(user, RoleCode.HANDLER, RoleCode.UNIT_HEAD) or user.police_number:
        items.append(("我的排查", reverse("screening:mine")))
    if permissions.allows(user, "screening.rounds"):
        items.append(("每月排查", reverse("screening:rounds")))
    if permissions.allows(user, "screening.key"):
        items.append(("重点案件", reverse("screening:key")))
    if permissions.allows(user, "screening.import"):
        items.append(("导入案件", reverse("screening:import")))
    return items
