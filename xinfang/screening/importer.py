"""导入执法案件：逐行校验、按批原子提交、按案件编号幂等更新、中断后从已提交的下一行续传。

命令 `xinfang import-cases` 与导入页面都调用 `import_cases`。同一文件（按内容指纹）有未完成的
导入记录时自动续传；已完成的再导入一次只会得到"未变"。
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from xinfang.audit.services import record
from xinfang.core import clock
from xinfang.ml.casefile import COLUMNS, CaseFileError, Problem, parse_row, read_rows
from xinfang.org.models import Department, Staff

from .models import EnforcementCase, ImportRun, ImportStatus
from .privacy import protect_party_id

BATCH_SIZE = 2000
MAX_PROBLEMS = 500
# 案件的可导入字段（除案件编号外），比较新旧时逐一对照。
FIELDS = tuple(c.key for c in COLUMNS if c.key not in ("case_no", "department_code", "party_id")) + (
    "department_id", "officer_id", "party_id_index", "party_id_masked")


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


def file_fingerprint(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _to_fields(case: dict, department_id: int, officer_id: int | None) -> dict:
    values = {key: case[key] for key in FIELDS if key in case}
    for key in ("opened_at", "decided_at", "closed_at"):
        values[key] = _aware(case[key])
    for key in ("fine", "fee"):
        values[key] = Decimal(str(case[key])).quantize(Decimal("0.01"))
    values["department_id"] = department_id
    values["officer_id"] = officer_id
    values["party_id_index"], values["party_id_masked"] = protect_party_id(case["party_id"])
    return values


def _same(existing: EnforcementCase, values: dict) -> bool:
    return all(getattr(existing, key) == value for key, value in values.items())


def import_cases(path: str | Path, *, by: Staff | None = None, dry_run: bool = False,
                 batch_size: int = BATCH_SIZE, progress: Callable[[ImportRun], None] | None = None,
                 run: ImportRun | None = None) -> Outcome:
    """导入（或只检查）一个案件文件；返回这次导入的记录与摘要。整体不可用的文件抛出 CaseFileError。"""
    path = Path(path)
    header, rows = read_rows(path)  # 表头错、文件过大、不是 xlsx：此处即拒绝，什么也不写
    fingerprint = file_fingerprint(path)
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
    run.rows_expected = run.rows_expected or _count_rows(path)
    run.save()
    departments = dict(Department.objects.exclude(code=None).values_list("code", "pk"))
    officers = dict(Staff.objects.exclude(police_number="").values_list("police_number", "pk"))
    seen: set[bytes] = set()  # 文件内已出现的案件编号（8 字节摘要，500 万行约 400 MB 以内）
    problems: list[dict] = list(run.problems or [])
    batch: list[tuple[int, dict]] = []

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

    last_row = resumed_from or 1
    case_no_at = _position(header, "case_no")
    try:
        for number, cells in rows:
            case_no = str(cells[case_no_at] if case_no_at < len(cells) and cells[case_no_at] is not None else "").strip()
            key = hashlib.blake2b(case_no.encode(), digest_size=8).digest()
            if number <= resumed_from:
                seen.add(key)  # 已提交的行：只补记编号，用于查文件内重复
                continue
            run.rows_seen += 1
            case, found = parse_row(number, header, cells)
            if case is not None:
                if key in seen:
                    found = [Problem(number, "案件编号", case_no, "与文件中前面的行重复")]
                elif case["department_code"] not in departments:
                    found = [Problem(number, "办案单位代码", case["department_code"],
                                     "系统中没有这个单位代码（请在部门设置里填写单位代码）")]
            seen.add(key)
            if found:
                run.rejected += 1
                for problem in found:
                    note(problem)
            else:
                batch.append((number, _to_fields(case, departments[case["department_code"]],
                                                 officers.get(case["officer_no"])) | {"case_no": case_no}))
            last_row = number
            if len(batch) >= batch_size:
                flush(last_row)
        flush(last_row)
    except CaseFileError as exc:
        note(exc.problem)
        run.status = ImportStatus.FAILED
        run.message = f"导入中断：{exc}。第 {run.last_committed_row} 行及以前已提交；修复文件后重新导入即从下一行续传。"
        run.problems = problems
        run.finished_at = clock.now()
        run.save()
        return Outcome(run, resumed_from)
    run.status = ImportStatus.DONE
    run.finished_at = clock.now()
    run.save()
    return Outcome(run, resumed_from)


def _count_rows(path: Path) -> int:
    """进度条用的总行数估计：CSV 数换行符（按块读，不占内存），.xlsx 取工作表登记的尺寸。"""
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


def _position(header, key: str) -> int:
    for index, column in enumerate(header):
        if column is not None and column.key == key:
            return index
    return -1


def _insert(cases: list[EnforcementCase]) -> None:
    """新案件用一条参数化 INSERT 批量写入：ORM 的 bulk_create 逐值编译 SQL，在百万行上是瓶颈。"""
    fields = [f for f in EnforcementCase._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    datetimes = {f.attname for f in fields if f.get_internal_type() == "DateTimeField"}
    adapt = connection.ops.adapt_datetimefield_value
    rows = []
    for case in cases:
        row = []
        for field in fields:
            value = getattr(case, field.attname)
            if field.attname in datetimes:
                value = adapt(value)
            elif field.attname == "risk_reasons":
                value = json.dumps(value, ensure_ascii=False)
            elif field.attname in ("fine", "fee"):
                value = connection.ops.adapt_decimalfield_value(value, field.max_digits, field.decimal_places)
            row.append(value)
        rows.append(row)
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {EnforcementCase._meta.db_table} ({columns}) VALUES ({marks})", rows)


def _upsert(run: ImportRun, batch: list[tuple[int, dict]]) -> None:
    """一批：按案件编号查出已有的，新的批量插入，变了的批量更新，没变的只计数。"""
    by_no = {values["case_no"]: values for _, values in batch}
    existing = {case.case_no: case for case in EnforcementCase.objects.filter(case_no__in=list(by_no))}
    now = clock.now()
    new, changed = [], []
    for case_no, values in by_no.items():
        current = existing.get(case_no)
        fields = {k: v for k, v in values.items() if k != "case_no"}
        if current is None:
            new.append(EnforcementCase(case_no=case_no, imported_at=now, **fields))
        elif _same(current, fields):
            run.unchanged += 1
        else:
            for key, value in fields.items():
                setattr(current, key, value)
            current.imported_at = now
            changed.append(current)
    if new:
        _insert(new)
    if changed:
        EnforcementCase.objects.bulk_update(changed, list(FIELDS) + ["imported_at"], batch_size=500)
    run.created += len(new)
    run.updated += len(changed)
