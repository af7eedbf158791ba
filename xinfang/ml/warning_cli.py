"""``xinfang detect-spikes``, ``xinfang hot-issues`` and ``xinfang officer-flags``: work on files alone.

Bad input (a negative count, an empty period, a number that is not one) stops the
command with a Chinese message naming the line and column, exit code 2, and nothing
written: output goes to a temporary file that replaces the target only when complete.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

from .cli import _Parser, _run, _UsageError
from .csvfile import open_text
from .errors import DataError

__all__ = ["detect_spikes_main", "hot_issues_main", "officer_flags_main"]


# ----------------------------------------------------------------------------- CSV helpers


UNGROUPED = "未分组"

def _rows(path: Path, required: Sequence[str], optional: Sequence[str] = ()) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line number, row)``; the header is line 1. Missing required columns are refused;
    missing ``optional`` ones read as empty. Column names match without regard to case or spaces;
    the file may be UTF-8 or GB18030 (see ``csvfile``)."""
    try:
        handle = open_text(path)
    except OSError as exc:
        raise DataError(f"无法读取文件 {path}：{exc.strerror}") from exc
    with handle:
        try:
            reader = csv.DictReader(handle)
            header = [h.strip().lower() for h in (reader.fieldnames or [])]
            missing = [c for c in required if c not in header]
            if missing:
                raise DataError(f"{path.name} 缺少列：{'、'.join(missing)}（需要 {','.join(required)}）")
            absent = [c for c in optional if c not in header]
            reader.fieldnames = header
            for line, row in enumerate(reader, start=2):
                values = {k: (v or "").strip() for k, v in row.items() if k is not None}
                values.update(dict.fromkeys(absent, ""))
                yield line, values
        except (csv.Error, UnicodeDecodeError) as exc:
            raise DataError(f"{path.name} 不是有效的 CSV 文件（UTF-8 或 GB18030）：{exc}") from exc


def _where(path: Path, line: int, column: str) -> str:
    return f"{path.name} 第 {line} 行 {column} 列"


def _date(value: str, path: Path, line: int, column: str) -> date:
    if not value:
        raise DataError(f"{_where(path, line, column)}：日期为空")
    for fmt in ("%Y-%m-%d", "%Y/%m/%d"):
        try:
            return datetime.strptime(value[:10] if fmt == "%Y-%m-%d" else value, fmt).date()
        except ValueError:
            continue
    raise DataError(f"{_where(path, line, column)}：日期“{value}”无法识别（应为 YYYY-MM-DD）")


def _number(value: str, path: Path, line: int, column: str, *, integer: bool) -> float:
    if value == "":
        raise DataError(f"{_where(path, line, column)}：数值为空")
    try:
        number = float(value)
    except ValueError:
        raise DataError(f"{_where(path, line, column)}：“{value}”不是数字") from None
    if not math.isfinite(number):
        raise DataError(f"{_where(path, line, column)}：“{value}”不是有限的数")
    if number < 0:
        raise DataError(f"{_where(path, line, column)}：不能为负数（{value}）")
    if integer and number != int(number):
        raise DataError(f"{_where(path, line, column)}：应为整数（{value}）")
    return number


def _write_atomically(path: Path, write) -> None:  # noqa: ANN001
    """Write through a temporary file in the same folder, then rename: never half a file."""
    directory = path.resolve().parent
    if not directory.is_dir():
        raise DataError(f"输出目录不存在：{directory}")
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            write(handle)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


# ----------------------------------------------------------------------------- detect-spikes


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _holiday_share(start: date, days: int, calendar) -> float:  # noqa: ANN001
    """Share of the period's days off beyond ordinary weekends (negative for a 调休 week)."""
    off = 0
    for i in range(days):
        day = start + timedelta(days=i)
        weekday = day.weekday() < 5
        work = calendar.is_workday(day)
        off += int(weekday and not work) - int(not weekday and work)
    return off / days


def read_counts(path: Path, period: str) -> tuple[list[tuple[str, date, int]], str]:
    rows: list[tuple[str, date, int]] = []
    for line, row in _rows(path, ("key", "period_start", "count")):
        key = row["key"]
        if not key:
            raise DataError(f"{_where(path, line, 'key')}：序列名为空")
        start = _date(row["period_start"], path, line, "period_start")
        count = _number(row["count"], path, line, "count", integer=True)
        rows.append((key, start, int(count)))
    if not rows:
        raise DataError(f"{path.name} 没有数据行")
    if period == "auto":
        firsts = all(d.day == 1 for _, d, _ in rows)
        period = "month" if firsts and len({d for _, d, _ in rows}) > 1 else "week"
        if firsts and len({d for _, d, _ in rows}) == 1:
            period = "week"
    return rows, period


def detect_spikes_file(counts: Path, out: Path, *, period: str = "auto", holidays: bool = True,
                      tuning: dict | None = None) -> dict:
    from .spikes import DetectorOptions, detect_series

    rows, period = read_counts(counts, period)
    # Place each row on its series' grid: weeks 7 days apart, months by calendar month.
    series: dict[str, dict[int, int]] = {}
    origin: dict[str, date] = {}
    positions: list[tuple[str, int]] = []
    for number, (key, start, count) in enumerate(rows):
        line = number + 2
        if period == "week":
            first = origin.setdefault(key, start)
            delta = (start - first).days
            if delta % 7:
                raise DataError(
                    f"{_where(counts, line, 'period_start')}：{start} 与该序列第一周 {first} 相差 {delta} 天，"
                    "不是整周（按周统计时各期应相隔 7 天）"
                )
            slot = delta // 7
        else:
            slot = _month_index(start)
        table = series.setdefault(key, {})
        if slot in table:
            raise DataError(f"{_where(counts, line, 'period_start')}：序列“{key}”的 {start} 重复出现")
        table[slot] = count
        positions.append((key, slot))
    calendar = None
    if holidays:
        from xinfang.core.workcalendar import WorkCalendar  # pure module, no Django

        calendar = WorkCalendar()
    options = DetectorOptions(period=period, **(tuning or {}))  # type: ignore[arg-type]
    results: dict[str, dict[int, object]] = {}
    for key, table in series.items():
        low, high = min(table), max(table)
        if period == "week":
            low = min(table)
            slots = list(range(low, high + 1))
            starts = [origin[key] + timedelta(days=7 * s) for s in slots]
            lengths = [7] * len(slots)
        else:
            slots = list(range(low, high + 1))
            starts = [date(s // 12, s % 12 + 1, 1) for s in slots]
            lengths = [((date(s // 12 + (s % 12 == 11), (s + 1) % 12 + 1, 1)) - d).days for s, d in zip(slots, starts)]
        # A period missing inside a series had no petitions: exporters often skip zeros.
        values = [table.get(s, 0) for s in slots]
        holiday = [_holiday_share(d, n, calendar) for d, n in zip(starts, lengths)] if calendar else None
        alarms = detect_series(values, options, holiday=holiday)
        results[key] = dict(zip(slots, alarms))

    def write(handle) -> None:  # noqa: ANN001
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["key", "period_start", "observed", "expected", "upper", "alarm"])
        for (key, start, _count), (_, slot) in zip(rows, positions):
            result = results[key][slot]
            upper = "" if math.isnan(result.upper) else f"{result.upper:.2f}"
            writer.writerow([key, start.isoformat(), result.observed, f"{result.expected:.2f}", upper,
                             1 if result.alarm else 0])

    _write_atomically(out, write)
    alarms = sum(1 for key, slot in positions if results[key][slot].alarm)
    return {"rows": len(rows), "series": len(series), "period": period, "alarms": alarms, "out": str(out)}


def detect_spikes_main(argv: Sequence[str] | None = None) -> int:
    """``detect-spikes --counts COUNTS.csv --out ALARMS.csv [--period week|month]``."""
    parser = _Parser(prog="xinfang detect-spikes", description="发现计数序列中的异常上升（苗头性、倾向性问题）")
    parser.add_argument("--counts", required=True, type=Path, help="计数 CSV（key,period_start,count）")
    parser.add_argument("--out", required=True, type=Path, help="输出 CSV（key,period_start,observed,expected,upper,alarm）")
    parser.add_argument("--period", choices=["week", "month", "auto"], default="auto",
                        help="统计周期：week（周）或 month（月）；默认按日期自动判断")
    parser.add_argument("--no-holidays", action="store_true", help="不按节假日与调休调整")
    parser.add_argument("--alpha", type=float, default=None, help="单期检验的单侧水平（默认 0.0005）")
    parser.add_argument("--alpha-pair", type=float, default=None, help="近两期合计检验的水平（0 为不做；默认 0.0045）")
    parser.add_argument("--threshold", choices=["nb2", "nb", "nb-plugin", "two-thirds"], default=None,
                        help="预警线：nb2（默认，方差 μ + aμ²，含估计误差）、nb（φμ）、nb-plugin（与 R farringtonFlexible 相同）、two-thirds")
    parser.add_argument("--seasonal", choices=["harmonic", "factor"], default=None,
                        help="季节项：harmonic（默认，一年一个正弦周期）、factor（10 档季节因子，与 R farringtonFlexible 相同）")

    def action(args: argparse.Namespace) -> dict:
        tuning = {k: v for k, v in (("alpha", args.alpha), ("alpha_pair", args.alpha_pair),
                                    ("threshold", args.threshold), ("seasonal", args.seasonal)) if v is not None}
        for name in ("alpha", "alpha_pair"):
            if name in tuning and not 0 <= tuning[name] < 0.5:
                raise _UsageError(f"参数错误：--{name.replace('_', '-')} 应在 0 与 0.5 之间")
        return detect_spikes_file(args.counts, args.out, period=args.period, holidays=not args.no_holidays,
                                  tuning=tuning)

    return _run(parser, argv, action)


# ----------------------------------------------------------------------------- hot-issues

_TIME_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d")


def _time(value: str, path: Path, line: int) -> datetime:
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    raise DataError(f"{_where(path, line, 'time')}：时间“{value}”无法识别（应为 YYYY/MM/DD HH:MM:SS）")


def read_messages(path: Path) -> list:
    from .hot import Message

    messages = []
    seen: set[str] = set()
    # id 与 text 必需；标题、用户、时间、点赞数可以整列没有（按空处理），文件不因此被拒收。
    for line, row in _rows(path, ("id", "text"), ("title", "user", "time", "likes", "dislikes")):
        if not row["id"]:
            raise DataError(f"{_where(path, line, 'id')}：编号为空")
        if row["id"] in seen:
            # 同一编号再次出现（导出时重复了一行）：保留第一行，提示而不拒收整份文件。
            print(f"提示：{_where(path, line, 'id')}：编号 {row['id']} 重复，只用第一次出现的那一行", file=sys.stderr)
            continue
        seen.add(row["id"])
        if not (row["title"] or row["text"]):
            raise DataError(f"{_where(path, line, 'title')}：标题与内容都为空")
        likes = int(_number(row["likes"] or "0", path, line, "likes", integer=True))
        dislikes = int(_number(row["dislikes"] or "0", path, line, "dislikes", integer=True))
        messages.append(Message(row["id"], row["title"], row["text"], row["user"] or f"匿名{row['id']}",
                                _time(row["time"], path, line) if row["time"] else None, likes, dislikes))
    return messages


def hot_issues_main(argv: Sequence[str] | None = None) -> int:
    """``hot-issues --csv MESSAGES.csv [--top 10]``: print the hottest issues as one JSON list."""
    parser = _Parser(prog="xinfang hot-issues", description="把反映同一问题的留言聚成热点，按热度排序")
    parser.add_argument("--csv", required=True, type=Path, help="留言 CSV（id,title,text,user,time,likes,dislikes）")
    parser.add_argument("--top", type=int, default=10, help="输出前几个热点（默认 10）")

    def action(args: argparse.Namespace) -> list:
        from .hot import hot_issues

        if args.top < 1:
            raise _UsageError("参数错误：--top 必须为正整数")
        messages = read_messages(args.csv)
        return [issue.as_json() for issue in hot_issues(messages, top=args.top)]

    return _run(parser, argv, action)


# ----------------------------------------------------------------------------- officer-flags


def read_activity(path: Path) -> list:
    from .officers import OfficerActivity

    activity = []
    groups: dict[str, str] = {}
    for line, row in _rows(path, ("officer_no", "period_start", "actions", "complaints"), ("peer_group",)):
        officer = row["officer_no"]
        if not officer:
            raise DataError(f"{_where(path, line, 'officer_no')}：警号为空")
        # 同类组是可选的：没填的民警归入同一个"未分组"，与全体民警比较（不因缺一列而拒收整份文件）。
        row["peer_group"] = row["peer_group"] or UNGROUPED
        if groups.setdefault(officer, row["peer_group"]) != row["peer_group"]:
            raise DataError(f"{_where(path, line, 'peer_group')}：警号 {officer} 出现在两个同类组"
                            f"（{groups[officer]}、{row['peer_group']}）")
        _date(row["period_start"], path, line, "period_start")
        actions = _number(row["actions"], path, line, "actions", integer=False)
        complaints = int(_number(row["complaints"], path, line, "complaints", integer=True))
        activity.append(OfficerActivity(officer, row["peer_group"], actions, complaints))
    if not activity:
        raise DataError(f"{path.name} 没有数据行")
    return activity


def officer_flags_main(argv: Sequence[str] | None = None) -> int:
    """``officer-flags --activity ACTIVITY.csv --out FLAGS.csv``."""
    parser = _Parser(prog="xinfang officer-flags", description="按执法量与同类组衡量投诉，提示可能需要支持的民警")
    parser.add_argument("--activity", required=True, type=Path,
                        help="活动 CSV（officer_no,peer_group,period_start,actions,complaints）")
    parser.add_argument("--out", required=True, type=Path, help="输出 CSV（officer_no,score,level,reasons）")

    def action(args: argparse.Namespace) -> dict:
        from .officers import flag_officers

        flags = flag_officers(read_activity(args.activity))

        def write(handle) -> None:  # noqa: ANN001
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(["officer_no", "score", "level", "reasons"])
            for flag in flags:
                writer.writerow([flag.officer_no, f"{flag.score:.3f}", flag.level, flag.reasons])

        _write_atomically(args.out, write)
        levels = {level: sum(1 for f in flags if f.level == level) for level in ("none", "warning", "critical")}
        return {"officers": len(flags), **levels, "out": str(args.out)}

    return _run(parser, argv, action)

