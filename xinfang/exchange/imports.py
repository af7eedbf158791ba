"""信访台账导入：上传 → 列对应（自动对应、可改、预览）→ 逐行校验、按批原子提交、按来源键幂等、可续传。

每一行经与登记页同一个登记动作（petitions.actions.intake.register_petition）写入，所以身份证号校验位、
多人走访的代表人数（intake_rules，第二十条）、收到时间不得晚于现在、已登记信访人联系方式的确认，
都与登记页一致；挂到已终结事项上的照样登记并提示不再受理（第三十六条）。
来源键 = 来源系统 + 对方的记录编号：再导入一次同一条，内容相同记为"已导入过"，不同则报告、不合并。
命令 `xinfang import-petitions` 与导入页面都走这里；页面经 core.jobs 的一次性任务在后台运行，进度条每秒取一次。
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone

from xinfang.audit.services import record
from xinfang.core import clock, crypto
from xinfang.org.models import Department
from xinfang.petitions.actions import intake_rules
from xinfang.petitions.actions.intake import (
    PetitionerInput, PetitionInput, register_new_petitions, register_petition, validate,
)
from xinfang.petitions.models import Category, Channel, Petitioner, PetitionerKind
from xinfang.petitions.selectors import visible_matters

from . import ledger
from .models import ImportedRecord, ImportStatus, PetitionImport

log = logging.getLogger("xinfang.exchange")

BATCH_SIZE = 500
FLUSH_SECONDS = 2.0  # 逐行登记的行慢（约 30 ms）：至多这么久提交一批，进度条不至于十几秒不动
MAX_PROBLEMS = 500
STALLED_AFTER = timedelta(minutes=2)  # 进行中却这么久没有提交一批：进程多半已退出，可以续传
FINGERPRINT_CONTEXT = "exchange.import.row"
MASKED_COLUMNS = {ledger.BY_KEY["id_number"].label, ledger.BY_KEY["phone"].label}
# 登记动作报错的字段 → 台账的列。
INTAKE_COLUMNS = {"content": "信访内容", "petitioners": "信访人", "id_number": "身份证号", "phone": "联系电话",
                  "address": "通讯地址", "head_count": "人数", "received_at": "收到时间", "__all__": ""}
CHANNEL_ALIASES = {"来电": Channel.PHONE, "电话": Channel.PHONE, "网信": Channel.ONLINE, "网上信访": Channel.ONLINE,
                   "走访": Channel.VISIT, "信件": Channel.LETTER, "12345": Channel.REFERRAL, "12345热线": Channel.REFERRAL,
                   "交办": Channel.SUPERIOR}


def channels() -> dict[str, str]:
    found = {label: value for value, label in Channel.choices} | CHANNEL_ALIASES
    return {name.lower(): value for name, value in (found | {value: value for value in Channel.values}).items()}


KINDS = {"个人": PetitionerKind.PERSON, "单位": PetitionerKind.ORGANISATION, "person": PetitionerKind.PERSON,
         "organisation": PetitionerKind.ORGANISATION, "organization": PetitionerKind.ORGANISATION}


class ImportRefused(Exception):
    """导入不能开始（来源系统没填、列对应有问题、文件不能读）：``problems`` 为中文说明。"""

    def __init__(self, problems: list[str]):
        super().__init__("；".join(problems))
        self.problems = problems


def _mask(column: str, value: str) -> str:
    return "、".join(crypto.mask_phone(v) if "电话" in column else crypto.mask_id_number(v)
                    for v in ledger.split_names(value)) if column in MASKED_COLUMNS else value


def file_fingerprint(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@transaction.atomic
def create_batch(path: str | Path, *, by, source_system: str, file_name: str = "", mapping: dict | None = None,
                 default_channel: str = "", update_contacts: bool = False, dry_run: bool = False) -> PetitionImport:
    """登记一个待导入的文件：按表头自动对应列（之后可改），不读数据行。文件整体不能用时抛 ImportRefused。"""
    path = Path(path)
    source_system = (source_system or "").strip()
    problems = []
    if not source_system:
        problems.append("「来源系统」：请写明这份台账来自哪个单位或系统（与每行的来源编号一起判断是否已导入过）")
    elif len(source_system) > 60:
        problems.append("「来源系统」不能超过 60 个字")
    if default_channel and default_channel not in Channel.values:
        problems.append("「默认渠道」不是本系统的渠道")
    try:
        header, _ = ledger.preview(path, limit=0)
    except ledger.LedgerError as exc:
        problems.append(f"「文件」：{exc}")
        header = []
    if problems:
        raise ImportRefused(problems)
    batch = PetitionImport.objects.create(
        file_name=(file_name or path.name)[:255], stored_path=str(path), file_sha256=file_fingerprint(path),
        file_size=path.stat().st_size, source_system=source_system, default_channel=default_channel,
        mapping=mapping if mapping is not None else ledger.auto_mapping(header), update_contacts=update_contacts,
        dry_run=dry_run, started_by=by, created_at=clock.now(), rows_expected=ledger.count_rows(path),
    )
    record(actor=by, action="exchange.import_uploaded", obj=batch, changes={
        "file": [None, batch.file_name], "source_system": [None, source_system]})
    return batch


def header_of(batch: PetitionImport) -> list[str]:
    return ledger.preview(batch.stored_path, limit=0)[0]


@transaction.atomic
def start(batch: PetitionImport, *, by, mapping: dict | None = None, dry_run: bool | None = None,
          default_channel: str | None = None, update_contacts: bool | None = None, background: bool = True
          ) -> PetitionImport:
    """确认列对应并开始（或续传）导入；列对应有问题抛 ImportRefused。background=False 时在本进程同步执行。"""
    batch = PetitionImport.objects.select_for_update().get(pk=batch.pk)
    if batch.status == ImportStatus.RUNNING and not stalled(batch):
        raise ImportRefused(["这次导入正在进行中"])
    if batch.status == ImportStatus.DONE:
        raise ImportRefused(["这次导入已经完成；要再导入请重新上传文件（已导入过的行不会重复）"])
    if batch.status == ImportStatus.MAPPING:
        batch.mapping = {k: v for k, v in (mapping if mapping is not None else batch.mapping).items() if v}
        if default_channel is not None:
            batch.default_channel = default_channel
        if update_contacts is not None:
            batch.update_contacts = update_contacts
        if dry_run is not None:
            batch.dry_run = dry_run
        problems = ledger.mapping_problems(batch.mapping, header_of(batch))
        if "channel" not in batch.mapping.values() and not batch.default_channel:
            problems.append("文件中没有对应到「渠道」的列：请对应一列，或选一个默认渠道")
        if problems:
            raise ImportRefused(problems)
        _adopt_unfinished(batch)
    batch.status, batch.started_at, batch.heartbeat_at, batch.message = (
        ImportStatus.RUNNING, batch.started_at or clock.now(), clock.now(), "")
    batch.save()
    record(actor=by, action="exchange.import_started", obj=batch, changes={
        "mapping": [None, batch.mapping], "dry_run": [None, batch.dry_run],
        "from_row": [None, batch.last_committed_row + 1]})
    if background:
        launch(batch.pk)
    return batch


def _adopt_unfinished(batch: PetitionImport) -> None:
    """同一文件、同一来源、同样的列对应此前导入到一半中断了：接着它的进度做（已提交的行不再读）。"""
    if batch.dry_run:
        return
    earlier = (PetitionImport.objects.filter(file_sha256=batch.file_sha256, source_system=batch.source_system,
                                             dry_run=False, mapping=batch.mapping)
               .exclude(pk=batch.pk).filter(status__in=(ImportStatus.RUNNING, ImportStatus.FAILED))
               .order_by("-last_committed_row").first())
    if earlier is None or earlier.last_committed_row <= 1 or (earlier.status == ImportStatus.RUNNING
                                                              and not stalled(earlier)):
        return
    for name in ("last_committed_row", "rows_seen", "created", "unchanged", "conflicts", "rejected", "problems",
                 "notices"):
        setattr(batch, name, getattr(earlier, name))
    earlier.status, earlier.message = ImportStatus.DONE, f"已由第 {batch.pk} 次导入续传"
    earlier.save(update_fields=["status", "message"])


def stalled(batch: PetitionImport) -> bool:
    return batch.status == ImportStatus.RUNNING and (
        batch.heartbeat_at is None or batch.heartbeat_at < clock.now() - STALLED_AFTER)


def launch(batch_id: int) -> None:
    """提交后在后台运行：有 Redis 交给 Celery worker（core.jobs 的一次性任务），否则在本进程的一个线程里。"""
    from xinfang.core import jobs

    if settings.REDIS_URL:
        jobs.enqueue("import_petitions", batch_id)
        return

    def go() -> None:
        close_old_connections()
        try:
            jobs.run_task_now("import_petitions", batch_id)
        finally:
            close_old_connections()

    transaction.on_commit(lambda: threading.Thread(target=go, name=f"import-petitions-{batch_id}", daemon=True).start())


# -- 执行 --------------------------------------------------------------------------------


@dataclass
class Lookups:
    departments: dict[str, Department]
    categories: dict[str, Category | None]
    channels: dict[str, str]


def _lookups() -> Lookups:
    departments: dict[str, Department] = {}
    for department in Department.objects.filter(is_active=True):
        departments.setdefault(department.name, department)
        if department.code:
            departments[department.code] = department
    categories: dict[str, Category | None] = {}
    for category in Category.objects.filter(is_active=True).select_related("parent"):
        categories[str(category)] = category
        # 只写叶子名时须唯一：两个上级下各有一个同名类别，就要求写全"上级 / 下级"
        categories[category.name] = None if category.name in categories else category
    return Lookups(departments, categories, channels())


def fingerprint_texts(row: ledger.LedgerRow) -> str:
    values = dict(row.values)
    if values.get("phone"):
        values["phone"] = "、".join(crypto.normalise_phone(p) for p in ledger.split_names(values["phone"]))
    if values.get("id_number"):
        values["id_number"] = values["id_number"].upper()
    return json.dumps(sorted(values.items()), ensure_ascii=False)


def execute_import(batch_id: int) -> PetitionImport:
    """一次性任务 import_petitions：从已提交的下一行接着导入到文件末尾（只收 id，可重复执行）。"""
    batch = PetitionImport.objects.get(pk=batch_id)
    if batch.status != ImportStatus.RUNNING:
        return batch
    try:
        _run(batch)
    except ledger.LedgerError as exc:
        _stop(batch, f"导入中断：{exc}。第 {batch.last_committed_row} 行及以前已提交；修复文件后重新上传即从下一行续传。",
              exc.problem.as_dict())
    except Exception:  # 后台里的意外不能悄悄消失：记下来，页面显示中断，可续传
        log.exception("信访台账导入失败：%s", batch.pk)
        _stop(batch, f"导入意外中断；第 {batch.last_committed_row} 行及以前已提交，可在本页继续导入。", None)
    return batch


def _stop(batch: PetitionImport, message: str, problem: dict | None) -> None:
    PetitionImport.objects.filter(pk=batch.pk).update(status=ImportStatus.FAILED, message=message,
                                                      finished_at=clock.now())
    if problem:
        batch.refresh_from_db()
        batch.problems = (batch.problems + [problem])[:MAX_PROBLEMS]
        batch.save(update_fields=["problems"])


def _run(batch: PetitionImport) -> None:
    by = batch.started_by
    header, rows = ledger.open_table(batch.stored_path)
    lookups = _lookups()
    source_at = next((int(i) for i, key in batch.mapping.items() if key == "source_id"), None)
    seen: dict[str, int] = {}  # 文件内的来源编号 → 第一次出现的行
    pending: list[ledger.LedgerRow] = []
    resumed_from = batch.last_committed_row
    last_row = resumed_from

    def note(problem: ledger.Problem, into: list) -> None:
        if len(into) < MAX_PROBLEMS:
            into.append({**problem.as_dict(), "value": _mask(problem.column, problem.value)[:60]})

    flushed = [time.monotonic()]

    def flush(upto: int) -> None:
        _commit(batch, pending, upto, by=by, lookups=lookups, note=note)
        pending.clear()
        flushed[0] = time.monotonic()

    for number, cells in rows:
        source_id = ledger._cell_text(cells[source_at]) if source_at is not None and source_at < len(cells) else ""
        if number <= resumed_from:
            seen.setdefault(source_id, number)  # 已提交的行：只补记来源编号，用于查文件内重复
            continue
        batch.rows_seen += 1
        row, problems = ledger.parse_row(number, cells, batch.mapping, channels=lookups.channels, kinds=KINDS,
                                         default_channel=batch.default_channel)
        if row is not None:
            problems = _resolve(row, lookups, by)
            if source_id in seen:
                problems.append(ledger.Problem(number, "来源编号", source_id, f"与文件第 {seen[source_id]} 行重复"))
        seen.setdefault(source_id, number)
        if problems:
            batch.rejected += 1
            for problem in problems:
                note(problem, batch.problems)
        else:
            pending.append(row)
        last_row = number
        if len(pending) >= BATCH_SIZE or (pending and time.monotonic() - flushed[0] > FLUSH_SECONDS):
            flush(last_row)
    flush(last_row)
    batch.status, batch.finished_at = ImportStatus.DONE, clock.now()
    batch.save(update_fields=["status", "finished_at"])


def _resolve(row: ledger.LedgerRow, lookups: Lookups, by) -> list[ledger.Problem]:
    """要查库的列：涉及单位、类别、已有事项（只在导入人的可见范围内找）。"""
    problems = []
    values = row.values
    row.department = row.category = row.matter = None
    if values.get("involved_department"):
        row.department = lookups.departments.get(values["involved_department"])
        if row.department is None:
            problems.append(ledger.Problem(row.number, "涉及单位", values["involved_department"],
                                           "系统中没有这个单位（填单位代码或单位全称）"))
    if values.get("category"):
        text = values["category"].replace("／", "/")
        text = " / ".join(part.strip() for part in text.split("/"))
        row.category = lookups.categories.get(text)
        if row.category is None:
            problems.append(ledger.Problem(row.number, "类别", values["category"],
                                           "系统中没有这个类别，或同名类别不止一个（请写成「上级 / 下级」）"))
    if values.get("matter_number"):
        row.matter = visible_matters(by).filter(number=values["matter_number"]).first()
        if row.matter is None:
            problems.append(ledger.Problem(row.number, "事项编号", values["matter_number"],
                                           "没有这件事项，或它不在您的可见范围内"))
    return problems


def _input(row: ledger.LedgerRow, batch: PetitionImport) -> PetitionInput:
    values = row.values
    received_at = row.received_at
    if timezone.is_naive(received_at):
        received_at = timezone.make_aware(received_at)
    return PetitionInput(
        channel=row.channel, received_at=received_at, content=values["content"], title=values.get("title", ""),
        requests=values.get("requests", ""), head_count=row.head_count, involved_department=row.department,
        involved_officer=values.get("involved_officer", ""), case_numbers=values.get("case_numbers", ""),
        category=row.category, competent_authority=values.get("competent_authority", ""),
        is_skip_level=row.is_skip_level,
        petitioners=[PetitionerInput(name=p.name, kind=row.kind, id_number=p.id_number, phone=p.phone,
                                     address=p.address, is_representative=p.is_representative,
                                     update_contact=batch.update_contacts) for p in row.people],
    )


def _commit(batch: PetitionImport, rows: list[ledger.LedgerRow], upto: int, *, by, lookups, note) -> None:
    """一批在一个事务里：这批的信访件、来源键、进度与审计同进退；只检查时信访件那一层回滚。

    新事项、新信访人的行（台账里几乎都是）经 intake.register_new_petitions 成批登记；挂到已有事项、
    信访人已登记过或同批重复的行逐行经 register_petition（联系方式确认、不再受理等分支都在那里）。
    两条路先都经 intake.validate 逐行校验，问题按行报告。
    """
    with transaction.atomic():
        created_before = batch.created
        with transaction.atomic():
            known = {rec.record_id: rec for rec in ImportedRecord.objects.filter(
                source_system=batch.source_system, record_id__in=[r.source_id for r in rows]
            ).select_related("petition__matter")}
            ids = {p.id_number for r in rows for p in r.people if p.id_number}
            registered = {crypto.normalise_id_number(v) for v in
                          Petitioner.objects.filter(id_number__in=list(ids)).values_list("id_number", flat=True)}
            fresh, slow, taken = [], [], set()
            for row in rows:
                if row.source_id in known:
                    _known(batch, row, known[row.source_id], note=note)
                    continue
                data = _input(row, batch)
                try:
                    validate(data)
                except ValidationError as exc:
                    _rejected(batch, row, exc, note=note)
                    continue
                mine = [crypto.normalise_id_number(p.id_number) for p in row.people if p.id_number]
                if row.matter is None and not (set(mine) & (registered | taken)) and len(set(mine)) == len(mine):
                    fresh.append((row, data))
                    taken.update(mine)
                else:
                    slow.append(row)
            if fresh:
                try:
                    with transaction.atomic():
                        petitions = register_new_petitions([data for _, data in fresh], by=by,
                                                           note=f"（导入「{batch.file_name}」）")
                        ImportedRecord.objects.bulk_create([ImportedRecord(
                            source_system=batch.source_system, record_id=row.source_id, petition=petition,
                            batch_id=batch.pk, imported_at=clock.now(),
                            fingerprint=crypto.blind_index(fingerprint_texts(row), context=FINGERPRINT_CONTEXT))
                            for (row, _), petition in zip(fresh, petitions)])
                    batch.created += len(fresh)
                except IntegrityError:  # 另一次导入同时写入了其中的来源编号：这批改为逐行
                    slow = [row for row, _ in fresh] + slow
            for row in slow:
                _one(batch, row, None, by=by, note=note)
            if batch.dry_run:
                transaction.set_rollback(True)
        batch.last_committed_row, batch.heartbeat_at = upto, clock.now()
        batch.save()
        if batch.created > created_before and not batch.dry_run:
            record(actor=by, action="exchange.petitions_imported", obj=batch, changes={
                "rows": [rows[0].number, rows[-1].number], "created": [created_before, batch.created]})


def _known(batch: PetitionImport, row: ledger.LedgerRow, existing: ImportedRecord, *, note) -> None:
    if _same(existing, fingerprint_texts(row)):
        batch.unchanged += 1
        return
    batch.conflicts += 1
    note(ledger.Problem(row.number, "来源编号", row.source_id,
                        f"这条记录已于 {clock.localtime(existing.imported_at):%Y-%m-%d} 导入为事项 "
                        f"{existing.petition.matter.number}，本行内容与当时不同：未合并，请在事项页更正"), batch.problems)


def _rejected(batch: PetitionImport, row: ledger.LedgerRow, exc: ValidationError, *, note) -> None:
    batch.rejected += 1
    for name, messages in exc.message_dict.items():
        column = INTAKE_COLUMNS.get(name, name)
        value = row.values.get(next((f.key for f in ledger.FIELDS if f.label == column), ""), "")
        for message in messages:
            note(ledger.Problem(row.number, column, value, message), batch.problems)


def _same(existing: ImportedRecord, texts: str) -> bool:
    return existing.fingerprint in crypto.blind_indexes(texts, context=FINGERPRINT_CONTEXT)


def _one(batch: PetitionImport, row: ledger.LedgerRow, existing: ImportedRecord | None, *, by, note) -> None:
    """逐行：经 register_petition 登记（一行一个保存点，出错只退回这一行）。"""
    if existing is not None:
        _known(batch, row, existing, note=note)
        return
    try:
        with transaction.atomic():
            petition = register_petition(_input(row, batch), by=by, matter=row.matter)
            ImportedRecord.objects.create(source_system=batch.source_system, record_id=row.source_id,
                                          petition=petition, batch_id=batch.pk, imported_at=clock.now(),
                                          fingerprint=crypto.blind_index(fingerprint_texts(row),
                                                                         context=FINGERPRINT_CONTEXT))
    except ValidationError as exc:
        _rejected(batch, row, exc, note=note)
        return
    except IntegrityError:  # 另一次导入同时写入了同一来源编号：它先提交，这一行按已导入过计
        batch.unchanged += 1
        return
    batch.created += 1
    notice = intake_rules.not_accepted_again_notice(petition.matter.status)
    if notice:
        note(ledger.Problem(row.number, "事项编号", petition.matter.number, notice), batch.notices)


def import_petitions(path: str | Path, *, by, source_system: str, mapping: dict | None = None,
                     default_channel: str = "", update_contacts: bool = False, dry_run: bool = False
                     ) -> PetitionImport:
    """命令用：登记文件、确认列对应（未给则自动对应）、在本进程同步导入，返回导入记录。"""
    batch = create_batch(path, by=by, source_system=source_system, mapping=mapping, default_channel=default_channel,
                         update_contacts=update_contacts, dry_run=dry_run)
    start(batch, by=by, background=False)
    return execute_import(batch.pk)


def summary(batch: PetitionImport) -> str:
    verb = "检查" if batch.dry_run else "导入"
    text = (f"{verb}「{batch.file_name}」（来源：{batch.source_system}）：读 {batch.rows_seen:,} 行，"
            f"{'可新增' if batch.dry_run else '新增'} {batch.created:,}、已导入过 {batch.unchanged:,}、"
            f"内容不同未合并 {batch.conflicts:,}、退回 {batch.rejected:,}。")
    if not batch.dry_run and not batch.created and batch.unchanged and not batch.rejected and not batch.conflicts:
        text += "文件此前已导入，没有任何变化。"
    return text + (batch.message or "")
