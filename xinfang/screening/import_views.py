"""导入页面：上传 → 后台线程导入 → 页面用 htmx 每秒取一次进度。只有系统管理员可用。"""

from __future__ import annotations

import logging
import threading
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.db import close_old_connections
from django.shortcuts import get_object_or_404, redirect, render

from xinfang.core import clock
from xinfang.ml.casefile import CaseFileError
from xinfang.org import permissions

from . import bulkindex
from .importer import import_cases
from .models import ImportRun, ImportStatus

log = logging.getLogger("xinfang.screening")
# 网页上传经过浏览器与反向代理，比命令行保守：更大的文件请在服务器上用 xinfang import-cases。
MAX_UPLOAD_BYTES = 200 * 1024 ** 2
SUFFIXES = (".csv", ".xlsx")


def run_import(run_id: int, path: str, by_id: int | None) -> None:
    """线程入口：线程自己的数据库连接用前用后各清一次。"""
    close_old_connections()
    try:
        execute_import(run_id, path, by_id)
    finally:
        close_old_connections()


def execute_import(run_id: int, path: str, by_id: int | None) -> None:
    """执行一次导入（只传 id）。整体不可用的文件把原因写进导入记录。"""
    run = ImportRun.objects.get(pk=run_id)
    try:
        from xinfang.org.models import Staff

        import_cases(path, run=run, by=Staff.objects.filter(pk=by_id).first())
    except CaseFileError as exc:
        run.status, run.message, run.finished_at = ImportStatus.FAILED, f"文件不能导入：{exc}", clock.now()
        run.problems = [{"row": exc.problem.row, "column": exc.problem.column, "value": exc.problem.value,
                         "why": exc.problem.why}]
        run.save()
    except Exception:  # 线程里的意外不能悄悄消失：记下来，页面显示失败，可重新上传续传。
        log.exception("案件导入失败：%s", path)
        ImportRun.objects.filter(pk=run_id).update(status=ImportStatus.FAILED, finished_at=clock.now(),
                                                   message="导入意外中断；重新上传同一文件即从已提交的下一行续传。")


def start_background(run: ImportRun, path: Path, by) -> None:
    """在本进程的一个线程里导入（导入按批提交，进程退出后重新上传即续传）。"""
    threading.Thread(target=run_import, args=(run.pk, str(path), getattr(by, "pk", None)),
                     name=f"import-{run.pk}", daemon=True).start()


def upload(request):
    permissions.require(request.user, "screening.import")
    if request.method == "POST":
        uploaded = request.FILES.get("file")
        if uploaded is None:
            messages.error(request, "「文件」：请选择要导入的 CSV 或 .xlsx 文件")
        elif Path(uploaded.name).suffix.lower() not in SUFFIXES:
            messages.error(request, f"「文件」：只接受 CSV（UTF-8 或 GBK）或 .xlsx，收到「{uploaded.name}」")
        elif uploaded.size > MAX_UPLOAD_BYTES:
            messages.error(request, f"「文件」：{uploaded.size / 1024 ** 2:,.0f} MB 超过网页上传上限 "
                                    f"{MAX_UPLOAD_BYTES / 1024 ** 2:,.0f} MB；请拆分，或在服务器上用 xinfang import-cases")
        else:
            folder = Path(settings.VAR_DIR) / "imports"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{uuid.uuid4().hex}{Path(uploaded.name).suffix.lower()}"
            with open(path, "wb") as handle:
                for chunk in uploaded.chunks():
                    handle.write(chunk)
            run = ImportRun.objects.create(file_name=uploaded.name[:255], file_sha256="", file_size=uploaded.size,
                                           started_by=request.user, started_at=clock.now())
            start_background(run, path, request.user)
            return redirect("screening:import_run", pk=run.pk)
    return render(request, "screening/import.html", {"runs": ImportRun.objects.all()[:20], "index_notice": bulkindex.notice()})


def run_page(request, pk: int):
    permissions.require(request.user, "screening.import")
    run = get_object_or_404(ImportRun, pk=pk)
    template = "screening/_import_progress.html" if request.headers.get("HX-Request") else "screening/import_run.html"
    percent = 100 if run.status == ImportStatus.DONE else (
        min(99, int(100 * (run.last_committed_row - 1) / run.rows_expected)) if run.rows_expected else 0)
    return render(request, template, {"run": run, "percent": percent, "running": run.status == ImportStatus.RUNNING})
