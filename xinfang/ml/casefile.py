"""The one documented column format of enforcement cases (执法案件), read row by row.

Imports no Django: ``xinfang import-cases`` and ``xinfang screening-eval`` both read
files through here, so the import and the evaluation contract agree on every column.
Chinese headers are canonical; each has an English alias (issue 14's table).
Problems are reported as (row, column, value, why) in Chinese.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from .csvfile import decoded_lines, detect_encoding, encoding_label
from .errors import DataError

__all__ = [
    "COLUMNS", "CaseFileError", "Problem", "compile_parser", "parse_row", "read_rows", "resolve_header",
    "MAX_CSV_BYTES", "MAX_XLSX_BYTES",
]

# 5,000,000 cases in CSV are about 1.3 GB; anything beyond 2 GiB is not a month of a unit's
# work but a wrong file, and reading it would tie the worker up for nothing.
MAX_CSV_BYTES = 2 * 1024 ** 3
# .xlsx tops out at 1,048,576 rows per sheet; 200 MB is already far past that.
MAX_XLSX_BYTES = 200 * 1024 ** 2

# Dates before this are typing errors (the 1900 of an empty Excel cell), not cases.
EARLIEST = date(1990, 1, 1)
LATEST = date(2099, 12, 31)


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str  # text | date | int | money | bool | choice
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()  # (中文, code)
    max_length: int = 0


CASE_TYPES = (("事故", "accident"), ("违法", "violation"), ("扣留", "impound"))
SEVERITIES = (("财产损失", "property"), ("受伤", "injury"), ("死亡", "death"))
RESPONSIBILITIES = (("全部", "full"), ("主要", "major"), ("同等", "equal"), ("次要", "minor"),
                    ("无", "none"), ("无法认定", "undetermined"))
COMPENSATIONS = (("已到位", "paid"), ("部分", "partial"), ("未到位", "unpaid"))

COLUMNS: tuple[Column, ...] = (
    Column("case_no", "案件编号", "text", required=True, max_length=40),
    Column("case_type", "案件类型", "choice", required=True, choices=CASE_TYPES),
    Column("department_code", "办案单位代码", "text", required=True, max_length=32),
    Column("officer_no", "办案民警警号", "text", required=True, max_length=20),
    Column("opened_at", "发生时间", "date", required=True),
    Column("decided_at", "决定时间", "date", required=True),
    Column("closed_at", "结案时间", "date"),
    Column("place", "地点", "text", max_length=200),
    Column("party_name", "当事人", "text", max_length=100),
    Column("party_id", "当事人证件号码", "text", max_length=32),
    Column("plate", "号牌号码", "text", max_length=16),
    Column("severity", "事故后果", "choice", choices=SEVERITIES),
    Column("deaths", "死亡人数", "int"),
    Column("injuries", "受伤人数", "int"),
    Column("responsibility", "责任认定", "choice", choices=RESPONSIBILITIES),
    Column("hit_and_run", "逃逸", "bool"),
    Column("hit_and_run_solved", "逃逸已破", "bool"),
    Column("compensation", "赔偿情况", "choice", choices=COMPENSATIONS),
    Column("review_requested", "申请复核", "bool"),
    Column("violation_code", "违法代码", "text", max_length=10),
    Column("fine", "罚款", "money"),
    Column("points", "记分", "int"),
    Column("non_site", "非现场", "bool"),
    Column("contested", "当事人有异议", "bool"),
    Column("impound_days", "扣留天数", "int"),
    Column("fee", "停车费", "money"),
    Column("summary", "简要案情", "text", max_length=2000),
)
BY_KEY = {c.key: c for c in COLUMNS}
_ALIASES = {c.header: c for c in COLUMNS} | {c.key: c for c in COLUMNS}
CHOICE_LABELS = {c.key: {code: label for label, code in c.choices} for c in COLUMNS if c.choices}


@dataclass(frozen=True)
class Problem:
    row: int  # 1 = header row, data starts at 2 (as a spreadsheet shows it)
    column: str
    value: str
    why: str

    def __str__(self) -> str:
        where = f"第 {self.row} 行" + (f"「{self.column}」列" if self.column else "")
        shown = f"值「{self.value[:40]}」" if self.value else ""
        return f"{where}{shown}：{self.why}"


class CaseFileError(DataError):
    """The file as a whole is unusable (wrong header, too large, damaged); carries a Problem."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


def resolve_header(cells: list) -> list[Column | None]:
    """把表头的每一格对上一列；不认识的表头、重复的列、缺必填列都拒绝整个文件。"""
    resolved: list[Column | None] = []
    seen: set[str] = set()
    for index, cell in enumerate(cells):
        name = str(cell or "").strip().lstrip("\ufeff")
        if not name:
            resolved.append(None)
            continue
        column = _ALIASES.get(name) or _ALIASES.get(name.lower())
        if column is None:
            raise CaseFileError(Problem(1, f"第 {index + 1} 列", name,
                                        "不认识的表头；应为说明中的中文表头或英文别名，如「案件编号」或 case_no"))
        if column.key in seen:
            raise CaseFileError(Problem(1, column.header, name, "表头重复"))
        seen.add(column.key)
        resolved.append(column)
    missing = [c.header for c in COLUMNS if c.required and c.key not in seen]
    if missing:
        raise CaseFileError(Problem(1, "、".join(missing), "", "缺少必填列"))
    return resolved


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _parse_date(raw) -> datetime:
    if isinstance(raw, datetime):
        return raw.replace(tzinfo=None)
    if isinstance(raw, date):
        return datetime.combine(raw, time())
    text = _text(raw).replace("/", "-").replace("T", " ")
    try:  # fast path for the ISO forms most files use; strptime below for the rest
        return datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        pass
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y%m%d"):
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    raise ValueError("不是日期；应写作 2026-03-01 或 2026-03-01 14:30")


def _parse(column: Column, raw):
    text = _text(raw)
    if column.kind == "date":
        moment = _parse_date(raw)
        if not EARLIEST <= moment.date() <= LATEST:
            raise ValueError(f"日期超出合理范围（{EARLIEST:%Y} 年至 {LATEST:%Y} 年）")
        return moment
    if column.kind == "int":
        try:
            number = int(float(text))
        except ValueError:
            raise ValueError("应为整数") from None
        if number < 0 or number > 100000:
            raise ValueError("应为 0 至 100000 的整数")
        return number
    if column.kind == "money":
        try:
            amount = round(float(text), 2)
        except ValueError:
            raise ValueError("应为金额（元）") from None
        if amount < 0 or amount > 100_000_000:
            raise ValueError("金额应在 0 至 1 亿元之间")
        return amount
    if column.kind == "bool":
        if text in ("是", "1", "true", "True", "Y", "y"):
            return True
        if text in ("否", "0", "false", "False", "N", "n"):
            return False
        raise ValueError("应为「是」或「否」")
    if column.kind == "choice":
        for label, code in column.choices:
            if text in (label, code):
                return code
        raise ValueError("应为 " + " / ".join(label for label, _ in column.choices) + " 之一")
    if column.max_length and len(text) > column.max_length:
        raise ValueError(f"超过 {column.max_length} 个字")
    return text


def empty_case() -> dict:
    values: dict = {}
    for c in COLUMNS:
        values[c.key] = {"text": "", "choice": "", "date": None, "int": 0, "money": 0.0, "bool": None}[c.kind]
    return values


def parse_row(number: int, header: list[Column | None], cells) -> tuple[dict | None, list[Problem]]:
    """一行 → (案件字典, 问题列表)。有问题时字典为 None；每个问题都指明行、列、值与原因。"""
    case = empty_case()
    problems: list[Problem] = []
    for column, raw in zip(header, cells):
        if column is None:
            continue
        if _text(raw) == "":
            if column.required:
                problems.append(Problem(number, column.header, "", "必填，不能为空"))
            continue
        try:
            case[column.key] = _parse(column, raw)
        except ValueError as exc:
            problems.append(Problem(number, column.header, _text(raw), str(exc)))
    for column in header[len(cells):]:  # 短行：缺了的格等于空格（必填的报"必填"，不要在下面比较时崩溃）
        if column is not None and column.required:
            problems.append(Problem(number, column.header, "", "必填，不能为空"))
    if len(cells) > len(header) and any(_text(c) for c in cells[len(header):]):
        problems.append(Problem(number, f"第 {len(header) + 1} 列", _text(cells[len(header)]), "超出表头的多余数据"))
    if not problems:
        if case["decided_at"] < case["opened_at"]:
            problems.append(Problem(number, "决定时间", _text(case["decided_at"]), "早于发生时间"))
        if case["closed_at"] is not None and case["closed_at"] < case["decided_at"]:
            problems.append(Problem(number, "结案时间", _text(case["closed_at"]), "早于决定时间"))
        if case["hit_and_run_solved"] and not case["hit_and_run"]:
            problems.append(Problem(number, "逃逸已破", "是", "未填逃逸却填了逃逸已破"))
    return (None if problems else case), problems


class _Slow(Exception):
    """快路径处理不了的行：交给 parse_row 给出与逐列校验完全相同的结果与问题。"""


def compile_parser(header: list[Column | None]):
    """为一个表头编好每列的转换函数，返回 ``parse(number, cells) -> (值列表或 None, 问题列表)``。

    值列表按 COLUMNS 的顺序（与 parse_row 的字典同值）。CSV 的格子都是字符串，常见写法走快路径
    （一张按列预编的转换表，不建字典、不逐列判断类型）；任何不寻常之处（空白、别的日期写法、
    超长、超范围、前后矛盾、非字符串格子）都退回 parse_row，所以问题报告与逐列校验一字不差。
    """
    from datetime import datetime as _dt

    fromiso = _dt.fromisoformat
    position = {c.key: i for i, c in enumerate(COLUMNS)}
    defaults = [empty_case()[c.key] for c in COLUMNS]
    width = len(header)
    plan = []
    for index, column in enumerate(header):
        if column is None:
            continue
        slot = position[column.key]
        if column.kind == "text":
            limit = column.max_length

            def convert(raw, limit=limit):
                text = raw.strip()
                if len(text) > limit:
                    raise _Slow
                return text
        elif column.kind == "date":
            def convert(raw):
                moment = fromiso(raw)
                if moment.tzinfo is not None:
                    moment = moment.replace(tzinfo=None)
                if not 1990 <= moment.year <= 2099:  # 与 EARLIEST / LATEST 相同
                    raise _Slow
                return moment
        elif column.kind == "int":
            def convert(raw):
                number = int(raw)
                if number < 0 or number > 100000:
                    raise _Slow
                return number
        elif column.kind == "money":
            def convert(raw):
                amount = round(float(raw), 2)
                if amount < 0 or amount > 100_000_000:
                    raise _Slow
                return amount
        elif column.kind == "bool":
            convert = {"是": True, "1": True, "true": True, "True": True, "Y": True, "y": True,
                       "否": False, "0": False, "false": False, "False": False, "N": False, "n": False}.__getitem__
        else:  # choice
            convert = ({label: code for label, code in column.choices}
                       | {code: code for _, code in column.choices}).__getitem__
        plan.append((index, slot, convert, column.required))
    plan = tuple(plan)
    opened, decided, closed = position["opened_at"], position["decided_at"], position["closed_at"]
    hit, solved = position["hit_and_run"], position["hit_and_run_solved"]
    keys = [c.key for c in COLUMNS]
    assert EARLIEST == date(1990, 1, 1) and LATEST == date(2099, 12, 31)

    def parse(number: int, cells) -> tuple[list | None, list[Problem]]:
        try:
            if len(cells) != width:
                raise _Slow
            values = defaults.copy()
            for index, slot, convert, required in plan:
                raw = cells[index]
                if raw == "":
                    if required:
                        raise _Slow
                    continue
                values[slot] = convert(raw)
            if values[decided] < values[opened] or (values[closed] is not None and values[closed] < values[decided]):
                raise _Slow
            if values[solved] and not values[hit]:
                raise _Slow
            for index, slot, convert, required in plan:  # 全是空白的必填格：parse_row 报"必填"
                if required and not values[slot] and isinstance(values[slot], str):
                    raise _Slow
            return values, []
        except (_Slow, ValueError, KeyError, TypeError, AttributeError):
            case, problems = parse_row(number, header, cells)
            return (None if case is None else [case[key] for key in keys]), problems

    return parse


def _size_check(path: Path, limit: int) -> None:
    size = path.stat().st_size
    if size > limit:
        raise CaseFileError(Problem(0, "", "", f"文件 {size / 1024 ** 2:,.0f} MB，超过上限 "
                                               f"{limit / 1024 ** 2:,.0f} MB；请按月或按单位拆分后分别导入"))


def read_rows(path: str | Path, *, max_csv_bytes: int = MAX_CSV_BYTES,
              max_xlsx_bytes: int = MAX_XLSX_BYTES) -> tuple[list[Column | None], Iterator[tuple[int, list]]]:
    """打开 CSV（UTF-8 或 GBK，见 csvfile）或 .xlsx，返回 (表头, 逐行迭代器)；行号与表格软件里看到的一致。

    逐行读取，不把整个文件放进内存。文件中途损坏时迭代器抛出 CaseFileError，指明读到第几行。
    """
    path = Path(path)
    if not path.is_file():
        raise CaseFileError(Problem(0, "", str(path), "文件不存在"))
    if path.suffix.lower() == ".xlsx":
        _size_check(path, max_xlsx_bytes)
        return _read_xlsx(path)
    _size_check(path, max_csv_bytes)
    return _read_csv(path)


def _read_csv(path: Path):
    encoding = detect_encoding(path)
    handle = open(path, "rb")
    reader = csv.reader(decoded_lines(handle, encoding))
    try:
        first = next(reader, None)
    except UnicodeDecodeError:
        handle.close()
        raise CaseFileError(Problem(1, "", "", f"无法按 {encoding_label(encoding)} 编码读出表头；请在表格软件中另存为「CSV UTF-8」")) from None
    if first is None:
        handle.close()
        raise CaseFileError(Problem(1, "", "", "文件是空的"))
    try:
        header = resolve_header(first)
    except CaseFileError:
        handle.close()
        raise

    def rows():
        number = 1
        try:
            for number, cells in enumerate(reader, start=2):
                if any(cells):
                    yield number, cells
        except UnicodeDecodeError:
            raise CaseFileError(Problem(number + 1, "", "", f"此行不是 {encoding_label(encoding)} 编码（与文件开头不一致，可能已损坏）；此前各行不受影响")) from None
        except csv.Error as exc:
            raise CaseFileError(Problem(number + 1, "", "", f"CSV 格式错误（{exc}）")) from None
        finally:
            handle.close()

    return header, rows()


def _read_xlsx(path: Path):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        iterator = sheet.iter_rows(values_only=True)
        first = next(iterator, None)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, IndexError, EOFError) as exc:
        raise CaseFileError(Problem(1, "", "", f"不是完整的 .xlsx 文件（可能未传完或已损坏：{type(exc).__name__}）")) from None
    if first is None:
        workbook.close()
        raise CaseFileError(Problem(1, "", "", "工作表是空的"))
    try:
        header = resolve_header(list(first))
    except CaseFileError:
        workbook.close()
        raise

    def rows():
        number = 1
        try:
            for number, cells in enumerate(iterator, start=2):
                cells = list(cells)
                if any(c not in (None, "") for c in cells):
                    yield number, cells
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, KeyError) as exc:
            # 常见于只传了一半的文件：已读的行照常处理，报告指出从哪一行起读不下去。
            raise CaseFileError(Problem(number + 1, "", "", f".xlsx 文件在此行处损坏或被截断（{type(exc).__name__}）")) from None
        except Exception as exc:  # lxml/zlib 的各种截断错误类型不一，统一报告
            raise CaseFileError(Problem(number + 1, "", "", f".xlsx 文件在此行处损坏或被截断（{type(exc).__name__}）")) from None
        finally:
            workbook.close()

    return header, rows()


def write_csv(path: str | Path, cases) -> int:
    """把案件字典按中文表头写成 CSV（生成器与测试用）；返回行数。"""
    count = 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([c.header for c in COLUMNS])
        for case in cases:
            writer.writerow([format_value(c, case.get(c.key)) for c in COLUMNS])
            count += 1
    return count


def format_value(column: Column, value) -> str:
    if value is None or value == "":
        return ""
    if column.kind == "date":
        return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else str(value)
    if column.kind == "bool":
        return "是" if value else "否"
    if column.kind == "choice":
        return CHOICE_LABELS[column.key].get(value, value)
    if column.kind == "money":
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def csv_text(cases) -> str:  # pragma: no cover - convenience for tests in a REPL
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.header for c in COLUMNS])
    for case in cases:
        writer.writerow([format_value(c, case.get(c.key)) for c in COLUMNS])
    return buffer.getvalue()
