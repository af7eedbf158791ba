"""页头导航中预警中心的菜单项。"""

from django.urls import reverse

from xinfang.org import permissions


def nav_items(user) -> list[tuple[str, str]]:
    items = [("预警中心", reverse("warning:centre"))] if permissions.allows(user, "warning.centre") else []
    # 敏感时期（日报、重点事项、领导接访）：只在有进行中的时期时给菜单项，平时不占位置。
    if permissions.allows(user, "warning.periods.manage"):
        items.append(("敏感时期", reverse("warning:periods")))
    elif permissions.allows(user, "warning.periods"):
        from .periods import active_periods

        if active_periods().exists():
            items.append(("敏感时期", reverse("warning:periods")))
    return items
