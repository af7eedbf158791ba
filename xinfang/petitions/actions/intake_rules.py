"""登记与交办时能看出来的规则（《信访工作条例》），各为一个纯函数，返回给人看的中文问题说明。

- 第二十条：多人采用走访形式提出共同的信访事项的，应当推选代表，代表人数不超过5人——
  五人以上的来访必须写明代表（1至5人），不只是"不超过5人"。
- 第二十八条（回避）：与信访事项有直接利害关系的工作人员应当回避——被反映的民警不能承办该事项。
"""

from __future__ import annotations

from collections.abc import Iterable

from ..models import Channel

COLLECTIVE_HEAD_COUNT = 5
MAX_REPRESENTATIVES = 5


def representative_problems(*, channel: str, head_count: int, representatives: int) -> list[str]:
    """多人走访的代表人数问题；没有问题为空表。"""
    if head_count < COLLECTIVE_HEAD_COUNT:
        return []
    if representatives > MAX_REPRESENTATIVES:
        return [f"多人走访提出共同信访事项的，应当推选代表，代表人数不超过 {MAX_REPRESENTATIVES} 人"
                f"（《信访工作条例》第二十条），现有 {representatives} 名代表"]
    if channel == Channel.VISIT and representatives == 0:
        return [f"{head_count} 人走访提出共同信访事项，应当推选代表（不超过 {MAX_REPRESENTATIVES} 人，"
                "《信访工作条例》第二十条）：请在信访人中勾选代表"]
    return []


def _same_person(officer: str, handler) -> bool:
    officer = officer.strip()
    if not officer:
        return False
    names = {handler.name.strip(), (handler.police_number or "").strip()} - {""}
    return any(name and name in officer for name in names)


def recusal_problem(involved_officers: Iterable[str], handler) -> str:
    """承办人是否就是被反映的民警（第二十八条 回避）；不是为空串。"""
    if handler is None:
        return ""
    if any(_same_person(officer, handler) for officer in involved_officers):
        return (f"{handler.name}是本事项反映的民警，应当回避，不能承办（《信访工作条例》第二十八条）")
    return ""


def not_accepted_again_notice(status: str) -> str:
    """挂到已复核终结的事项上的信访：照样登记、事项状态不变，提示出具不再受理告知书（第三十六条）；其余为空串。"""
    from ..models import Status

    if status != Status.TERMINATED:
        return ""
    return ("该事项已经复核终结：同一事实和理由不再受理（《信访工作条例》第三十六条）。"
            "本次信访已登记，请出具不再受理告知书。")
