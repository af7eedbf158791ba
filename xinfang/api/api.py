"""REST 接口 /api/v1/：OpenAPI 3 在 /api/v1/openapi.json，接口说明页 /api/v1/docs（随包的 Swagger UI，不用 CDN）。"""

from __future__ import annotations

from ninja import NinjaAPI, Swagger

from . import errors, matters, resources

api = NinjaAPI(
    title="Xinfang 信访系统接口",
    version="1.0.0",
    description=(
        "交警信访办理系统的对外接口。调用者：浏览器的登录会话（写操作带 X-CSRFToken），或系统管理员签发的 "
        "API 令牌（`Authorization: Bearer xf_…`）。令牌的权限恰好是它的能力（权限表 org/permissions.py 的能力代码），"
        "只在它的部门范围（含下级）内有效；看不到的记录答 404，看得到但无权答 403。错误一律是 JSON："
        "`code`（稳定代码）、`message`（中文说明）、`field`（出错的字段）。"
    ),
    urls_namespace="api",
    docs=Swagger(settings={"persistAuthorization": False}),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)


@api.get("/", auth=None, url_name="index", summary="接口入口", tags=["说明"])
def index(request):
    """不需登录：接口说明与 OpenAPI 的地址。"""
    return {"openapi": "/api/v1/openapi.json", "docs": "/api/v1/docs", "open311": "/open311/discovery.json"}


api.add_router("/", matters.router)
api.add_router("/", resources.router)


def urlpatterns():
    """接口的地址；LoginRequiredMiddleware 不拦（调用者在 auth 里认，未认出答 JSON 的 401）。"""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        pattern.callback.login_required = False
    return patterns, app_name, namespace
