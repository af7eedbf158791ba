"""页头导航中预警中心的菜单项。"""

from django.urls import reverse

from xinfang.org.access import has_role

from .views import CENTRE_ROLES


def nav_items(user) -> list[tuple[str, str]]:
    return [("预警中心", reverse("warning:centre"))] if has_role(user, *CENTRE_ROLES) else []
