"""事项页上的"意见与请求期限"一栏：每项意见（按先后）、送达、请求期限是否已起算、待决定的机关、
听证是否开得太久、尚未落实的补救措施。只读。"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from . import clocks, organs
from .models import Matter, OpinionKind


@dataclass(frozen=True)
class Window:
    label: str
    text: str
    open: bool


def _window(label: str, received: date | None, closes: date | None, today: date, *, applies: bool) -> Window | None:
    if not applies:
        return None
    if received is None:
        # 第三十五条、第三十六条：期限自收到之日起算；送达未登记，就还没有开始。
        return Window(label, "请求期限尚未起算（意见尚未登记送达）", True)
    if closes is not None and closes >= today:
        return Window(label, f"自 {received:%Y-%m-%d} 收到起算，至 {closes:%Y-%m-%d} 届满", True)
    return Window(label, f"已于 {closes:%Y-%m-%d} 届满", False)


def panel(matter: Matter, today: date) -> dict:
    opinions = list(matter.opinions.select_related("deciding_organ", "document").prefetch_related("items")
                    .order_by("decided_on", "id"))
    kinds = {o.kind for o in opinions}
    windows = [w for w in (
        _window("请求复查", matter.reply_delivered_on, matter.review_request_closes, today,
                applies=OpinionKind.REPLY in kinds and matter.review_requested_on is None
                and OpinionKind.REVIEW not in kinds),
        _window("请求复核", matter.review_delivered_on, matter.re_review_request_closes, today,
                applies=OpinionKind.REVIEW in kinds and OpinionKind.RE_REVIEW not in kinds
                and matter.re_review_requested_on is None),
    ) if w]
    pending = organs.pending_organ(matter)
    return {
        "opinions": opinions,
        "windows": windows,
        "pending_organ": organs.full_name(pending) if pending is not None or matter.status in organs.REVIEW_PENDING
        | organs.RE_REVIEW_PENDING else "",
        "pending_external": isinstance(pending, organs.ExternalOrgan),
        "appeal_requests": list(matter.appeal_requests.select_related("refusal_document")),
        "hearing_overlong": clocks.hearing_overlong(matter, today),
        "open_execution": list(matter.execution_items.filter(done_on__isnull=True).order_by("id")),
        "done_execution": list(matter.execution_items.filter(done_on__isnull=False).order_by("done_on", "id")),
    }
