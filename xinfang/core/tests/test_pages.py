"""固定地址、各角色首页、中文错误页、CSRF。"""

import os
import subprocess
import sys

import pytest

from xinfang.org.start import START_PAGES

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    expected = {"status": "ok", "database": "ok"}
    if os.environ.get("XINFANG_REDIS_URL"):
        expected["redis"] = "ok"
    assert response.json() == expected


def test_healthz_answers_503_naming_the_database_when_it_is_down(tmp_path):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("XINFANG_")}
    environment.update(XINFANG_VAR_DIR=str(tmp_path), XINFANG_DATABASE_URL="postgres://postgres@127.0.0.1:9/none",
                       XINFANG_ALLOWED_HOSTS="testserver",
                       DJANGO_SETTINGS_MODULE="xinfang.settings")
    code = ("import django; django.setup(); from django.test import Client; "
            "r = Client().get('/healthz'); print(r.status_code, r.content.decode())")
    out = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=180).stdout
    assert out.strip() == '503 {"status": "error", "database": "error"}'


def test_pages_need_login_and_the_login_page_is_chinese(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "工作人员登录" in client.get("/accounts/login/").content.decode()


@pytest.mark.parametrize("who", ["clerk", "handler_a", "head_a", "leader", "supervisor", "bureau", "auditor", "admin"])
def test_each_role_lands_on_its_own_start_page(cast, login, who):
    staff = getattr(cast, who)
    role = staff.roles.get().code
    body = login(staff).get("/").content.decode()
    assert f'data-role="{role}">{START_PAGES[role].title}<' in body


def test_someone_with_several_roles_can_switch_start_page(cast, login):
    from xinfang.org.services import set_roles

    set_roles(cast.head_a, by=cast.admin, roles=["unit_head", "handler"])
    client = login(cast.head_a)
    assert 'data-role="unit_head"' in client.get("/").content.decode()
    assert 'data-role="handler"' in client.get("/?as=handler").content.decode()
    assert 'data-role="unit_head"' in client.get("/?as=auditor").content.decode()  # 没有的角色不给


def test_navigation_follows_roles(cast, login):
    assert "审计日志" not in login(cast.handler_a).get("/").content.decode()
    assert "审计日志" in login(cast.auditor).get("/").content.decode()
    assert "配置后台" in login(cast.admin).get("/").content.decode()


def test_not_found_page_is_chinese(cast, login):
    response = login(cast.handler_a).get("/no/such/page/")
    assert response.status_code == 404 and "页面不存在" in response.content.decode()


def test_a_forged_post_without_csrf_token_changes_nothing(cast):
    from django.test import Client

    from xinfang.org.models import LoginThrottle

    for _ in range(5):
        Client().post("/accounts/login/", {"username": "handler_a", "password": "bad-password1"})
    lock = LoginThrottle.objects.get(kind="account", key="handler_a")
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.admin)
    response = client.post(f"/org/lockouts/{lock.pk}/unlock/")
    assert response.status_code == 403 and "请求已过期或来源不明" in response.content.decode()
    assert LoginThrottle.objects.filter(pk=lock.pk).exists()


def test_django_admin_is_in_chinese_for_admins_only(cast, login):
    assert "系统配置" in login(cast.admin).get("/admin/").content.decode()
    assert login(cast.handler_a).get("/admin/", follow=True).status_code == 403
