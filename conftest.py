"""全项目共用的测试夹具：固定人物表、浏览器。"""

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Argon2 每次约 0.3 秒：测试里每建一个人就要一次，换成快的；Argon2 本身另有测试。
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cast(db):
    from xinfang.org.testing import build_cast

    return build_cast()


@pytest.fixture
def login(client):
    """以某个人物登录测试客户端（不经登录页，省时间；登录页本身另有测试）。"""

    def as_(staff):
        client.force_login(staff)
        return client

    return as_


@pytest.fixture(scope="session")
def chromium_path():
    if CHROMIUM:
        return CHROMIUM
    message = "未安装 Debian 的 chromium，浏览器测试跳过（apt-get install chromium）"
    if os.environ.get("CI"):
        pytest.fail("CI 中浏览器测试不得跳过：" + message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    # Playwright 的同步接口在本线程跑事件循环；Django 的 ORM 因此需要放行。
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()
