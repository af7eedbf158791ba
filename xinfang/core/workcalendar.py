"""工作日历：法定节假日、调休上班日与管理员维护的节假日表。

纯函数模块：不引用 Django、ORM 或设置，也不读取当前时间。调用方把管理员维护的
节假日表（日期 → 是否上班）和已录入国务院办公厅放假通知的年份传进来。

判断某日是否上班的顺序：
1. 管理员维护的表（覆盖一切，例如地方性假日、国务院临时调整）；
2. ``chinesecalendar`` 收录的国务院放假安排（含调休上班的周六、周日）；
3. 两者都未覆盖的年份：只按周末休息计算，调用方应把据此算出的期限标为"暂定"。

性能：每个年份只计算一次，结果存为一个字节串（一天一个字节），此后的判断是一次
字典查找加一次下标访问。``chinesecalendar`` 的逐日结果在进程内按年缓存，与任何
实例的覆盖表无关，所以每次请求新建 ``WorkCalendar`` 也很便宜。
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar

__all__ = ["WorkCalendar"]

# 连续这么多天都不上班，说明覆盖表被录错（例如整年标成休息），与其死循环不如报错。
_MAX_REST_RUN = 366


@lru_cache(maxsize=None)
def _bundled_knows(year: int) -> bool:
    """``chinesecalendar`` 是否收录该年的放假安排。"""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=None)
def _base_year(year: int) -> bytes:
    """该年逐日是否上班（1/0），来自 chinesecalendar；未收录的年份只按周末。"""
    first = date(year, 1, 1)
    length = (date(year + 1, 1, 1) - first).days
    days = [first + timedelta(days=i) for i in range(length)]
    if _bundled_knows(year):
        return bytes(1 if chinese_calendar.is_workday(d) else 0 for d in days)
    return bytes(1 if d.weekday() < 5 else 0 for d in days)


class WorkCalendar:
    """一个部署的工作日历。

    ``overrides``：管理员维护的表，日期 → 是否上班，优先于 chinesecalendar。
    ``covered_years``：管理员已按当年国务院通知录入完毕的年份；这些年份与
    chinesecalendar 收录的年份一样视为"已覆盖"，据此计算的期限不再是暂定的。
    """

    __slots__ = ("_overrides_by_year", "_covered_years", "_tables")

    def __init__(
        self,
        overrides: Mapping[date, bool] | None = None,
        covered_years: Iterable[int] = (),
    ) -> None:
        by_year: dict[int, dict[date, bool]] = {}
        for day, is_work in (overrides or {}).items():
            by_year.setdefault(day.year, {})[day] = bool(is_work)
        self._overrides_by_year = by_year
        self._covered_years = frozenset(int(y) for y in covered_years)
        # 年份 → (该年1月1日的序数, 逐日是否上班)
        self._tables: dict[int, tuple[int, bytes]] = {}

    # -- 年表 ---------------------------------------------------------------

    def _table(self, year: int) -> tuple[int, bytes]:
        table = self._tables.get(year)
        if table is None:
            first = date(year, 1, 1).toordinal()
            flags = _base_year(year)
            changes = self._overrides_by_year.get(year)
            if changes:
                mutable = bytearray(flags)
                for day, is_work in changes.items():
                    mutable[day.toordinal() - first] = 1 if is_work else 0
                flags = bytes(mutable)
            table = (first, flags)
            self._tables[year] = table
        return table

    # -- 公共接口 ------------------------------------------------------------

    def covers(self, year: int) -> bool:
        """该年的放假安排是否已知（chinesecalendar 收录或管理员已录入）。"""
        return year in self._covered_years or _bundled_knows(year)

    def is_workday(self, day: date) -> bool:
        """该日是否上班：覆盖表 > chinesecalendar（含调休上班日）> 仅按周末。"""
        first, flags = self._table(day.year)
        return flags[day.toordinal() - first] == 1

    def next_workday(self, day: date) -> date:
        """返回 ``day`` 当天或之后的第一个工作日（当天上班则返回当天）。"""
        if self.is_workday(day):
            return day
        return self._walk(day, 1)

    def add_workdays(self, day: date, n: int) -> date:
        """返回 ``day`` 之后的第 ``n`` 个工作日（``day`` 当天不计）；``n`` 为 0 时返回 ``day``。"""
        if n < 0:
            raise ValueError(f"工作日数不能为负数：{n}")
        if n == 0:
            return day
        return self._walk(day, n)

    def _walk(self, day: date, n: int) -> date:
        """从 ``day`` 的次日起向后数，返回第 ``n`` 个工作日。"""
        ordinal = day.toordinal()
        year = day.year
        first, flags = self._table(year)
        last = first + len(flags) - 1
        rest_run = 0
        while True:
            ordinal += 1
            if ordinal > last:
                year += 1
                first, flags = self._table(year)
                last = first + len(flags) - 1
            if flags[ordinal - first]:
                n -= 1
                rest_run = 0
                if n == 0:
                    return date.fromordinal(ordinal)
            else:
                rest_run += 1
                if rest_run > _MAX_REST_RUN:
                    raise ValueError(
                        f"自{day.isoformat()}起连续{_MAX_REST_RUN}天没有工作日，请检查节假日表"
                    )
