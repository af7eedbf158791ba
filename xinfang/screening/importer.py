"""导入执法案件：逐行校验、按批原子提交、按案件编号幂等更新、中断后从已提交的下一行续传。

命令 `xinfang import-cases` 与导入页面都调用 `import_cases`。同一文件（按内容指纹）有未完成的
导入记录时自动续传；已完成的再导入一次只会得到"未变"。
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from xinfang.audit.services import record
from xinfang.core import clock, crypto
from xinfang.ml.casefile import COLUMNS, CaseFileError, Problem, _text, compile_parser, read_rows
from xinfang.org.models import Department, Staff

from . import bulkindex
from .models import EnforcementCase, ImportRun, ImportStatus
from .privacy import index_maker, mask_party_id, party_id_index

BATCH_SIZE = 10_000
LOOKUP_CHUNK = 2_000  # 一条"哪些编号已有"查询里的编号数（远低于 SQLite 的参数上限）
MAX_PROBLEMS = 500
# 导入写的列（顺序即 INSERT / UPDATE 的参数顺序）；风险分等由评分写，导入不动。
IMPORT_COLUMNS = (
    "case_no", "case_type", "department_id", "officer_no", "officer_id", "opened_at", "decided_at", "closed_at",
    "place", "party_name", "party_id_enc", "party_id_index", "party_id_masked", "plate", "severity", "deaths",
    "injuries", "responsibility", "hit_and_run", "hit_and_run_solved", "compensation", "review_requested",
    "violation_code", "fine", "points", "non_site", "contested", "impound_days", "fee", "summary",
    "import_digest", "imported_at")
_SLOT = {c.key: i for i, c in enumerate(COLUMNS)}
# 每列从解析出的值列表（COLUMNS 顺序）的哪一格取；None 表示由导入另算。
_SOURCE = tuple(_SLOT.get(name) for name in IMPORT_COLUMNS)
_DIGEST, _AT = IMPORT_COLUMNS.index("import_digest"), IMPORT_COLUMNS.index("imported_at")
_INDEX = IMPORT_COLUMNS.index("party_id_index")
# 再导入时未变的行：摘要相同且证件号码的盲索引对得上（导入时间与密文每次不同，不比）。


@dataclass
class Outcome:
    run: ImportRun
    resumed_from: int = 0

    def summary(self) -> str:
        run = self.run
        verb = "检查" if run.dry_run else "导入"
        parts = [f"{verb}「{run.file_name}」：读 {run.rows_seen:,} 行"]
        if self.resumed_from:
            parts.append(f"（从第 {self.resumed_from + 1} 行续传）")
        parts.append(f"，新增 {run.created:,}、更新 {run.updated:,}、未变 {run.unchanged:,}、退回 {run.rejected:,}。")
        if not run.dry_run and run.created == run.updated == 0 and run.unchanged and not run.rejected:
            parts.append("文件此前已导入，没有任何变化。")
        if run.message:
            parts.append(run.message)
        return "".join(parts)


def _scan(path: Path) -> tuple[str, int]:
    """一遍读完文件：内容指纹（续传与"已导入过"按它认文件）与换行数（进度条的总行数估计）。"""
    digest = hashlib.sha256()
    newlines = 0
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
            newlines += block.count(b"\n")
    return digest.hexdigest(), newlines


def file_fingerprint(path: Path) -> str:
    return _scan(path)[0]


def _record_maker():
    """返回 make(values, department_id, officer_id) -> 一行的参数元组（IMPORT_COLUMNS 顺序）。

    逐行只做必需的事：本地时间 → UTC（SQLite 存文本，PostgreSQL 收带时区的时间）、遮蔽、导入值摘要。
    证件号码的盲索引与密文留空，由写库的进程用 _protector 填（见那里）。"""
    tz = timezone.get_current_timezone()
    text_dates = connection.vendor == "sqlite"
    utcoffset = tz.utcoffset
    blake = hashlib.blake2b
    party = _SLOT["party_id"]
    dates = tuple(IMPORT_COLUMNS.index(n) for n in ("opened_at", "decided_at", "closed_at"))
    sources = tuple(enumerate(_SOURCE))
    dept_at, officer_at = IMPORT_COLUMNS.index("department_id"), IMPORT_COLUMNS.index("officer_id")
    enc_at, index_at, masked_at = (IMPORT_COLUMNS.index(n) for n in ("party_id_enc", "party_id_index", "party_id_masked"))

    def make(values: list, department_id: int, officer_id: int | None, now) -> list:
        row = [values[slot] if slot is not None else None for _, slot in sources]
        for at in dates:
            moment = row[at]
            if moment is not None:
                moment = moment - utcoffset(moment)  # 本地时间 → UTC（与 make_aware 后换算相同）
                row[at] = str(moment) if text_dates else moment.replace(tzinfo=UTC)
        raw = values[party]
        row[dept_at], row[officer_at] = department_id, officer_id
        row[masked_at] = mask_party_id(raw) if raw else ""
        row[enc_at] = row[index_at] = ""
        # 摘要不含密文与盲索引（都随密钥变），也不含号码本身（号码空间小，短摘要可被穷举）：号码另按盲索引比。
        row[_DIGEST] = blake("\x1f".join(map(str, row)).encode(), digest_size=8).hexdigest()
        row[_AT] = now
        return row

    return make


def _protector():
    """返回 protect(records)：给一批待写的行填上证件号码的盲索引与密文（当前密钥）。

    放在写库的进程里做：有校验子进程时它是两边里较忙的一边，这样两个进程的活差不多，管道里也少传两列。"""
    index = index_maker()
    seal = crypto.encrypter(EnforcementCase._meta.get_field("party_id").context)
    enc_at, index_at = IMPORT_COLUMNS.index("party_id_enc"), _INDEX

    def protect(records: list) -> None:
        for _, row, raw in records:
            row[index_at] = index(raw)
            row[enc_at] = seal(raw)

    return protect


def import_cases(path: str | Path, *, by: Staff | None = None, dry_run: bool = False,
                 batch_size: int = BATCH_SIZE, progress: Callable[[ImportRun], None] | None = None,
                 run: ImportRun | None = None, workers: int | None = None) -> Outcome:
    """导入（或只检查）一个案件文件；返回这次导入的记录与摘要。整体不可用的文件抛出 CaseFileError。

    workers=2：读文件、逐行校验、文件内查重与摘要放在一个子进程里，本进程加密证件号码、写库（两个核同时用上）；
    默认在大文件、单线程（命令行）时用，页面的后台线程里不 fork。结果与 workers=1 一字不差。"""
    path = Path(path)
    header, rows = read_rows(path)  # 表头错、文件过大、不是 xlsx：此处即拒绝，什么也不写
    fingerprint, newlines = _scan(path)
    resumed_from = 0
    if run is None and not dry_run:
        run = (ImportRun.objects.filter(file_sha256=fingerprint, dry_run=False)
               .exclude(status=ImportStatus.DONE).order_by("-started_at").first())
        if run is not None:
            resumed_from = run.last_committed_row
    if run is None:
        run = ImportRun.objects.create(file_name=path.name[:255], file_sha256=fingerprint, file_size=path.stat().st_size,
                                       dry_run=dry_run, started_by=by, started_at=clock.now())
    elif run.last_committed_row > 1:
        resumed_from = run.last_committed_row
    elif not dry_run:
        # 页面上传的文件先有记录后算指纹：同一文件此前中断过，就接着它的进度做。
        run.file_sha256 = fingerprint
        earlier = (ImportRun.objects.filter(file_sha256=fingerprint, dry_run=False).exclude(pk=run.pk)
                   .exclude(status=ImportStatus.DONE).order_by("-started_at").first())
        if earlier is not None and earlier.last_committed_row > 1:
            for name in ("last_committed_row", "rows_seen", "created", "updated", "unchanged", "rejected", "problems"):
                setattr(run, name, getattr(earlier, name))
            resumed_from = run.last_committed_row
            earlier.status, earlier.message = ImportStatus.DONE, f"已由第 {run.pk} 次导入续传"
            earlier.save(update_fields=["status", "message"])
    run.status = ImportStatus.RUNNING
    run.message = ""
    run.rows_expected = run.rows_expected or _count_rows(path, newlines)
    run.save()
    problems: list[dict] = list(run.problems or [])
    batch: list[tuple[int, list, str]] = []

    def note(problem: Problem) -> None:
        if len(problems) < MAX_PROBLEMS:
            problems.append({"row": problem.row, "column": problem.column, "value": problem.value[:60],
                             "why": problem.why})

    def flush(last_row: int) -> None:
        with transaction.atomic():
            if not dry_run and batch:
                _upsert(run, batch)
            run.last_committed_row = last_row
            run.problems = problems
            run.save()
            if not dry_run and batch:
                record(actor=by, action="screening.cases_imported", obj=run,
                       changes={"rows": [batch[0][0], batch[-1][0]]})
        batch.clear()
        if progress:
            progress(run)

    chunks = _chunks(header, rows, resumed_from=resumed_from, batch_size=batch_size, now=clock.now())
    if workers is None:
        workers = 2 if _may_fork(run.rows_expected - resumed_from) else 1
    if workers > 1:
        chunks = _in_worker(chunks)
    if not dry_run and bulkindex.should_defer(run.rows_expected - resumed_from):
        bulkindex.defer(run=run)
    protect = _protector()
    pragmas = _fast_pragmas()
    try:
        for chunk in chunks:
            run.rows_seen += chunk.rows_seen
            run.rejected += chunk.rejected
            for problem in chunk.problems:
                note(problem)
            if chunk.error is not None:
                raise CaseFileError(chunk.error)
            if not dry_run:
                protect(chunk.records)
            batch[:] = chunk.records
            flush(chunk.last_row)
    except CaseFileError as exc:
        note(exc.problem)
        chunks.close()
        rebuilt = _rebuild_indexes(dry_run)
        run.status = ImportStatus.FAILED
        run.message = f"导入中断：{exc}。第 {run.last_committed_row} 行及以前已提交；修复文件后重新导入即从下一行续传。{rebuilt}"
        run.problems = problems
        run.finished_at = clock.now()
        run.save()
        return Outcome(run, resumed_from)
    finally:
        chunks.close()
        _restore_pragmas(pragmas)
    run.message = _rebuild_indexes(dry_run)
    run.status = ImportStatus.DONE
    run.finished_at = clock.now()
    run.save()
    return Outcome(run, resumed_from)


@dataclass
class _Chunk:
    """一批待提交的行：last_row 是这批读到的最后一行；计数与问题随这批一起提交。error 是读文件时的致命问题。"""

    last_row: int
    records: list = field(default_factory=list)
    rows_seen: int = 0
    rejected: int = 0
    problems: list = field(default_factory=list)
    error: Problem | None = None


def _chunks(header, rows, *, resumed_from: int, batch_size: int, now) -> Iterator[_Chunk]:
    """逐行校验并转换成待写的行，每满 batch_size 行给出一批，最后给出剩下的（可能是空的一批）。

    只读库一次（单位与民警的代码表），之后不碰数据库，所以可以放在子进程里跑。"""
    departments = dict(Department.objects.exclude(code=None).values_list("code", "pk"))
    officers = dict(Staff.objects.exclude(police_number="").values_list("police_number", "pk"))
    parse = compile_parser(header)
    make = _record_maker()
    now = connection.ops.adapt_datetimefield_value(now)
    department_at, officer_at, party_at = _SLOT["department_code"], _SLOT["officer_no"], _SLOT["party_id"]
    case_no_at = _position(header, "case_no")
    # 文件内已出现的案件编号：只存 hash()（一个整数；500 万行约 300 MB，见 benchmarks/results.md）。
    seen: set[int] = set()
    chunk = _Chunk(resumed_from or 1)
    records = chunk.records
    try:
        for number, cells in rows:
            raw = cells[case_no_at] if case_no_at < len(cells) else None
            key = hash(raw.strip() if type(raw) is str else _text(raw))
            if number <= resumed_from:
                seen.add(key)  # 已提交的行：只补记编号，用于查文件内重复
                continue
            chunk.rows_seen += 1
            values, found = parse(number, cells)
            if values is not None:
                if key in seen:
                    found = [Problem(number, "案件编号", values[0], "与文件中前面的行重复")]
                elif values[department_at] not in departments:
                    found = [Problem(number, "办案单位代码", values[department_at],
                                     "系统中没有这个单位代码（请在部门设置里填写单位代码）")]
            seen.add(key)
            if found:
                chunk.rejected += 1
                if len(chunk.problems) < MAX_PROBLEMS:  # 一批全是错行时也不无限增长
                    chunk.problems.extend(found)
            else:
                records.append((number, make(values, departments[values[department_at]],
                                             officers.get(values[officer_at]), now), values[party_at]))
            chunk.last_row = number
            if len(records) >= batch_size:
                yield chunk
                chunk = _Chunk(number)
                records = chunk.records
    except CaseFileError as exc:
        chunk.error = exc.problem
    yield chunk


PIPELINE_MIN_ROWS = 50_000


def _may_fork(rows_to_import: int) -> bool:
    """大文件、有两个以上的核、本进程只有一个线程（命令行）时才把校验放进子进程。"""
    return (rows_to_import >= PIPELINE_MIN_ROWS and (os.cpu_count() or 1) > 1
            and threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods())


class _WorkerDied(RuntimeError):
    pass


def _in_worker(chunks: Iterator[_Chunk]) -> Iterator[_Chunk]:
    """在 fork 出的子进程里跑 chunks，逐批经管道交回本进程（管道满时子进程等着，最多领先一批）。

    第一批在本进程里取：代码表与密钥都在 fork 前读好，子进程从不用数据库连接，也不关它（os._exit）。"""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    first = next(chunks)

    def work() -> None:
        receiver.close()
        try:
            for chunk in chunks:
                sender.send(chunk)
        except BaseException as exc:  # noqa: BLE001 - 交给父进程报告
            sender.send(_WorkerDied(f"导入子进程出错：{exc!r}"))
        finally:
            sender.close()

    process = context.Process(target=work, daemon=True)
    process.start()
    sender.close()
    try:
        yield first
        while True:
            try:
                item = receiver.recv()
            except EOFError:
                break
            if isinstance(item, _WorkerDied):
                raise item
            yield item
        process.join()
        if process.exitcode:
            raise _WorkerDied(f"导入子进程异常退出（{process.exitcode}）")
    finally:
        receiver.close()
        if process.is_alive():
            process.terminate()
        process.join()


def _rebuild_indexes(dry_run: bool) -> str:
    """导入结束（完成或中途失败）：建回暂缓的索引（也包括此前被杀掉的导入留下的）；返回给导入记录的说明。"""
    if dry_run:
        return ""
    pragmas = _fast_pragmas()
    try:
        built = bulkindex.build_pending()
    finally:
        _restore_pragmas(pragmas)
    if not built:
        return ""
    return f"导入期间暂缓维护的 {built} 个索引已建回。"


def _fast_pragmas():
    """SQLite：导入期间把页缓存放大到 256 MB（默认 2 MB，几个索引一大就处处读盘）；结束后复原。"""
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute("PRAGMA cache_size = -262144")
    return before


def _restore_pragmas(before) -> None:
    if before is not None:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def _count_rows(path: Path, newlines: int) -> int:
    """进度条用的总行数估计：CSV 数换行符，.xlsx 取工作表登记的尺寸。"""
    if path.suffix.lower() == ".xlsx":
        try:
            from openpyxl import load_workbook

            workbook = load_workbook(path, read_only=True)
            rows = workbook.worksheets[0].max_row or 0
            workbook.close()
            return max(rows - 1, 0)
        except Exception:  # noqa: BLE001 - 估计不出来就不显示百分比
            return 0
    return max(newlines - 1, 0)


def _position(header, key: str) -> int:
    for index, column in enumerate(header):
        if column is not None and column.key == key:
            return index
    return 10 ** 9


def _sql():
    table = connection.ops.quote_name(EnforcementCase._meta.db_table)
    qn = connection.ops.quote_name
    columns = ", ".join(qn(c) for c in IMPORT_COLUMNS)
    marks = ", ".join(["%s"] * len(IMPORT_COLUMNS))
    insert = (f"INSERT INTO {table} ({columns}, rule_score, risk_score, risk_tier, risk_reasons) "
              f"VALUES ({marks}, 0, 0, 'rules', '[]')")
    update = f"UPDATE {table} SET {', '.join(f'{qn(c)} = %s' for c in IMPORT_COLUMNS[1:])} WHERE id = %s"
    return table, insert, update


def _copy_rows(cursor, table: str, rows: list[list]) -> None:
    """PostgreSQL：新行用 COPY 写入（与 INSERT 同列同值）。逐行 INSERT 时服务器逐条解析，500 万件时它是瓶颈。"""
    qn = connection.ops.quote_name
    columns = ", ".join(qn(c) for c in (*IMPORT_COLUMNS, "rule_score", "risk_score", "risk_tier", "risk_reasons"))
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row((*row, 0, 0, "rules", "[]"))


def _same_party(stored_index: str, row: list, raw: str) -> bool:
    """证件号码未变：库里的盲索引等于当前密钥下的，或（换密钥尚未做完的行）等于某把旧密钥下的。"""
    if stored_index == row[_INDEX]:
        return True
    return bool(raw) and stored_index in {party_id_index(raw, key=key) for key in crypto.keyring()[1:]}


def _upsert(run: ImportRun, batch: list[tuple[int, list, str]]) -> None:
    """一批：按案件编号查出已有的（编号、摘要、盲索引），新的批量插入，变了的批量更新，没变的只计数。"""
    table, insert, update = _sql()
    existing: dict[str, tuple[int, str, str]] = {}
    numbers = [row[0] for _, row, _ in batch]
    with connection.cursor() as cursor:
        for start in range(0, len(numbers), LOOKUP_CHUNK):
            chunk = numbers[start:start + LOOKUP_CHUNK]
            cursor.execute(f"SELECT case_no, id, import_digest, party_id_index FROM {table} WHERE case_no IN "
                           f"({', '.join(['%s'] * len(chunk))})", chunk)
            existing.update((no, (pk, digest, index)) for no, pk, digest, index in cursor.fetchall())
        new, changed = [], []
        for _, row, raw in batch:
            current = existing.get(row[0])
            if current is None:
                new.append(row)
            elif current[1] == row[_DIGEST] and _same_party(current[2], row, raw):
                run.unchanged += 1
            else:
                changed.append([*row[1:], current[0]])
        if new and connection.vendor == "postgresql":
            _copy_rows(cursor, table, new)
        elif new:
            cursor.executemany(insert, new)
        if changed:
            cursor.executemany(update, changed)
    run.created += len(new)
    run.updated += len(changed)
