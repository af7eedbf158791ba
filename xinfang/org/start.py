"""每个角色的首页：用户登录后落在 `/`，按其角色看到自己的工作台。"""

from __future__ import annotations

from dataclasses import dataclass

from .access import role_codes
from .models import RoleCode


@dataclass(frozen=True)
class StartPage:
    role: str
    title: str
    intro: str


# 兼多个角色的人，默认落在排在最前的那个角色的首页，可切换到其它角色。
START_PAGES = {
    page.role: page
    for page in (
        StartPage(RoleCode.BUREAU_LEADER, "局领导总览",
                  "全局在办、超期、督办与不满意事项，按单位；指标与排名见考核看板，上升与热点见预警中心。"),
        StartPage(RoleCode.LEADER, "分管单位工作台", "您分管的单位：在办、将超期、被督办事项与签批事项。"),
        StartPage(RoleCode.UNIT_HEAD, "本单位工作台", "本单位全部在办事项、即将超期事项与督办事项。"),
        StartPage(RoleCode.SUPERVISOR, "督查督办台", "督办单、红黄牌事项与逐级提醒。"),
        StartPage(RoleCode.HANDLER, "我的待办", "按最近期限排序的承办事项。"),
        StartPage(RoleCode.CLERK, "信访登记台", "登记来信、来访、来电与网上信访，一分钟内完成。"),
        StartPage(RoleCode.AUDITOR, "审计工作台", "谁看过、改过什么；责任追究记录。"),
        StartPage(RoleCode.ADMIN, "系统管理", "组织机构、人员与角色、类别、节假日与规则。"),
    )
}


def start_pages_for(user) -> list[StartPage]:
    """用户可用的首页，按优先顺序。"""
    codes = role_codes(user)
    return [page for role, page in START_PAGES.items() if role in codes]


def choose_start_page(user, requested: str | None) -> StartPage | None:
    pages = start_pages_for(user)
    for page in pages:
        if page.role == requested:
            return page
    return pages[0] if pages else None
