"""本应用在首页（`/`）与页头导航上的内容。由 xinfang/views.py 与 xinfang/navigation.py 调用。"""


def home_panels(request, page) -> list[tuple[str, dict]]:
    """首页上本应用的区块：(模板名, 上下文) 的列表，按 page.role 决定给谁看什么。"""
    return []


def nav_items(user) -> list[tuple[str, str]]:
    """页头导航中本应用的菜单项：(名称, 地址)。"""
    return []
