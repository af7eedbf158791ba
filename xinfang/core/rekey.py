"""换密钥：把用旧密钥写的密文与盲索引改用当前（第一把）密钥，逐批、每批一个事务，可中断后重跑。"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import connection, transaction

from . import crypto
from .fields import EncryptedField


@dataclass
class Rotated:
    model: str
    rows: int
    values: int


def sealed_models() -> list[tuple[type, list[EncryptedField]]]:
    """有加密字段的模型及其加密字段。"""
    found = []
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedField)]
        if fields and not model._meta.proxy:
            found.append((model, fields))
    return found


def rotate_keys(*, batch: int = 1_000, progress=None) -> list[Rotated]:
    """逐个模型按主键分批：读原始密文，不是当前密钥写的就解密、用当前密钥重新加密并重算盲索引。

    只读写原始列（不经 from_db_value），已是当前密钥的行不动，所以中断后重跑只做剩下的。
    """
    current = crypto.current_key().id
    results = []
    for model, fields in sealed_models():
        table, pk = model._meta.db_table, model._meta.pk.column
        qn = connection.ops.quote_name
        columns = ", ".join(qn(f.column) for f in fields)
        index_fields = {f.name: model._meta.get_field(f.index_field) for f in fields if f.index_field}
        sets = [f"{qn(f.column)} = %s" for f in fields] + [f"{qn(i.column)} = %s" for i in index_fields.values()]
        update = f"UPDATE {qn(table)} SET {', '.join(sets)} WHERE {qn(pk)} = %s"
        last, rows_done, values_done = None, 0, 0
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                where, params = (f"WHERE {qn(pk)} > %s", [last]) if last is not None else ("", [])
                cursor.execute(f"SELECT {qn(pk)}, {columns} FROM {qn(table)} {where} ORDER BY {qn(pk)} LIMIT %s",
                               [*params, batch])
                rows = cursor.fetchall()
                if not rows:
                    break
                last = rows[-1][0]
                changes = []
                for row_pk, *tokens in rows:
                    stale = [t for t in tokens if t and crypto.key_id_of(t) != current]
                    if not stale:
                        continue
                    plain = [crypto.decrypt(t, context=f.context) for f, t in zip(fields, tokens)]
                    sealed = [crypto.encrypt(v, context=f.context) for f, v in zip(fields, plain)]
                    indexes = [f.current_index(v) for f, v in zip(fields, plain) if f.name in index_fields]
                    changes.append([*sealed, *indexes, row_pk])
                    values_done += len(stale)
                if changes:
                    cursor.executemany(update, changes)
                rows_done += len(changes)
            if progress:
                progress(model._meta.label, rows_done)
        results.append(Rotated(model._meta.label, rows_done, values_done))
    return results
