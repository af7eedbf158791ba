"""工作日历：法定节假日、调休上班日与管理员维护的节假日表。

纯函数模块：不引用 Django、ORM 或设置，也不读取当前时间。调用方把管理员维护的
节假日表（日期 → 是否上班）和已录入国务院办公厅放假通知的年份传进来。

判断某日是否上班的顺序：
1. 管理员维护的表（覆盖一切，例如地方性假日、国务院临时调整）；
2. ``chinesecalendar`` 收录的国务院放假安排（含调休上班的周六、周日）；
3. 管理员已录入国务院放假通知的年份（``covered_years``）：通知逐日列出放假日和调休上班日，
   都在覆盖表里，所以其余日子只按周末计算；
4. 三者都未覆盖的年份：按《全国年节及纪念日放假办法》（2024 年 11 月修订，2025 年 1 月 1 日起
   施行）第二条的全体公民假日和第六条的补假推算（见 ``statutory_holidays``），调用方应把据此
   算出的期限标为"暂定"——国务院每年的通知还会调休，推算不出来。

性能：每个年份只计算一次，结果存为一个字节串（一天一个字节），此后的判断是一次
字典查找加一次下标访问。``chinesecalendar`` 的逐日结果在进程内按年缓存，与任何
实例的覆盖表无关，所以每次请求新建 ``WorkCalendar`` 也很便宜。
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar
from lunar_python import Lunar, Solar

__all__ = ["WorkCalendar", "statutory_holidays"]

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


# 《全国年节及纪念日放假办法》第二条历次修订：自哪一年起施行 → 春节从农历哪天放到哪天（0 为除夕）、
# 劳动节几天、是否有清明/端午/中秋。元旦 1 天、国庆 3 天历次未变（1999 年起）。
# 1999-09-18 修订：春节初一至初三、劳动节 3 天；2008 年起：除夕至初二、劳动节 1 天，加清明、端午、
# 中秋；2014 年起：初一至初三；2025 年起（国务院令第 795 号）：除夕至初三、劳动节 2 天。
_RULE_VERSIONS = (
    (2025, (0, 3), 2, True),
    (2014, (1, 3), 1, True),
    (2008, (0, 2), 1, True),
    (0, (1, 3), 3, False),
)


def _rules_for(year: int) -> tuple[tuple[int, int], int, bool]:
    for since, spring, labour, lunar_festivals in _RULE_VERSIONS:
        if year >= since:
            return spring, labour, lunar_festivals
    raise AssertionError("unreachable")  # pragma: no cover - 最后一项自 0 年起


@lru_cache(maxsize=None)
def statutory_holidays(year: int) -> dict[date, str]:
    """该年全体公民放假的法定假日（《全国年节及纪念日放假办法》第二条）及第六条的补假。

    农历日期与清明节气取自 lunar-python（寿星天文历算法，覆盖公元前后数千年）。
    第六条：假日适逢周六、周日的，在其后的工作日补假；这里补在假日之后第一个既非周末、
    也非假日的日子（国务院通知的实际安排以调休为准，所以结果只是暂定）。
    """
    spring, labour, lunar_festivals = _rules_for(year)
    entries: list[tuple[date, str]] = [(date(year, 1, 1), "元旦")]
    new_year = Lunar.fromYmd(year, 1, 1).getSolar()
    first = date(new_year.getYear(), new_year.getMonth(), new_year.getDay())
    # offset 0 是除夕（农历年的最后一天，腊月廿九或三十），1 是正月初一。
    entries += [(first + timedelta(days=offset - 1), "春节") for offset in range(spring[0], spring[1] + 1)]
    entries += [(date(year, 5, 1 + n), "劳动节") for n in range(labour)]
    if lunar_festivals:
        for day in range(3, 7):  # 清明节气在 4 月 4—6 日之间
            if Solar.fromYmd(year, 4, day).getLunar().getJieQi() == "清明":
                entries.append((date(year, 4, day), "清明节"))
                break
        for month, mday, name in ((5, 5, "端午节"), (8, 15, "中秋节")):
            solar = Lunar.fromYmd(year, month, mday).getSolar()
            entries.append((date(solar.getYear(), solar.getMonth(), solar.getDay()), name))
    entries += [(date(year, 10, 1 + n), "国庆节") for n in range(3)]
    days: dict[date, str] = {}
    owed: list[tuple[date, str]] = []
    for day, name in sorted(entries):
        if day in days:  # 两个节日同一天（如中秋逢国庆）：各是一天假，后一个也要补
            owed.append((day, name))
        else:
            days[day] = name
            if day.weekday() >= 5:
                owed.append((day, name))
    for day, name in owed:
        substitute = day + timedelta(days=1)
        while substitute.weekday() >= 5 or substitute in days:
            substitute += timedelta(days=1)
        days[substitute] = f"{name}补假"
    return dict(sorted(days.items()))


def _weekends(year: int) -> bytes:
    first = date(year, 1, 1)
    length = (date(year + 1, 1, 1) - first).days
    return bytes(1 if (first + timedelta(days=i)).weekday() < 5 else 0 for i in range(length))


@lru_cache(maxsize=None)
def _base_year(year: int, entered: bool) -> bytes:
    """该年逐日是否上班（1/0），未加覆盖表：chinesecalendar 收录的年份取其数据；
    管理员已录入通知的年份只按周末（通知的每一天都在覆盖表里）；其余年份按周末加法定假日推算。"""
    if _bundled_knows(year):
        first = date(year, 1, 1)
        length = (date(year + 1, 1, 1) - first).days
        return bytes(1 if chinese_calendar.is_workday(first + timedelta(days=i)) else 0 for i in range(length))
    flags = bytearray(_weekends(year))
    if not entered:
        first = date(year, 1, 1).toordinal()
        for day in statutory_holidays(year):
            if day.year == year:
                flags[day.toordinal() - first] = 0
    return bytes(flags)


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
            flags = _base_year(year, year in self._covered_years)
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
        """该日是否上班：覆盖表 > chinesecalendar（含调休上班日）> 周末加法定假日推算（暂定）。"""
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
