"""事项台账导出为 Excel（.xlsx）：列表页的同一地址加 ``export=xlsx``，筛选条件与可见范围同列表。

用 openpyxl 的只写（write-only）模式逐行写，边写边把 .xlsx 的字节流式发给浏览器
（StreamingHttpResponse）：工作表 XML 直接写进 zip 的一个条目（zip 不需回头改写，用数据描述符），
每写一批行就把已压缩好的字节交出去。于是二十万行的台账第一批字节不到一秒就到浏览器，
内存占用与行数无关，浏览器和代理都不会因为迟迟没有响应而超时（实测见 benchmarks/results.md）。

表格：首行表头冻结、各列有宽度、日期是真正的日期（不是文字）；以 =、+、-、@ 开头的文字一律存为文本
并加“文本前缀”（Excel 不会把它当公式算，也不会在编辑后变成公式），防止公式注入。
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from zipfile import ZIP_DEFLATED, ZipFile

from django.db.models import QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.writer.excel import ExcelWriter

from .models import Channel, MatterType, Petition, PetitionPetitioner, Status

BATCH = 2000
# Excel 一张表至多 1,048,576 行；再多的请缩小筛选范围（最后一行写明未导完）。
MAX_ROWS = 1_000_000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    title: str
    width: float
    kind: str = "text"  # text / date / int / bool


COLUMNS = (
    Column("事项编号", 17), Column("收到日期", 11, "date"), Column("渠道", 9), Column("信访人", 16),
    Column("事由", 40), Column("类别", 18), Column("事项类别", 12), Column("责任单位", 18), Column("承办人", 10),
    Column("状态", 14), Column("受理日期", 11, "date"), Column("当前期限", 11, "date"), Column("办结日期", 11, "date"),
    Column("信访件数", 8, "int"), Column("集体访", 7, "bool"), Column("越级访", 7, "bool"),
    Column("主管机关", 20), Column("关联执法案件编号", 22),
)
MATTER_FIELDS = ("pk", "number", "received_on", "title", "category__name", "category__parent__name", "matter_type",
                 "department__name", "handler__name", "status", "accepted_on", "current_due", "closed_on",
                 "petition_count", "is_collective", "is_skip_level", "competent_authority")
CHANNELS = dict(Channel.choices)
STATUSES = dict(Status.choices)
MATTER_TYPES = dict(MatterType.choices)


def safe_text(value: str) -> tuple[str, bool]:
    """(值, 是否像公式)：像公式的存为文本，不让 Excel 计算。"""
    return value, value.startswith(FORMULA_PREFIXES)


class _Sink:
    """只进不退的字节缓冲：zipfile 往里写，生成器每批取走。"""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        if data:
            self.parts.append(bytes(data))
            self.size += len(data)
        return len(data)

    def tell(self) -> int:
        return self.size

    def seekable(self) -> bool:
        return False

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


class _StreamedExcelWriter(ExcelWriter):
    """工作表已经边写边进了 zip：这里只登记它（关系、清单），不再复制临时文件。"""

    def write_worksheet(self, ws):
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        ws._rels = ws._writer._rels
        self.manifest.append(ws)


def _cells(ws, row: list, styles: dict) -> list:
    cells = []
    for column, value in zip(COLUMNS, row):
        if value is None or value == "":
            cells.append(None)
            continue
        if column.kind == "bool":
            value = "是" if value else "否"
        cell = WriteOnlyCell(ws, value=value)
        if column.kind == "date":
            cell.number_format = "yyyy-mm-dd"
        elif column.kind == "text":
            text, formula_like = safe_text(str(value))
            if formula_like:
                cell.value = text
                cell.data_type = "s"  # 文本，不是公式
                cell.quotePrefix = True
        cells.append(cell)
    return cells


def stream_xlsx(rows: Iterable[list], *, title: str = "信访事项台账", note: str = "") -> Iterator[bytes]:
    """把若干行（按 COLUMNS 的顺序）写成 .xlsx，边写边交出字节。"""
    sink = _Sink()
    archive = ZipFile(sink, "w", ZIP_DEFLATED, allowZip64=True)
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(title[:31])
    ws._id = 1
    for index, column in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = "A2"
    entry = archive.open(ws.path[1:], "w", force_zip64=True)
    ws._writer = WorksheetWriter(ws, out=entry)
    ws._writer.write_top()
    header_font, header_fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    header = []
    for column in COLUMNS:
        cell = WriteOnlyCell(ws, value=column.title)
        cell.font, cell.fill = header_font, header_fill
        cell.alignment = Alignment(horizontal="center")
        header.append(cell)
    ws.append(header)
    yield sink.drain()
    styles: dict = {}
    for count, row in enumerate(rows, start=1):
        ws.append(_cells(ws, row, styles))
        if count % BATCH == 0:
            yield sink.drain()
    if note:
        ws.append([note])
    ws.close()
    entry.close()
    _StreamedExcelWriter(workbook, archive).save()
    yield sink.drain()


# -- 台账的行 --------------------------------------------------------------------------------


def _category(name: str | None, parent: str | None) -> str:
    if not name:
        return ""
    return f"{parent} / {name}" if parent else name


def matter_rows(queryset: QuerySet, *, order: tuple[str, ...], ids: list[int] | None = None) -> Iterator[list]:
    """台账的每一行：事项的列加上首件信访件的渠道、全部信访人姓名与关联案件编号（每批一次查询）。

    `ids` 给定时（检索结果）按它的顺序只导出这些事项；否则按 `order` 导出 queryset 的全部。
    """
    if ids is not None:
        def source() -> Iterator[tuple]:
            for start in range(0, len(ids), BATCH):
                chunk = ids[start:start + BATCH]
                found = {row[0]: row for row in queryset.filter(pk__in=chunk).values_list(*MATTER_FIELDS)}
                yield from (found[pk] for pk in chunk if pk in found)
        matters = source()
    else:
        matters = queryset.order_by(*order).values_list(*MATTER_FIELDS).iterator(chunk_size=BATCH)
    batch: list[tuple] = []
    written = 0
    for matter in matters:
        batch.append(matter)
        if len(batch) >= BATCH:
            yield from _with_petitions(batch)
            written += len(batch)
            batch = []
            if written >= MAX_ROWS:
                yield [f"已导出前 {MAX_ROWS} 行（Excel 一张表的上限附近），其余请缩小筛选范围后再导出。"]
                return
    yield from _with_petitions(batch)


def _with_petitions(batch: list[tuple]) -> Iterator[list]:
    if not batch:
        return
    ids = [row[0] for row in batch]
    channel: dict[int, str] = {}
    cases: dict[int, list[str]] = {}
    petition_matter: dict[int, int] = {}
    for pk, matter_id, ch, numbers in (Petition.objects.filter(matter_id__in=ids)
                                       .order_by("received_at", "id")
                                       .values_list("pk", "matter_id", "channel", "case_numbers")):
        petition_matter[pk] = matter_id
        channel.setdefault(matter_id, CHANNELS.get(ch, ch))
        if numbers and numbers not in cases.setdefault(matter_id, []):
            cases[matter_id].append(numbers)
    names: dict[int, list[str]] = {}
    for petition_id, name in (PetitionPetitioner.objects.filter(petition_id__in=list(petition_matter))
                              .order_by("petition_id", "id").values_list("petition_id", "petitioner__name")):
        people = names.setdefault(petition_matter[petition_id], [])
        if name not in people:
            people.append(name)
    for (pk, number, received, title, category, parent, matter_type, department, handler, status, accepted,
         due, closed, count, collective, skip_level, authority) in batch:
        yield [number, received, channel.get(pk, ""), "、".join(names.get(pk, [])), title, _category(category, parent),
               MATTER_TYPES.get(matter_type, matter_type), department, handler or "", STATUSES.get(status, status),
               accepted, due, closed, count, collective, skip_level, authority, "；".join(cases.get(pk, []))]


def filename(today: date) -> str:
    return f"信访事项台账-{today:%Y%m%d}.xlsx"
