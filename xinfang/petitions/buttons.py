"""事项页上给哪些按钮：权限表与状态允许（workflow.may），而且此刻做得成。

做不成的按钮不给：点进去只会得到"不能"。每条规则与写操作里的检查同一口径，写操作仍然自己再查一遍。
"""

from __future__ import annotations

from datetime import date

from . import workflow
from .models import Matter


def blocked(matter: Matter, action: str, today: date) -> str | None:
    """此刻做不成的原因（中文）；做得成时返回 None。"""
    if action == "extend":
        if matter.extension_days:
            return f"该事项已延期 {matter.extension_days} 日，不能再次延期（《信访工作条例》第三十四条）。"
        if matter.handling_due is not None and matter.handling_due < today:
            return (f"办理期限已于 {matter.handling_due:%Y-%m-%d} 届满，不能再延期：延长办理期限须在期限内批准"
                    "（《信访工作条例》第三十四条）。")
    if action in ("approve_reply", "return_draft") and not (matter.outcome and matter.reply_text.strip()):
        return "还没有答复草稿可审批。"
    if action == "deliver":
        from .actions.opinions import undelivered

        if undelivered(matter) is None:
            return "没有待送达的意见：已作出的意见都已登记送达。"
    if action == "refuse_late_review" and matter.review_request_closes and today <= matter.review_request_closes:
        return (f"请求复查的期限到 {matter.review_request_closes:%Y-%m-%d} 才届满：在此之前收到的复查请求都应受理，"
                "请用“登记复查请求”（《信访工作条例》第三十五条）。")
    if action == "refuse_late_re_review" and matter.re_review_request_closes and today <= matter.re_review_request_closes:
        return (f"请求复核的期限到 {matter.re_review_request_closes:%Y-%m-%d} 才届满：在此之前收到的复核请求都应受理，"
                "请用“登记复核请求”（《信访工作条例》第三十六条）。")
    return None


def actions_now(user, matter: Matter, today: date) -> list[workflow.Transition]:
    """该用户此刻能做、也做得成的动作。"""
    return [t for t in workflow.available_actions(user, matter) if blocked(matter, t.action, today) is None]
