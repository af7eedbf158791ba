"""国务院办公厅某年放假通知的录入格式（`xinfang calendar import FILE` 与后台表单共用）。

纯函数模块，不引用 Django。格式是 UTF-8 文本，一行一条，# 起的是注释，空行忽略：

    # 国务院办公厅关于2027年部分节假日安排的通知
    年份 2027
    通知 国办发明电〔2026〕7号
    2027-01-01 放假 元旦
    2027-02-05 至 2027-02-11 放假 春节
    2027-02-20 上班 春节调休

- ``年份``（必填）与 ``通知``（文号或说明，可省）各占一行，名和值之间用空格或冒号；
- 其余每行：日期（YYYY-MM-DD）或"日期 至 日期"的区间，然后是"放假"或"上班"（也可写"休""班"），
  最后是可省的名称；
- 日期须在该年内；元旦的调休上班日可在上一年 12 月；同一天不能写两次；
- 《全国年节及纪念日放假办法》第二条的每个全体公民假日都必须列为放假——通知总会列出它们，
  缺了多半是录错了。
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from .workcalendar import statutory_holidays

__all__ = ["Notice", "NoticeError", "format_notice", "parse_notice"]

_KINDS = {"放假": False, "休": False, "上班": True, "班": True}
_HEADER_RE = re.compile(r"^(年份|通知)\s*[:：]?\s*(.*)$")
_DAY_RE = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})(?:\s*(?:至|到|~|\.\.|—|－)\s*(\d{4}-\d{1,2}-\d{1,2}))?\s+(\S+)\s*(.*)$")
_MAX_RANGE = 31


class NoticeError(ValueError):
    """通知文本有误；消息写明第几行、哪一项、违反了哪条规则。"""


@dataclass
class Notice:
    year: int
    notice: str = ""
    days: dict[date, tuple[bool, str]] = field(default_factory=dict)  # 日期 → (是否上班, 名称)


def _date(text: str, line: int) -> date:
    try:
        return date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
    except ValueError:
        raise NoticeError(f"第 {line} 行：日期“{text}”无效，应为 YYYY-MM-DD 格式的真实日期") from None


def parse_notice(text: str, *, year: int | None = None) -> Notice:
    """解析一年的放假通知；有误时抛出 :class:`NoticeError`（中文，指明行号与规则）。

    ``year`` 已知时（后台表单单独有年份栏），文本里可以不写"年份"行。
    """
    notice = ""
    entries: list[tuple[int, date, bool, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip().lstrip("\ufeff")
        if not line:
            continue
        header = _HEADER_RE.match(line)
        if header:
            key, value = header.group(1), header.group(2).strip()
            if key == "年份":
                if not re.fullmatch(r"\d{4}", value):
                    raise NoticeError(f"第 {number} 行：年份“{value}”无效，应为四位数字，如 2027")
                if year is not None and year != int(value):
                    raise NoticeError(f"第 {number} 行：年份 {value} 与已写的 {year} 不一致，一份通知只管一年")
                year = int(value)
            else:
                if len(value) > 200:
                    raise NoticeError(f"第 {number} 行：通知文号或说明不能超过 200 字")
                notice = value
            continue
        match = _DAY_RE.match(line)
        if not match:
            raise NoticeError(f"第 {number} 行：无法识别“{line}”，应为“YYYY-MM-DD 放假|上班 名称”"
                              "或“YYYY-MM-DD 至 YYYY-MM-DD 放假|上班 名称”")
        start = _date(match.group(1), number)
        end = _date(match.group(2), number) if match.group(2) else start
        kind = match.group(3)
        if kind not in _KINDS:
            raise NoticeError(f"第 {number} 行：“{kind}”不是放假或上班，应写“放假”或“上班”")
        if end < start:
            raise NoticeError(f"第 {number} 行：区间的结束日 {end} 早于开始日 {start}")
        if (end - start).days >= _MAX_RANGE:
            raise NoticeError(f"第 {number} 行：区间超过 {_MAX_RANGE} 天，请检查日期")
        name = match.group(4).strip()[:40]
        day = start
        while day <= end:
            entries.append((number, day, _KINDS[kind], name))
            day += timedelta(days=1)
    if year is None:
        raise NoticeError("缺少“年份”行（如：年份 2027）")
    if not entries:
        raise NoticeError(f"{year} 年的通知没有列出任何放假或上班的日子")
    days: dict[date, tuple[bool, str]] = {}
    for number, day, is_work, name in entries:
        if not (day.year == year or (day.year == year - 1 and day.month == 12)):
            raise NoticeError(f"第 {number} 行：{day} 不在 {year} 年内（只有元旦调休上班日可以在上一年 12 月）")
        if day in days:
            raise NoticeError(f"第 {number} 行：{day} 已经写过一次，同一天只能写一次")
        days[day] = (is_work, name)
    missing = [f"{day}（{name}）" for day, name in statutory_holidays(year).items()
               if not name.endswith("补假") and days.get(day, (True, ""))[0]]
    if missing:
        raise NoticeError(
            f"{year} 年的通知没有把这些法定假日列为放假（《全国年节及纪念日放假办法》第二条）："
            + "、".join(missing)
        )
    return Notice(year, notice, dict(sorted(days.items())))


def format_notice(notice: Notice) -> str:
    """把通知写回同一格式（后台表单回显已录入的年份）。"""
    lines = [f"年份 {notice.year}"]
    if notice.notice:
        lines.append(f"通知 {notice.notice}")
    for day, (is_work, name) in sorted(notice.days.items()):
        lines.append(f"{day.isoformat()} {'上班' if is_work else '放假'} {name}".rstrip())
    return "\n".join(lines) + "\n"
