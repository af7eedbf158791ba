"""测试用：经门户提交一件信访，并由固定人物表把它办到答复。"""

from __future__ import annotations

from datetime import date

from xinfang.core import clock
from xinfang.petitions.actions import decisions, handling
from xinfang.petitions.models import Matter
from xinfang.petitions.testing import id_number

from .actions.submission import Submission, submit_petition


def submit(*, department=None, name: str = "王五", content: str = "电子警察抓拍有误，我当时并未闯红灯。",
           id17: str = "43010519800101123", **kwargs) -> tuple[Matter, str]:
    """返回（事项, 查询码原文）。"""
    petition, code = submit_petition(Submission(
        name=name, id_number=id_number(id17), phone=kwargs.pop("phone", "13900139000"), content=content,
        requests=kwargs.pop("requests", "撤销处罚"), involved_department=department, **kwargs,
    ))
    return petition.matter, code


def reply(cast, matter: Matter, *, delivered_on: date | None = None, text: str = "经核查，抓拍有误，撤销处罚。") -> Matter:
    """受理 → 交办大队A（承办人A）→ 开始办理 → 起草答复 → 大队长审批答复。"""
    matter = decisions.accept_matter(matter, by=cast.clerk)
    matter = decisions.assign_matter(matter, by=cast.clerk, lead=cast.brigade_a, handler=cast.handler_a)
    matter = handling.start_handling(matter, by=cast.handler_a)
    matter = handling.draft_reply(matter, by=cast.handler_a, outcome="support", text=text)
    # 当场送达（默认今天）：请求复查的期限自送达之日起算。
    return handling.approve_reply(matter, by=cast.head_a, delivered_on=delivered_on or clock.today())
