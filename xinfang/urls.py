from django.contrib import admin
from django.urls import include, path

from xinfang import views as home_views
from xinfang.core import views as core_views
from xinfang.api import urls as api_urls
from xinfang.api.api import urlpatterns as api_v1
from xinfang.org import views as org_views

admin.site.site_header = "Xinfang 信访系统配置"
admin.site.site_title = "Xinfang 配置后台"
admin.site.index_title = "系统配置"

urlpatterns = [
    path("", home_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/login/", org_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", org_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", org_views.password_change, name="password_change"),
    path("org/", include("xinfang.org.urls")),
    path("audit/", include("xinfang.audit.urls")),
    path("petitions/", include("xinfang.petitions.urls")),
    path("triage/", include("xinfang.triage.urls")),
    path("supervision/", include("xinfang.supervision.urls")),
    path("portal/", include("xinfang.portal.urls")),
    path("screening/", include("xinfang.screening.urls")),
    path("assessment/", include("xinfang.assessment.urls")),
    path("warning/", include("xinfang.warning.urls")),
    path("exchange/", include("xinfang.exchange.urls")),
    path("api/v1/", api_v1()),
    path("api/tokens/", include(api_urls.token_urlpatterns)),
    path("open311/", include("xinfang.api.urls")),
    # 配置后台不另设登录页：统一走带锁定的登录。
    path("admin/login/", org_views.admin_login_redirect),
    path("admin/", admin.site.urls),
]

# 接口地址下的 404 答 JSON；其它地址仍是 templates/404.html。
handler404 = "xinfang.api.errors.handler404"
