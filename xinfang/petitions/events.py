"""时间线上的事件名称（中文）。状态变化的名称来自 workflow 的转换表。"""

from .models import Status
from .workflow import TRANSITIONS

OTHER_EVENTS = {
    "register": "登记",
    "repeat": "重复信访并入",
    "repeat_after_termination": "终结后又来信访（不再受理）",
    "note": "办理情况",
    "document": "生成文书",
    "correct": "更正登记内容",
    "correct_petition": "更正信访件",
}


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
