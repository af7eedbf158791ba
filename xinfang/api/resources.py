"""其它资源：执法案件导入（排查的导入器）、考核指标（指标登记表与计算）、预警（预警中心的读），
以及 12345 转办工单的接收（领域部分在 xinfang/exchange/services.py）。"""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.signing import BadSignature, Signer
from django.db import transaction
from ninja import File, Query, Router
from ninja.files import UploadedFile

from xinfang.core import clock
from xinfang.org import access

from .auth import caller
from .errors import ApiError, from_validation
from .matters import ERRORS, _json_body
from .schemas import MAX_ID, Error, ImportRunOut, MetricDefinition, OrderReceived, UnitMetrics, WarningOut, WarningPage

router = Router(auth=caller)

# -- 执法案件导入 -----------------------------------------------------------------------------

MAX_IMPORT_BYTES = 50 * 1024 ** 2  # 接口同步导入；更大的文件请在服务器上用 xinfang import-cases


def _run(run) -> dict:
    return {"id": run.pk, "file_name": run.file_name, "status": run.status, "status_label": run.get_status_display(),
            "rows_seen": run.rows_seen, "created": run.created, "updated": run.updated, "unchanged": run.unchanged,
            "rejected": run.rejected, "message": run.message, "problems": list(run.problems or [])[:200]}


@router.post("/enforcement-cases/imports", response={201: ImportRunOut, **ERRORS}, url_name="case_imports",
             tags=["执法案件"], summary="导入执法案件文件")
def import_cases(request, file: File[UploadedFile]):
    """与「导入案件」页同一个导入器：逐行校验（行、列、值与原因）、按案件编号更新、按批提交、可续传。"""
    from xinfang.screening.import_views import SUFFIXES, execute_import
    from xinfang.screening.models import ImportRun

    suffix = Path(file.name or "").suffix.lower()
    if suffix not in SUFFIXES:
        raise ApiError(400, "invalid", f"文件（file）：只接受 CSV（UTF-8 或 GBK）或 .xlsx，收到「{(file.name or '')[:60]}」", "file")
    if file.size > MAX_IMPORT_BYTES:
        raise ApiError(400, "invalid", f"文件（file）：超过接口导入上限 {MAX_IMPORT_BYTES // 1024 ** 2} MB，"
                                       "请拆分，或在服务器上用 xinfang import-cases", "file")
    folder = Path(settings.VAR_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{suffix}"
    with open(path, "wb") as handle:
        for chunk in file.chunks():
            handle.write(chunk)
    run = ImportRun.objects.create(file_name=(file.name or "upload")[:255], file_sha256="", file_size=file.size,
                                   started_by=request.user, started_at=clock.now())
    execute_import(run.pk, str(path), request.user.pk)
    run.refresh_from_db()
    return 201, _run(run)


@router.get("/enforcement-cases/imports/{int:pk}", response={200: ImportRunOut, **ERRORS}, url_name="case_import",
            tags=["执法案件"], summary="一次导入的结果")
def import_run(request, pk: int):
    from xinfang.screening.models import ImportRun

    run = ImportRun.objects.filter(pk=pk).first()
    if run is None:
        raise ApiError(404, "not_found", "导入记录不存在")
    return _run(run)


# -- 考核指标 -----------------------------------------------------------------------------------


@router.get("/metrics", response={200: list[MetricDefinition], **ERRORS}, url_name="metric_definitions",
            tags=["考核"], summary="指标登记表")
def metric_definitions(request):
    """每个指标的定义：分子、分母、计入日期、排除、依据条文（assessment/registry.py）。"""
    from xinfang.assessment.registry import METRICS

    return [m.as_dict() for m in METRICS]


@router.get("/metrics/{int:pk}", response={200: UnitMetrics, **ERRORS}, url_name="metrics", tags=["考核"],
            summary="一个单位（含下级）的指标")
def unit_metrics(request, pk: int, start: date | None = Query(None, alias="from"), end: date | None = Query(None, alias="to")):
    """与考核看板同一套计算；看不到的单位答 404。期间默认今年 1 月 1 日到今天。"""
    from xinfang.assessment.contract import parse_period
    from xinfang.assessment.dashboard import figures_for
    from xinfang.assessment.registry import BY_KEY

    unit = access.access_department(request.user, pk)
    today = clock.today()
    try:
        start, end = parse_period((start or today.replace(month=1, day=1)).isoformat(), (end or today).isoformat())
    except ValidationError as exc:
        raise from_validation(exc, {"--from": "from", "--to": "to"}) from None
    figures = figures_for(unit, start, end)
    rows = []
    for key, by_unit in figures.items():
        figure = by_unit.get(unit.pk)
        figure = figure.as_dict() if hasattr(figure, "as_dict") else (figure or {})
        rows.append({"key": key, "label": BY_KEY[key].label if key in BY_KEY else key,
                     "numerator": figure.get("numerator"), "denominator": figure.get("denominator"),
                     "value": figure.get("value")})
    return {"department_id": unit.pk, "department": unit.name, "start": start, "end": end, "figures": rows}


# -- 预警 ---------------------------------------------------------------------------------------

WARNING_CURSOR = Signer(salt="api.warnings.cursor")


def _warning(w) -> dict:
    return {"id": w.pk, "kind": w.kind, "kind_label": w.get_kind_display(), "status": w.status,
            "status_label": w.get_status_display(), "department": w.department.name if w.department else None,
            "title": w.title, "detail": w.detail, "period_start": w.period_start, "observed": w.observed,
            "expected": w.expected, "upper": w.upper, "created_at": w.created_at}


@router.get("/warnings", response={200: WarningPage, **ERRORS}, url_name="warnings", tags=["预警"],
            summary="预警列表")
def warnings(request, status: str = Query("", description="open / acknowledged / closed；空为未关闭的"),
             cursor: str = Query("", max_length=200), limit: int = Query(50, ge=1, le=200)):
    """预警中心的预警（按可见的单位），从新到旧。"""
    from xinfang.warning.models import OPEN_STATES, WarningStatus
    from xinfang.warning.selectors import visible_warnings

    rows = visible_warnings(request.user).order_by("-id")
    if status:
        if status not in WarningStatus.values:
            raise ApiError(400, "invalid", f"状态（status）：只能是 {'、'.join(WarningStatus.values)}", "status")
        rows = rows.filter(status=status)
    else:
        rows = rows.filter(status__in=OPEN_STATES)
    if cursor:
        try:
            rows = rows.filter(pk__lt=int(WARNING_CURSOR.unsign(cursor)))
        except (BadSignature, ValueError):
            raise ApiError(400, "invalid_cursor", "游标（cursor）无效：请用上一页返回的 next_cursor", "cursor") from None
    found = list(rows[: limit + 1])
    more = len(found) > limit
    found = found[:limit]
    return {"items": [_warning(w) for w in found],
            "next_cursor": WARNING_CURSOR.sign(str(found[-1].pk)) if more and found else None}


@router.get("/warnings/{int:pk}", response={200: WarningOut, **ERRORS}, url_name="warning", tags=["预警"],
            summary="一条预警")
def warning(request, pk: int):
    from xinfang.warning.selectors import access_warning

    return _warning(access_warning(request.user, pk))


# -- 12345 转办工单 -------------------------------------------------------------------------------

ORDER_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "additionalProperties": True,
    "description": "12345 工单：工单号、派单时间、来电人诉求、联系方式、类别、办理时限（字段见 xinfang/exchange）",
}}}}}


@router.post("/exchange/12345/orders", response={200: OrderReceived, 201: OrderReceived, 503: Error, **ERRORS},
             url_name="exchange_orders", tags=["12345 转办"], summary="接收 12345 转办工单",
             openapi_extra=ORDER_BODY)
def receive_12345_order(request):
    """收到一张转办工单即登记为渠道“12345转办”的信访件；同一工单号再收到一次返回同一件（200，created=false）。"""
    try:
        from xinfang.exchange.errors import OrderError
        from xinfang.exchange.services import receive_order
    except ImportError:
        raise ApiError(503, "exchange_unavailable", "本部署未启用 12345 工单交换（xinfang.exchange）") from None
    payload = _json_body(request)
    token = getattr(request.user, "service_token", None)
    if token is None:
        raise ApiError(403, "forbidden", "12345 工单只接受持 exchange.12345 能力的 API 令牌", "Authorization")
    try:
        with transaction.atomic():
            petition, created = receive_order(token_or_integration=token, payload=payload)
    except OrderError as exc:  # 工单报文不对（400）或同号不同内容（409）：字段名与中文说明照原样给对端
        raise ApiError(exc.status, exc.code, exc.message, exc.field, errors=[
            {"field": name, "message": m} for name, messages in exc.errors.items() for m in messages]) from None
    except ValidationError as exc:
        raise from_validation(exc) from None
    matter = petition.matter
    return (201 if created else 200), {"petition_id": petition.pk, "matter_id": matter.pk,
                                       "matter_number": matter.number, "created": created}


_ = (MAX_ID, Error)
