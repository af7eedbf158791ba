"""数据交换的页面：12345 回传队列（系统管理员）、信访台账导入（上传 → 列对应与预览 → 进度与报告）。"""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from xinfang.org import permissions
from xinfang.petitions.models import Channel

from . import imports, ledger, outbox
from .models import ImportStatus, OutboxMessage, PetitionImport

STATES = {
    "pending": ("待发送", {"delivered_at__isnull": True, "failed_at__isnull": True}),
    "failed": ("停止重试", {"delivered_at__isnull": True, "failed_at__isnull": False}),
    "delivered": ("已送达", {"delivered_at__isnull": False}),
}
MAX_UPLOAD_BYTES = 100 * 1024 ** 2  # 更大的台账请在服务器上用 xinfang import-petitions


def outbox_page(request):
    permissions.require(request.user, "exchange.outbox")
    state = request.GET.get("state", "pending")
    if state not in STATES:
        state = "pending"
    rows = (OutboxMessage.objects.filter(**STATES[state][1]).select_related("work_order__matter")
            .order_by("-id")[:200])
    return render(request, "exchange/outbox.html", {
        "rows": rows, "state": state, "states": [(k, v[0]) for k, v in STATES.items()],
        "summary": outbox.summary(), "endpoint": outbox.endpoint(),
    })


@require_POST
def outbox_retry(request, pk: int):
    permissions.require(request.user, "exchange.outbox")
    count = outbox.retry_failed(by=request.user, pk=pk)
    if count:
        messages.success(request, "已重新排进发送队列。")
    else:
        messages.info(request, "这条消息不在“停止重试”之列（可能已送达或已在队列中）。")
    return redirect(reverse("exchange:outbox") + "?state=failed")


# -- 台账导入 -------------------------------------------------------------------------------


def _mine(request, pk: int) -> PetitionImport:
    """导入记录只给上传人本人（报告里有各行的内容）。"""
    batch = PetitionImport.objects.filter(pk=pk, started_by=request.user).first()
    if batch is None:
        raise Http404("没有这次导入")
    return batch


def import_page(request):
    permissions.require(request.user, "petition.import")
    if request.method == "POST":
        uploaded = request.FILES.get("file")
        source = request.POST.get("source_system", "")
        if uploaded is None:
            messages.error(request, "「文件」：请选择要导入的 .xlsx 或 CSV 文件")
        elif Path(uploaded.name).suffix.lower() not in (".csv", ".xlsx"):
            messages.error(request, f"「文件」：只接受 .xlsx 或 CSV（UTF-8 或 GBK），收到「{uploaded.name}」")
        elif uploaded.size > MAX_UPLOAD_BYTES:
            messages.error(request, f"「文件」：{uploaded.size / 1024 ** 2:,.0f} MB 超过网页上传上限 "
                                    f"{MAX_UPLOAD_BYTES / 1024 ** 2:,.0f} MB；请拆分，或在服务器上用 xinfang import-petitions")
        else:
            folder = Path(settings.VAR_DIR) / "imports"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{uuid.uuid4().hex}{Path(uploaded.name).suffix.lower()}"
            with open(path, "wb") as handle:
                for chunk in uploaded.chunks():
                    handle.write(chunk)
            try:
                batch = imports.create_batch(path, by=request.user, source_system=source, file_name=uploaded.name)
            except imports.ImportRefused as exc:
                path.unlink(missing_ok=True)
                for problem in exc.problems:
                    messages.error(request, problem)
            else:
                return redirect("exchange:import_batch", pk=batch.pk)
    return render(request, "exchange/import.html", {
        "batches": PetitionImport.objects.filter(started_by=request.user)[:20],
        "fields": ledger.FIELDS, "source": request.POST.get("source_system", ""),
    })


def _mapping_context(batch: PetitionImport, problems=()) -> dict:
    try:
        header, sample = ledger.preview(batch.stored_path)
    except ledger.LedgerError as exc:
        header, sample, problems = [], [], [*problems, str(exc)]
    columns = [{"index": i, "name": name, "field": batch.mapping.get(str(i), ""),
                "sample": [row[i] if i < len(row) else "" for row in sample[:3]]} for i, name in enumerate(header)]
    return {"batch": batch, "columns": columns, "sample": sample, "header": header, "fields": ledger.FIELDS,
            "channels": Channel.choices, "problems": problems}


def _progress_context(batch: PetitionImport) -> dict:
    done = batch.status == ImportStatus.DONE
    percent = 100 if done else (min(99, int(100 * (batch.last_committed_row - 1) / batch.rows_expected))
                                if batch.rows_expected else 0)
    return {"batch": batch, "percent": percent, "running": batch.status == ImportStatus.RUNNING
            and not imports.stalled(batch), "stalled": imports.stalled(batch), "summary": imports.summary(batch),
            "resumable": batch.status == ImportStatus.FAILED or imports.stalled(batch)}


def import_batch(request, pk: int):
    permissions.require(request.user, "petition.import")
    batch = _mine(request, pk)
    if batch.status == ImportStatus.MAPPING:
        return render(request, "exchange/import_mapping.html", _mapping_context(batch))
    template = "exchange/_import_progress.html" if request.headers.get("HX-Request") else "exchange/import_batch.html"
    return render(request, template, _progress_context(batch))


@require_POST
def import_start(request, pk: int):
    permissions.require(request.user, "petition.import")
    batch = _mine(request, pk)
    mapping = None
    if batch.status == ImportStatus.MAPPING:
        mapping = {key.removeprefix("col_"): value for key, value in request.POST.items()
                   if key.startswith("col_") and key.removeprefix("col_").isdigit()}
    try:
        imports.start(batch, by=request.user, mapping=mapping, dry_run=request.POST.get("dry_run") == "1",
                      default_channel=request.POST.get("default_channel", ""),
                      update_contacts=request.POST.get("update_contacts") == "1")
    except imports.ImportRefused as exc:
        if batch.status == ImportStatus.MAPPING:
            if mapping is not None:
                batch.mapping = mapping
            return render(request, "exchange/import_mapping.html", _mapping_context(batch, exc.problems), status=400)
        for problem in exc.problems:
            messages.error(request, problem)
    return redirect("exchange:import_batch", pk=batch.pk)
