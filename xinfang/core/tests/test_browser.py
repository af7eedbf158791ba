"""真实浏览器（Playwright + Debian 的 chromium）：登录、首页、页面只向本站发请求。"""

import pytest

from xinfang.org.testing import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_every_request_a_page_makes_goes_to_the_apps_own_origin(cast, live_server, page):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    log_in(page, live_server.url, "admin")
    for path in ("/", "/org/departments/", f"/org/departments/{cast.brigade_a.pk}/", "/org/lockouts/", "/admin/"):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
    assert requested, "页面没有发出任何请求"
    foreign = [url for url in requested if not url.startswith(live_server.url) and not url.startswith("data:")]
    assert foreign == []
    assert any(url.endswith("bootstrap.min.css") for url in requested)
    assert any(url.endswith("htmx.min.js") for url in requested)


def test_a_handler_logs_in_sees_the_start_page_and_logs_out(cast, live_server, page):
    log_in(page, live_server.url, "handler_a")
    assert page.locator("h1").inner_text() == "我的待办"
    assert page.locator("text=中队A1").count() == 1
    assert page.locator("text=大队B").count() == 0
    page.click("text=退出")
    page.wait_for_url(f"{live_server.url}/accounts/login/")


def test_a_wrong_password_shows_the_chinese_message(cast, live_server, page):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "handler_a")
    page.fill("#id_password", "not-the-password1")
    page.click("button[type=submit]")
    assert "用户名或密码不正确" in page.locator(".alert-danger").inner_text()
    assert page.input_value("#id_username") == "handler_a"
