"""接口的错误：一律是 JSON —— 稳定的代码（code）、中文说明（message）、出错的字段（field），
多处出错时另列 errors。页面上的中文说明原样带过来（权限表的 refusal、转换表的 WorkflowError、表单的校验）。"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None, errors=None):
        super().__init__(message)
        self.status, self.code, self.message, self.field, self.errors = status, code, message, field, errors


def body(code: str, message: str, field: str | None = None, errors=None) -> dict:
    data = {"code": code, "message": message, "field": field}
    if errors:
        data["errors"] = errors
    return data


def respond(status: int, code: str, message: str, field: str | None = None, errors=None) -> JsonResponse:
    response = JsonResponse(body(code, message, field, errors), status=status,
                            json_dumps_params={"ensure_ascii": False})
    return response


def from_validation(exc: ValidationError, labels: dict | None = None) -> ApiError:
    """Django 的 ValidationError（字段 → 说明）变成 400；说明前加上字段的中文名。"""
    labels = labels or {}
    errors = []
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            name = None if field == "__all__" else field
            for message in messages:
                errors.append({"field": name, "message": f"{labels.get(field, field)}：{message}" if name else message})
    else:
        errors = [{"field": None, "message": m} for m in exc.messages]
    first = errors[0] if errors else {"field": None, "message": "提交的内容有误"}
    return ApiError(400, "invalid", first["message"], first["field"], errors)


def from_form(form, prefix: str = "") -> ApiError:
    errors = []
    for field, messages in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for message in messages:
            name = None if field == "__all__" else f"{prefix}{field}"
            errors.append({"field": name, "message": f"{label}（{name}）：{message}" if name else message})
    first = errors[0]
    return ApiError(400, "invalid", first["message"], first["field"], errors)


# pydantic 的错误种类 → 中文
PYDANTIC = {
    "missing": "必须填写", "int_parsing": "须是整数", "int_type": "须是整数", "int_from_float": "须是整数",
    "string_type": "须是文字", "bool_parsing": "须是 true 或 false", "bool_type": "须是 true 或 false",
    "datetime_parsing": "须是日期时间（如 2026-03-01T09:30:00+08:00）", "datetime_from_date_parsing": "须是日期时间",
    "datetime_type": "须是日期时间", "date_parsing": "须是日期（YYYY-MM-DD）", "date_from_datetime_parsing": "须是日期（YYYY-MM-DD）",
    "date_type": "须是日期（YYYY-MM-DD）", "list_type": "须是列表", "dict_type": "须是对象", "model_type": "须是对象",
    "greater_than_equal": "太小", "less_than_equal": "太大", "string_too_long": "太长", "string_too_short": "太短",
    "too_long": "项数太多", "too_short": "项数太少", "json_invalid": "请求体不是合法的 JSON", "literal_error": "取值不在允许的范围内",
    "enum": "取值不在允许的范围内", "float_parsing": "须是数字", "float_type": "须是数字", "extra_forbidden": "不认识这个字段",
    "value_error": "取值不对", "uuid_parsing": "取值不对",
}
WHERE = {"body": "", "payload": "", "query": "", "path": "", "form": "", "file": "", "header": "", "cookie": ""}


def from_pydantic(errors: list[dict]) -> ApiError:
    rows = []
    for error in errors:
        loc = [str(x) for x in error.get("loc", ())]
        if loc and loc[0] in WHERE:
            loc = loc[1:]
        # ninja 把参数组放在 loc 第二位（如 body, payload, petitioners, 0, name）：去掉参数组名
        if len(loc) > 1 and loc[0] in ("payload", "filters", "params", "data"):
            loc = loc[1:]
        field = ".".join(loc) or None
        kind = error.get("type", "")
        what = PYDANTIC.get(kind, "取值不对")
        rows.append({"field": field, "message": f"字段 {field}：{what}" if field else what})
    if not rows:
        rows = [{"field": None, "message": "提交的内容有误"}]
    code = "malformed_json" if any(e.get("type") == "json_invalid" for e in errors) else "invalid"
    return ApiError(400, code, rows[0]["message"], rows[0]["field"], rows)


def install(api) -> None:
    """把各类异常接到 NinjaAPI 上，答 JSON。"""
    from ninja.errors import AuthenticationError, HttpError, ValidationError as NinjaValidationError

    from xinfang.petitions.workflow import ActionNotAllowed, StaleMatter, WorkflowError

    def handle(request, exc):
        return respond(exc.status, exc.code, exc.message, exc.field, exc.errors)

    api.add_exception_handler(ApiError, handle)
    api.add_exception_handler(NinjaValidationError, lambda r, e: handle(r, from_pydantic(e.errors)))
    api.add_exception_handler(ValidationError, lambda r, e: handle(r, from_validation(e)))
    api.add_exception_handler(Http404, lambda r, e: respond(404, "not_found", _text(e, "记录不存在，或不在您的可见范围内")))
    api.add_exception_handler(PermissionDenied, lambda r, e: respond(403, "forbidden", _text(e, "您无权进行此操作")))
    api.add_exception_handler(StaleMatter, lambda r, e: respond(409, "stale_version", str(e), "version"))
    api.add_exception_handler(ActionNotAllowed, lambda r, e: respond(409 if "当前为" in str(e) else 403,
                                                                     "action_not_allowed", str(e), "action"))
    api.add_exception_handler(WorkflowError, lambda r, e: respond(409, "workflow", str(e)))
    api.add_exception_handler(AuthenticationError, lambda r, e: respond(
        401, "unauthenticated", "请先登录，或在 Authorization 头中提供有效的 API 令牌（Bearer xf_…）", "Authorization"))
    api.add_exception_handler(HttpError, lambda r, e: respond(e.status_code, "http_error", _http_text(e)))


def _text(exc, default: str) -> str:
    text = str(exc)
    return text if text and any("\u4e00" <= ch <= "\u9fff" for ch in text) else default


def _http_text(exc) -> str:
    text = str(exc)
    if "parse" in text.lower() or "json" in text.lower():
        return "请求体不是合法的 JSON"
    return _text(exc, "请求有误")


def not_found_json(request, exception=None):
    return respond(404, "not_found", "记录不存在，或不在您的可见范围内")


def handler404(request, exception=None):
    """全站的 404：接口地址下答 JSON（地址不存在、路径里的编号超出范围），其余照旧是中文页面。"""
    if request.path.startswith("/api/"):
        return not_found_json(request)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)
