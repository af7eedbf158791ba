"""页头导航中预警中心的菜单项。"""

from django.urls import reverse

from xinfang.org import permissions


def nav_items(user) -> list[tuple[str, str]]:
    return [("预警中心", reverse("warning:centre"))] if permissions.allows(user, "warning.centre") else []
