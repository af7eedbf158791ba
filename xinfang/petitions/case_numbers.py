"""信访件的「关联执法案件编号」：拆成一个个规范化的编号，存入有索引的 PetitionCaseNumber（信访件 × 编号）。

写 Petition.case_numbers 的地方（登记、成批登记、更正、造数）都经这里同步写索引表，同一事务；检索
（listing.lookup_ids）按编号查索引，不再逐行 LIKE 扫描信访件。原来的 case_numbers 列照旧保存原文
（事项页、台账、案件排查的关联都读它）。
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from django.db import connection

from .models import Petition, PetitionCaseNumber

# 与案件排查（screening.risk.CASE_NO_SPLIT）同样的分隔符：空白、逗号、顿号、分号、斜杠。
SPLIT = re.compile(r"[\s,，、;；/]+")
MAX_LENGTH = PetitionCaseNumber._meta.get_field("number").max_length


def parse(text: str) -> list[str]:
    """一段「关联执法案件编号」里的各个编号：全角转半角、大写，去重保序（“2026a00042，2026A00042”只算一个）。"""
    text = unicodedata.normalize("NFKC", text or "").upper()
    return list(dict.fromkeys(n for n in SPLIT.split(text) if n and len(n) <= MAX_LENGTH))


def store(petitions: Iterable[Petition]) -> None:
    """按这些信访件当前的 case_numbers 重写它们在索引表里的行（先删后插）。在调用方的事务里调用。"""
    petitions = [p for p in petitions if p.pk]
    if not petitions:
        return
    PetitionCaseNumber.objects.filter(petition_id__in=[p.pk for p in petitions]).delete()
    insert((p.pk, p.case_numbers) for p in petitions)


def insert(pairs: Iterable[tuple[int, str]]) -> int:
    """新信访件（id, case_numbers 原文）的索引行，一条 executemany 写入（造数、成批登记用）。返回行数。"""
    rows = [(pk, number) for pk, text in pairs if text for number in parse(text)]
    if not rows:
        return 0
    table = PetitionCaseNumber._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # executemany 在 PostgreSQL 上逐行往返（造数时每批几千行）；COPY 一次写完。
            with cursor.copy(f"COPY {table} (petition_id, number) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO {table} (petition_id, number) VALUES (%s, %s)", rows)
    return len(rows)


def petitions_with(query: str):
    """关联了这个案件编号的信访件（id 的子查询）。查询里有分隔符（“2026/123”）时须每一段都对上。"""
    numbers = parse(query)
    if not numbers:
        return Petition.objects.none().values("pk")
    ids = PetitionCaseNumber.objects.filter(number=numbers[0]).values_list("petition_id", flat=True)
    for number in numbers[1:]:
        ids = ids.filter(petition_id__in=PetitionCaseNumber.objects.filter(number=number).values("petition_id"))
    return ids
