"""测试用：办理中的事项（3 月 2 日登记受理，办理期限顺延过劳动节到 5 月 6 日）与几个常用动作。"""

from __future__ import annotations

from datetime import datetime

import time_machine

from xinfang.core import clock
from django.utils import timezone

from xinfang.petitions.actions import decisions, handling
from xinfang.petitions.models import Matter, Outcome
from xinfang.petitions.testing import register

from .models import Notification


def at(text: str) -> datetime:
    """"2026-05-07 09:00" → 北京时间的时刻。"""
    return timezone.make_aware(datetime.fromisoformat(text))


def handled(cast, *, when: str = "2026-03-02 09:00", handler=None) -> Matter:
    """大队A承办的在办事项；默认办理期限为 2026-05-06。"""
    with time_machine.travel(at(when), tick=False):
        m = register(cast.clerk, department=cast.brigade_a)
        m = decisions.accept_matter(m, by=cast.clerk)
        m = decisions.assign_matter(m, by=cast.clerk, lead=cast.brigade_a, handler=handler or cast.handler_a)
        return handling.start_handling(m, by=handler or cast.handler_a)


def replied(cast, matter: Matter, *, when: str = "2026-03-20 10:00", outcome: str = Outcome.REJECT) -> Matter:
    with time_machine.travel(at(when), tick=False):
        m = handling.draft_reply(matter, by=cast.handler_a, outcome=outcome, text="经核查，不予支持。")
        return handling.approve_reply(m, by=cast.head_a, delivered_on=clock.today())  # 当场送达


def inbox(person, kind: str | None = None) -> list[Notification]:
    queryset = Notification.objects.filter(recipient=person).order_by("id")
    return list(queryset.filter(kind=kind) if kind else queryset)
