"""大批导入期间暂缓维护案件表的次要索引，导入结束时一次建回。

往一张带 8 个索引的表里逐批插入几百万行，大半时间花在维护索引上；导入本身只需要主键与案件编号的
唯一索引（查"哪些已有"）。所以一次要读的行很多时（不少于 DEFER_MIN_ROWS，且多于表里已有件数的两倍），
导入先把其余索引的建索引语句记进 `DeferredIndex`、再删掉索引（同一个事务），导入完（成功或中途失败）
按记录逐个重建，每建好一个就在同一事务里删掉它的记录。

所以"还缺哪些索引"总有记录可查：进程中途被杀，记录还在；下一次导入（续传）、`score-cases`、
每月生成排查、`xinfang import-cases --build-indexes` 都先把记录里的索引建完；页面在有记录时明说
"索引待重建"，不会悄悄地慢。唯一索引与主键从不删，所以按案件编号的幂等更新始终成立。
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import connection, transaction

from .models import DeferredIndex, EnforcementCase

DEFER_MIN_ROWS = 200_000


def _table() -> str:
    return EnforcementCase._meta.db_table


def secondary_indexes() -> list[tuple[str, str]]:
    """案件表现有的非唯一索引：(名称, 建索引语句)，语句取自数据库自己的目录，建回时一字不差。"""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                           "AND sql IS NOT NULL ORDER BY name", [_table()])
        elif connection.vendor == "postgresql":
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                           "AND tablename = %s ORDER BY indexname", [_table()])
        else:
            return []
        rows = cursor.fetchall()
    return [(name, sql) for name, sql in rows if not sql.lstrip().upper().startswith("CREATE UNIQUE")]


def should_defer(rows_to_import: int) -> bool:
    """要读的行多到重建索引比逐行维护便宜：至少 DEFER_MIN_ROWS 行，且多于表里已有件数的两倍
    （空表上的大导入暂缓；同一文件再导入一次、或往大表里补一个月的案件，照常逐行维护）。"""
    if rows_to_import < DEFER_MIN_ROWS or connection.vendor not in ("sqlite", "postgresql"):
        return False
    return rows_to_import > 2 * EnforcementCase.objects.count()


def defer(*, run=None) -> int:
    """记下并删掉案件表的次要索引（一个事务：要么都记下且删掉，要么都不动）；返回删掉的个数。"""
    with transaction.atomic():
        found = secondary_indexes()
        qn = connection.ops.quote_name
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                _no_pending_checks(cursor)
            for name, sql in found:
                DeferredIndex.objects.update_or_create(name=name, defaults={"table": _table(), "sql": sql, "run": run})
                cursor.execute(f"DROP INDEX {qn(name)}")
    return len(found)


def _no_pending_checks(cursor) -> None:
    """PostgreSQL 不许在有待检查的延迟外键的事务里改表的索引；在外层事务里（如测试）先把检查做掉。"""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def pending() -> list[str]:
    return list(DeferredIndex.objects.order_by("name").values_list("name", flat=True))


def notice() -> str:
    """页面用：有待重建的索引时给一句说明，否则空串。"""
    count = DeferredIndex.objects.count()
    if not count:
        return ""
    return (f"案件表有 {count} 个索引因大批导入暂缓维护、尚未建回（导入进行中或中途中断）：本页可能变慢。"
            "导入完成或重新运行导入（续传）时自动建回，也可运行 xinfang import-cases --build-indexes。")


def build_pending(progress: Callable[[str, float], None] | None = None) -> int:
    """按记录建回暂缓的索引，每个一个事务（建好即删记录）；返回建回的个数。没有记录时什么也不做。"""
    built = 0
    for record in DeferredIndex.objects.order_by("name"):
        started = time.perf_counter()
        with transaction.atomic():
            if record.name not in dict(secondary_indexes()):
                with connection.cursor() as cursor:
                    if connection.vendor == "postgresql":  # 排序放得进内存（默认 64 MB），只在这个事务里
                        _no_pending_checks(cursor)
                        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
                    cursor.execute(record.sql)
            record.delete()
        built += 1
        if progress:
            progress(record.name, time.perf_counter() - started)
    if built and connection.vendor == "postgresql":
        # 几百万行刚写进来，统计信息还是空表的（autovacuum 在忙机器上可能很久才到）：500 万件上民警清单 p95 250 → 118 ms。
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(_table())}")
    return built
