"""信访台账文件（.xlsx / CSV，UTF-8 或 GBK）：列与本系统字段的对应（按中文表头与英文别名自动对应，可改），逐行读取与解析。

不依赖数据库：查单位、类别、事项的表由调用方（imports.py）给。问题按（行, 列, 值, 原因）报告，行号与表格软件一致。
"""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from xinfang.ml.csvfile import decoded_lines, detect_encoding, encoding_label

MAX_CSV_BYTES = 512 * 1024 ** 2
MAX_XLSX_BYTES = 200 * 1024 ** 2
PREVIEW_ROWS = 10
SEPARATORS = re.compile(r"[、；;，,/]+")


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    hint: str = ""


FIELDS: tuple[Field, ...] = (
    Field("source_id", "来源编号", ("原编号", "记录编号", "台账编号", "编号", "序号", "source_id", "record_id", "id"),
          required=True, hint="对方系统里这条记录的编号：与来源系统一起决定是不是同一条，再导入不会重复"),
    Field("channel", "渠道", ("来源渠道", "信访形式", "信访方式", "形式", "方式", "channel")),
    Field("received_at", "收到时间", ("收到日期", "登记时间", "登记日期", "信访时间", "信访日期", "来信来访日期", "日期",
                                      "时间", "received_at", "date", "time"), required=True),
    Field("petitioner_name", "信访人", ("姓名", "信访人姓名", "来访人", "反映人", "name", "petitioner"), required=True,
          hint="多人用顿号分隔"),
    Field("content", "信访内容", ("主要内容", "反映内容", "反映问题", "内容", "问题", "content", "summary"), required=True),
    Field("title", "事由", ("标题", "title", "subject")),
    Field("requests", "诉求", ("信访诉求", "主要诉求", "requests", "demand")),
    Field("id_number", "身份证号", ("身份证号码", "证件号码", "公民身份号码", "身份证", "id_number", "id_card"),
          hint="多人时与信访人一一对应，用顿号分隔"),
    Field("phone", "联系电话", ("电话", "手机", "手机号", "联系方式", "phone", "mobile", "tel")),
    Field("address", "通讯地址", ("地址", "住址", "联系地址", "address")),
    Field("petitioner_kind", "信访人类型", ("类型", "个人或单位", "petitioner_kind", "kind")),
    Field("head_count", "人数", ("来访人数", "信访人数", "head_count", "people")),
    Field("representatives", "代表", ("代表人", "代表姓名", "representatives"), hint="五人以上走访须写明代表（1 至 5 人）"),
    Field("involved_department", "涉及单位", ("被反映单位", "涉及单位代码", "单位代码", "involved_department", "department"),
          hint="单位代码或单位全称"),
    Field("involved_officer", "涉及民警", ("被反映民警", "involved_officer", "officer")),
    Field("case_numbers", "关联执法案件编号", ("案件编号", "执法案件编号", "case_numbers", "case_no")),
    Field("category", "类别", ("信访类别", "问题类别", "category")),
    Field("competent_authority", "主管机关", ("有权处理机关", "competent_authority", "authority")),
    Field("is_skip_level", "越级访", ("是否越级", "越级", "skip_level", "is_skip_level")),
    Field("matter_number", "事项编号", ("关联事项编号", "已有事项编号", "matter_number", "matter")),
)
BY_KEY = {f.key: f for f in FIELDS}
REQUIRED = tuple(f.key for f in FIELDS if f.required)


def _norm(header) -> str:
    text = str(header or "").strip().lstrip("\ufeff").lower()
    return re.sub(r"[\s_\-（）()【】\[\]:：*＊]", "", text)


_ALIASES: dict[str, str] = {}
for _f in FIELDS:
    for _name in (_f.label, _f.key, *_f.aliases):
        _ALIASES.setdefault(_norm(_name), _f.key)


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    value: str
    why: str

    def __str__(self) -> str:
        where = f"第 {self.row} 行" + (f"「{self.column}」列" if self.column else "")
        shown = f"值「{self.value[:40]}」" if self.value else ""
        return f"{where}{shown}：{self.why}"

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value[:60], "why": self.why}


class LedgerError(Exception):
    """整个文件不能用（不是 .xlsx / CSV、编码不对、空文件、损坏）。"""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


def auto_mapping(header: list[str]) -> dict[str, str]:
    """按表头自动对应：{列序号: 字段}；认不出的列不导入，同一字段只取第一列。"""
    mapping, taken = {}, set()
    for index, name in enumerate(header):
        key = _ALIASES.get(_norm(name))
        if key and key not in taken:
            mapping[str(index)] = key
            taken.add(key)
    return mapping


def mapping_problems(mapping: dict[str, str], header: list[str]) -> list[str]:
    """列对应的问题（中文）：未知字段、同一字段对两列、缺必填字段。"""
    problems, seen = [], {}
    for index, key in sorted(mapping.items(), key=lambda item: int(item[0])):
        if not key:
            continue
        if key not in BY_KEY:
            problems.append(f"第 {int(index) + 1} 列：没有「{key}」这个字段")
            continue
        if not index.isdigit() or int(index) >= len(header):
            problems.append(f"第 {index} 列不存在")
            continue
        if key in seen:
            problems.append(f"「{BY_KEY[key].label}」同时对应了第 {seen[key] + 1} 列和第 {int(index) + 1} 列，只能对应一列")
        seen.setdefault(key, int(index))
    missing = [BY_KEY[key].label for key in REQUIRED if key not in seen]
    if missing:
        problems.append(f"必须对应的字段还没有对应到列：{'、'.join(missing)}")
    return problems


# -- 读文件 ------------------------------------------------------------------------------


def _size_check(path: Path, limit: int) -> None:
    size = path.stat().st_size
    if size > limit:
        raise LedgerError(Problem(0, "", "", f"文件 {size / 1024 ** 2:,.0f} MB，超过上限 {limit / 1024 ** 2:,.0f} MB；请拆分后分别导入"))


def open_table(path: str | Path) -> tuple[list[str], Iterator[tuple[int, list]]]:
    """打开 .xlsx（第一个工作表）或 CSV（UTF-8 或 GBK，见 xinfang.ml.csvfile），返回（表头, 逐行迭代器）；逐行读，不把整个文件放进内存。"""
    path = Path(path)
    if not path.is_file():
        raise LedgerError(Problem(0, "", str(path), "文件不存在"))
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        _size_check(path, MAX_XLSX_BYTES)
        return _xlsx(path)
    if suffix != ".csv":
        raise LedgerError(Problem(0, "", path.name, "只接受 .xlsx 或 CSV（UTF-8 或 GBK）文件"))
    _size_check(path, MAX_CSV_BYTES)
    return _csv(path)


def _csv(path: Path):
    encoding = detect_encoding(path)
    handle = open(path, "rb")
    reader = csv.reader(decoded_lines(handle, encoding))
    try:
        first = next(reader, None)
    except (UnicodeDecodeError, csv.Error):
        handle.close()
        raise LedgerError(Problem(1, "", "", f"无法按 {encoding_label(encoding)} 编码读出表头；请在表格软件中另存为「CSV UTF-8」")) from None
    if not first or not any(cell.strip() for cell in first):
        handle.close()
        raise LedgerError(Problem(1, "", "", "文件是空的，或第一行不是表头"))

    def rows():
        number = 1
        try:
            for number, cells in enumerate(reader, start=2):
                if any(cell.strip() for cell in cells):
                    yield number, cells
        except UnicodeDecodeError:
            raise LedgerError(Problem(number + 1, "", "", f"此行不是 {encoding_label(encoding)} 编码（与文件开头不一致，可能已损坏）；此前各行不受影响")) from None
        except csv.Error as exc:
            raise LedgerError(Problem(number + 1, "", "", f"CSV 格式错误（{exc}）")) from None
        finally:
            handle.close()

    return [str(c).strip().lstrip("\ufeff") for c in first], rows()


def _xlsx(path: Path):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
        iterator = workbook.worksheets[0].iter_rows(values_only=True)
        first = next(iterator, None)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, IndexError, EOFError) as exc:
        raise LedgerError(Problem(1, "", "", f"不是完整的 .xlsx 文件（可能未传完或已损坏：{type(exc).__name__}）")) from None
    if first is None or not any(c not in (None, "") for c in first):
        workbook.close()
        raise LedgerError(Problem(1, "", "", "工作表是空的，或第一行不是表头"))

    def rows():
        number = 1
        try:
            for number, cells in enumerate(iterator, start=2):
                if any(c not in (None, "") for c in cells):
                    yield number, list(cells)
        except Exception as exc:  # zip / lxml 的截断错误类型不一，统一报告读到哪一行
            raise LedgerError(Problem(number + 1, "", "", f".xlsx 文件在此行处损坏或被截断（{type(exc).__name__}）")) from None
        finally:
            workbook.close()

    return [_cell_text(c) for c in first], rows()


def preview(path: str | Path, limit: int = PREVIEW_ROWS) -> tuple[list[str], list[list[str]]]:
    """表头与前几行（给列对应页预览）。"""
    header, rows = open_table(path)
    shown = []
    for _, cells in rows:
        shown.append([_cell_text(c) for c in cells] + [""] * (len(header) - len(cells)))
        if len(shown) >= limit:
            break
    rows.close()
    return header, shown


def count_rows(path: str | Path) -> int:
    """进度条用的总行数估计：CSV 数换行符，.xlsx 取工作表登记的尺寸。"""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        try:
            from openpyxl import load_workbook

            workbook = load_workbook(path, read_only=True)
            rows = workbook.worksheets[0].max_row or 0
            workbook.close()
            return max(rows - 1, 0)
        except Exception:  # noqa: BLE001 - 估计不出来就不显示百分比
            return 0
    count = 0
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            count += block.count(b"\n")
    return max(count - 1, 0)


# -- 解析一行 ----------------------------------------------------------------------------


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") if value.time() != time(0) else value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d",
                 "%Y.%m.%d", "%Y%m%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M")


def parse_moment(value) -> datetime | None:
    """台账里的时间：Excel 的日期单元格，或 2026-03-01 / 2026/3/1 09:30 / 2026年3月1日 等文字。无时区（本地时间）。"""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time(0))
    text = _cell_text(value)
    text = re.sub(r"(\d{4})年(\d{1,2})月(\d{1,2})日?", r"\1-\2-\3", text).strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


YES = {"是", "y", "yes", "true", "1", "√", "越级"}
NO = {"否", "n", "no", "false", "0", ""}


@dataclass
class Person:
    name: str
    id_number: str = ""
    phone: str = ""
    address: str = ""
    is_representative: bool = False


@dataclass
class LedgerRow:
    number: int
    source_id: str
    values: dict[str, str]  # 逐字段的规范文本（算内容摘要用）
    channel: str = ""
    received_at: datetime | None = None
    people: list[Person] = field(default_factory=list)
    head_count: int = 1
    kind: str = "person"
    is_skip_level: bool = False


def split_names(text: str) -> list[str]:
    return [part.strip() for part in SEPARATORS.split(text) if part.strip()]


def parse_row(number: int, cells: list, mapping: dict[str, str], *, channels: dict[str, str],
              kinds: dict[str, str], default_channel: str = "") -> tuple[LedgerRow | None, list[Problem]]:
    """把一行读成 LedgerRow（不查库的部分）；有问题返回 (None, 问题)。单位、类别、事项由调用方再核对。"""
    raw = {key: cells[int(index)] if int(index) < len(cells) else None for index, key in mapping.items() if key}
    values = {key: _cell_text(value) for key, value in raw.items()}
    problems: list[Problem] = []

    def bad(key: str, why: str) -> None:
        problems.append(Problem(number, BY_KEY[key].label, values.get(key, ""), why))

    for key in REQUIRED:
        if not values.get(key):
            bad(key, "必填，不能为空")
    for key, limit in (("source_id", 80), ("title", 120), ("involved_officer", 60), ("case_numbers", 200),
                       ("competent_authority", 60), ("content", 10000), ("requests", 5000), ("address", 200)):
        if len(values.get(key, "")) > limit:
            bad(key, f"不能超过 {limit} 个字，现有 {len(values[key])} 个")
    row = LedgerRow(number=number, source_id=values.get("source_id", ""), values=values)
    channel_text = values.get("channel", "") or default_channel
    row.channel = channels.get(channel_text.strip().lower(), "")
    if not row.channel:
        if channel_text:
            bad("channel", "不认识的渠道；应为：" + "、".join(dict.fromkeys(v for v in channels if not v.isascii())))
        else:
            problems.append(Problem(number, "渠道", "", "未填渠道：请在文件中加「渠道」列，或在导入时选默认渠道"))
    if values.get("received_at"):
        row.received_at = parse_moment(raw["received_at"])
        if row.received_at is None:
            bad("received_at", "不是有效的日期或时间（如 2026-03-01 或 2026-03-01 09:30）")
        elif row.received_at.year < 1990:
            bad("received_at", "日期早于 1990 年，可能是空单元格或输入错误")
    kind_text = values.get("petitioner_kind", "")
    if kind_text:
        row.kind = kinds.get(kind_text.lower(), "")
        if not row.kind:
            bad("petitioner_kind", "应为「个人」或「单位」")
    names = split_names(values.get("petitioner_name", ""))
    ids = split_names(values.get("id_number", ""))
    phones = split_names(values.get("phone", ""))
    for key, items in (("id_number", ids), ("phone", phones)):
        if len(items) > 1 and len(items) != len(names):
            bad(key, f"有 {len(items)} 个号码、{len(names)} 名信访人：多人时须一一对应，用顿号分隔")
    row.people = [Person(name=name,
                         id_number=(ids[i] if len(ids) == len(names) else ids[0] if ids and i == 0 else "").upper(),
                         phone=phones[i] if len(phones) == len(names) else phones[0] if phones and i == 0 else "",
                         address=values.get("address", "") if i == 0 else "")
                  for i, name in enumerate(names)]
    for name in split_names(values.get("representatives", "")):
        person = next((p for p in row.people if p.name == name), None)
        if person is None:
            person = Person(name=name)
            row.people.append(person)
        person.is_representative = True
    head = values.get("head_count", "")
    if head:
        try:
            row.head_count = int(float(head))
        except ValueError:
            bad("head_count", "人数应为整数")
    else:
        row.head_count = max(1, len(row.people))
    skip = values.get("is_skip_level", "").lower()
    if skip in YES:
        row.is_skip_level = True
    elif skip not in NO:
        bad("is_skip_level", "应为「是」或「否」")
    return (None if problems else row), problems
