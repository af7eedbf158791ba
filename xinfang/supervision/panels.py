"""本应用在首页（`/`）与页头导航上的内容。由 xinfang/views.py 与 xinfang/navigation.py 调用。"""

from django.urls import reverse

from xinfang.core import clock
from xinfang.org.access import has_role
from xinfang.org.models import RoleCode
from xinfang.petitions.selectors import visible_matters

from . import selectors
from .accountability import may_see
from .models import OrderStatus


def home_panels(request, page) -> list[tuple[str, dict]]:
    """首页上本应用的区块：领导看自己的包案；督办员、一把手、领导看督办单与超期事项概况。"""
    user, today, panels = request.user, clock.today(), []
    if page.role in (RoleCode.LEADER, RoleCode.BUREAU_LEADER):
        panels.append(("supervision/_cases_panel.html", {"orders": selectors.leader_cases(user, today)}))
    if page.role in (RoleCode.SUPERVISOR, RoleCode.UNIT_HEAD, RoleCode.LEADER):
        board = page.role != RoleCode.UNIT_HEAD
        panels.append(("supervision/_board_panel.html", {
            "open_orders": selectors.visible_orders(user).filter(status=OrderStatus.OPEN).count(),
            "red_by_department": selectors.red_by_department(visible_matters(user), today)[:12],
            "url": reverse("supervision:board" if board else "supervision:unit"),
            "link": "督查督办台" if board else "本单位红黄牌与督办",
        }))
    return panels


def nav_items(user) -> list[tuple[str, str]]:
    """页头导航中本应用的菜单项：(名称, 地址)。"""
    items = []
    if has_role(user, RoleCode.SUPERVISOR, RoleCode.LEADER, RoleCode.BUREAU_LEADER):
        items.append(("督办台", reverse("supervision:board")))
    if has_role(user, RoleCode.UNIT_HEAD):
        items.append(("本单位督办", reverse("supervision:unit")))
    if has_role(user, RoleCode.LEADER, RoleCode.BUREAU_LEADER):
        items.append(("我的包案", reverse("supervision:cases")))
    if may_see(user):
        items.append(("责任追究", reverse("supervision:accountability")))
    return items
