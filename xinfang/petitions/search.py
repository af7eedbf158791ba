"""事项全文检索（含中文）：把文本切成汉字二元组（bigram）与英数词，存入一张检索表。

SQLite 用 FTS5 虚拟表，PostgreSQL 用 text[] 列加 GIN 索引；两边的切词完全相同，
所以同一查询在两种数据库上命中同一批事项。查询词的每个词元都须出现（AND）。
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable

from django.db import connection

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN_RUNS = re.compile(rf"[{_CJK}]+|[0-9a-z]+")
_IS_CJK = re.compile(rf"[{_CJK}]")
TABLE = "petitions_matter_search"


def tokens(text: str) -> list[str]:
    """切词：连续汉字切成相邻二元组（单个汉字保留本身），英文与数字按词。结果去重、保序。"""
    text = unicodedata.normalize("NFKC", text or "").lower()
    out: dict[str, None] = {}
    for run in _TOKEN_RUNS.findall(text):
        if _IS_CJK.match(run):
            if len(run) == 1:
                out[run] = None
            for i in range(len(run) - 1):
                out[run[i : i + 2]] = None
        else:
            out[run] = None
    for plate in plate_tokens(text):  # “A·12345”写法的号牌：另加整体词元，按号牌检索时也能命中
        out[plate] = None
    return list(out)


def matter_text(matter) -> str:
    """事项的全部可检索文本：编号、事由、内容、诉求，以及后来各件信访件的内容。"""
    later = matter.petitions.values_list("content", flat=True)[1:] if matter.pk else []
    return " ".join(filter(None, [matter.number, matter.title, matter.summary, matter.requests, *later]))


def index_matters(pairs: Iterable[tuple[int, str]]) -> None:
    """（重新）索引一批事项：(事项 id, 文本)。在调用方的事务里执行。"""
    rows = [(pk, tokens(text)) for pk, text in pairs]
    if not rows:
        return
    with connection.cursor() as cursor:
        ids = [pk for pk, _ in rows]
        if connection.vendor == "postgresql":
            cursor.execute(f"DELETE FROM {TABLE} WHERE matter_id = ANY(%s)", [ids])
            cursor.executemany(f"INSERT INTO {TABLE} (matter_id, tokens) VALUES (%s, %s)", rows)
        else:
            cursor.executemany(f"DELETE FROM {TABLE} WHERE rowid = %s", [(pk,) for pk in ids])
            cursor.executemany(
                f"INSERT INTO {TABLE} (rowid, doc) VALUES (%s, %s)", [(pk, " ".join(t)) for pk, t in rows]
            )


def matching_ids(query: str, *, before: int | None = None, limit: int = 2000) -> list[int]:
    """命中查询的事项 id，从大到小（即从新到旧），只取小于 `before` 的至多 `limit` 个。"""
    words = query_tokens(query)
    if not words:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            return _matching_ids_postgresql(cursor, words, before, limit)
        sql = f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s"
        params: list = [" AND ".join('"' + w.replace('"', "") + '"' for w in words)]
        if before is not None:
            sql += " AND rowid < %s"
            params.append(before)
        cursor.execute(f"{sql} ORDER BY rowid DESC LIMIT %s", [*params, limit])
        return [row[0] for row in cursor.fetchall()]


PG_PROBE = 2_000
PG_WINDOW = 50_000


def _matching_ids_postgresql(cursor, words: list[str], before: int | None, limit: int) -> list[int]:
    if before is None:
        cursor.execute(f"SELECT max(matter_id) FROM {TABLE}")
        top = cursor.fetchone()[0]
        if top is None:
            return []
        before = top + 1
    # 常见词（如"电子警察"，一成多的事项都有）：GIN 每次都要读完它十几万条的倒排链。先沿主键从新到旧
    # 直接读最近的一小段、逐行核对，命中多时几千行内就凑满；OFFSET 0 让子查询保持按主键扫描。
    low = max(0, before - PG_PROBE)
    cursor.execute(
        f"SELECT matter_id FROM (SELECT matter_id, tokens FROM {TABLE} WHERE matter_id < %s AND matter_id >= %s "
        "ORDER BY matter_id DESC OFFSET 0) recent WHERE tokens @> %s::text[] LIMIT %s",
        [before, low, words, limit],
    )
    found = [row[0] for row in cursor.fetchall()]
    before = low
    # 罕见词（如号牌）：按 id 分段（从新到旧）用 GIN 取，每段里 GIN 命中与主键区间求交，只回表这一段。
    # 命中放进 MATERIALIZED 的 CTE 再排序取前几条：否则规划器按 LIMIT 去倒着扫主键、逐行核对，
    # 罕见词要读完几十万行（实测 1.6 秒）。
    window = PG_WINDOW
    while before > 0 and len(found) < limit:
        low = max(0, before - window)
        window *= 4  # 几段就扫完全部，不必一段段走到底
        cursor.execute(
            f"WITH hits AS MATERIALIZED (SELECT matter_id FROM {TABLE} WHERE tokens @> %s::text[] "
            "AND matter_id < %s AND matter_id >= %s) SELECT matter_id FROM hits ORDER BY matter_id DESC LIMIT %s",
            [words, before, low, limit - len(found)],
        )
        found += [row[0] for row in cursor.fetchall()]
        before = low
    return found


# -- 检索词是什么：身份证号、电话、号牌、事项编号、案件编号、姓名，还是一段文字 -----------------------

# 号牌：省份简称（可省略）+ 发牌机关代号字母 + 5 位（新能源 6 位）字母数字，可带“·”“-”或空格。
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE = re.compile(rf"^([{PROVINCES}]?)([A-Z])[·.\-\s]?([A-Z0-9]{{5,6}})$")
_ID_NUMBER = re.compile(r"^(\d{17}[\dX]|\d{15}|[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10})$")
_MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
_MATTER_NUMBER = re.compile(r"^XF\d{8,16}$")
_CASE_NUMBER = re.compile(r"^[0-9A-Z][0-9A-Z\-_/]{3,39}$")
# 姓名：2–6 个汉字，少数民族姓名可带间隔号（最长 15 个字）。
_NAME = re.compile(rf"^(?:[{_CJK}]{{2,6}}|[{_CJK}]+[·•][{_CJK}·•]+)$")
# 查询词最多用这么多个词元：五百字的检索词也照常作答（用前面的词），不会拖垮检索表。
MAX_QUERY_TOKENS = 24


def plate_body(text: str) -> str:
    """号牌去掉省份简称与分隔符后的部分（粤A12345、粤A·12345、A12345 都是 A12345）；不像号牌时为空串。"""
    text = unicodedata.normalize("NFKC", text or "").strip().upper()
    found = _PLATE.match(text)
    if not found or not any(ch.isdigit() for ch in found.group(3)):
        return ""
    return found.group(2) + found.group(3)


def plate_tokens(text: str) -> list[str]:
    """文本里号牌的整体词元（a12345）：写作“A·12345”时切词会断开，另加一个整体的。"""
    text = unicodedata.normalize("NFKC", text or "").upper()
    return [(m.group(1) + m.group(2)).lower()
            for m in re.finditer(r"(?<![A-Z0-9])([A-Z])[·.\-\s]([A-Z0-9]{5,6})(?![A-Z0-9])", text)
            if any(ch.isdigit() for ch in m.group(2))]


def query_tokens(query: str) -> list[str]:
    """查询词的词元；号牌先去掉省份简称（“粤A12345”只查 a12345，与文本里写不写“粤”无关）。
    词元过多时只用前 MAX_QUERY_TOKENS 个（结果只会多，不会漏）。"""
    parts = []
    for word in unicodedata.normalize("NFKC", query or "").split():
        body = plate_body(word)
        parts.append(body or word)
    return tokens(" ".join(parts))[:MAX_QUERY_TOKENS]


@dataclass(frozen=True)
class Terms:
    """一个检索词被认作什么。`personal`：是个人资料（身份证号、电话、号牌、姓名），检索要记审计。"""

    text: str  # 全文检索用的词（原样）
    id_number: str = ""
    phone: str = ""
    plate: str = ""
    matter_number: str = ""
    case_number: str = ""
    name: str = ""

    @property
    def personal(self) -> bool:
        return bool(self.id_number or self.phone or self.plate or self.name)

    @property
    def kind(self) -> str:
        for label, value in (("身份证号", self.id_number), ("电话", self.phone), ("号牌", self.plate),
                             ("事项编号", self.matter_number), ("案件编号", self.case_number), ("姓名", self.name)):
            if value:
                return label
        return "全文"


def classify(query: str) -> Terms:
    """认出检索词：整串是身份证号、电话、号牌、事项编号时只按它查（走索引）；像姓名的（2–6 个汉字）
    既按信访人姓名查（有这个人时），也做全文检索；像案件编号的（字母数字）既查案件编号，也做全文检索。"""
    text = unicodedata.normalize("NFKC", query or "").strip()
    compact = re.sub(r"\s+", "", text).upper()
    if _ID_NUMBER.match(compact):
        return Terms(text, id_number=compact)
    dialled = re.sub(r"[\s\-()（）]", "", text)
    if _MOBILE.match(dialled) or _LANDLINE.match(text.replace(" ", "")):
        return Terms(text, phone=dialled)
    if _MATTER_NUMBER.match(compact):
        return Terms(text, matter_number=compact)
    if body := plate_body(compact):
        return Terms(text, plate=body)
    if _NAME.match(text) and len(text) <= 15:
        return Terms(text, name=text)
    if _CASE_NUMBER.match(compact) and any(ch.isdigit() for ch in compact):
        return Terms(text, case_number=compact)
    return Terms(text)
