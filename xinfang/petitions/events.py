"""时间线上的事件：名称（中文）与每种事件的详情构造函数。

详情（``MatterEvent.data``）只是历史的说明；事实在表里（``Opinion``、``AppealRequest``、
``ExecutionItem`` 和事项的日期列）。其他模块要读事实，读那些列，不解析详情。每种事件的详情由
下面一个函数构造，键名只在这里写一次（Saleor 的 ``events.py`` 做法）；需要从事件找到事实的，
用 ``OPINION_ID`` 等常量读出行号再取行。
"""

from __future__ import annotations

from datetime import date

from .models import Status
from .workflow import TRANSITIONS

OTHER_EVENTS = {
    "register": "登记",
    "repeat": "重复信访并入",
    "repeat_after_termination": "终结后又来信访（不再受理）",
    "note": "办理情况",
    "document": "生成文书",
    "execution_done": "补救措施落实",
    "correct": "更正登记内容",
    "correct_petition": "更正信访件",
    "major_flag": "标记重大紧急情况（媒体关注、到省、到国家信访）",
    "urgent_report": "重大紧急事项报告（《信访工作条例》第二十五条）",
    "referral": "登记转送、交办来文",
    "discipline_routed": "移交纪检监察（督察）机关",
    "discipline_answered": "登记纪检监察（督察）机关的答复",
    "aftercare": "帮扶救助、教育疏导",
    "recommendation": "提出工作建议",
    "recommendation_feedback": "登记建议的书面反馈",
}

OPINION_ID = "opinion_id"
ORGAN_ID = "organ_id"  # 作出该动作时负责的机关（责任追究据此归属）
REQUEST_ID = "request_id"
HANDLER_ID = "handler_id"  # 交办时指定的承办人（通知据此找人，不按姓名）


def label(action: str) -> str:
    if action in TRANSITIONS:
        return TRANSITIONS[action].label
    return OTHER_EVENTS.get(action, action)


def timeline(matter) -> list:
    """事项的全部事件，附上中文名称，按时间先后。"""
    events = list(matter.events.select_related("actor"))
    for event in events:
        event.label = label(event.action)
        event.from_label = Status(event.from_status).label if event.from_status else ""
        event.to_label = Status(event.to_status).label if event.to_status else ""
    return events


# -- 每种事件的详情 ------------------------------------------------------------------


def accepted(on: date, organ_id: int | None = None) -> dict:
    return {"accepted_on": on, ORGAN_ID: organ_id}


def handler_set(name: str) -> dict:
    return {"handler": name}


def hearing_started(on: date) -> dict:
    return {"hearing_started_on": on}


def hearing_ended(on: date, days: int) -> dict:
    return {"hearing_ended_on": on, "hearing_days": days}


def reply_drafted(outcome: str, compensation: bool, apology: bool, correction: bool) -> dict:
    return {"outcome": outcome, "compensation": compensation, "apology": apology, "correction": correction}


def extended(days: int, reason: str) -> dict:
    return {"extension_days": days, "reason": reason}


def closed(on: date) -> dict:
    return {"closed_on": on}


def opinion_issued(opinion) -> dict:
    """处理意见、复查意见、复核意见作出（含登记系统外机关的意见）。"""
    return {OPINION_ID: opinion.pk, "kind": opinion.kind, "decision": opinion.decision,
            "review_outcome": opinion.review_outcome, "organ": opinion.organ_name}


def delivered(opinion) -> dict:
    return {OPINION_ID: opinion.pk, "kind": opinion.kind, "delivered_on": opinion.delivered_on,
            "method": opinion.delivery_method}


def appeal_registered(request) -> dict:
    return {REQUEST_ID: request.pk, "kind": request.kind, "requested_on": request.requested_on,
            "window_closes": request.window_closes, "late": request.is_late,
            "provisional": request.window_provisional}


def appeal_forwarded(request) -> dict:
    return {REQUEST_ID: request.pk, "organ": request.external_organ, "forwarded_on": request.forwarded_on}


def rehandled(on: date, opinion) -> dict:
    return {"accepted_on": on, OPINION_ID: opinion.pk}


def execution_done(item) -> dict:
    return {"item_id": item.pk, "remedy": item.remedy, "done_on": item.done_on.isoformat()}


def referral_recorded(referral) -> dict:
    return {"kind": referral.kind, "source": referral.source, "received_on": referral.received_on,
            "report_due": referral.report_due, "objection_closes": referral.objection_closes}


def referral_objected(referral) -> dict:
    return {"objected_on": referral.objected_on, "objection_closes": referral.objection_closes,
            "source": referral.source}


def objection_answered(referral) -> dict:
    return {"agreed": referral.objection_agreed, "answered_on": referral.objection_answered_on}


def completion_reported(referral) -> dict:
    return {"reported_on": referral.reported_on, "report_due": referral.report_due,
            "late": referral.report_due is not None and referral.reported_on > referral.report_due}


def discipline_routed(row) -> dict:
    return {"referral_id": row.pk, "body": row.body, "routed_on": row.routed_on, "reference": row.reference}


def discipline_answered(row) -> dict:
    return {"referral_id": row.pk, "answered_on": row.answered_on}


def aftercare(row) -> dict:
    return {"aftercare_id": row.pk, "kind": row.kind, "on": row.on, "who": row.who}


def recommendation(row) -> dict:
    return {"recommendation_id": row.pk, "kind": row.kind, "department": row.department.name,
            "feedback_due": row.feedback_due}


def recommendation_feedback(row) -> dict:
    return {"recommendation_id": row.pk, "feedback_on": row.feedback_on,
            "late": row.feedback_on > row.feedback_due}
