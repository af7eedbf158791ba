"""本应用在页头导航上的项（由 xinfang/navigation.py 调用）。谁进得了页面看权限表（org/permissions.py）。"""

from django.urls import reverse

from xinfang.org import permissions


def nav_items(user) -> list[tuple[str, str]]:
    items = []
    if permissions.allows(user, "petition.import"):
        items.append(("导入台账", reverse("exchange:import")))
    if permissions.allows(user, "exchange.outbox"):
        items.append(("12345 回传", reverse("exchange:outbox")))
    return items
