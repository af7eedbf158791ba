"""全项目共用的测试夹具：固定人物表、浏览器；并行（pytest-xdist）时各进程的文件与缓存互不相扰。

固定人物表（cast）每个测试进程只建一次：第一个要它的非事务测试在一个外层事务里建好，
之后的非事务测试各自在其中的保存点里运行、结束即回滚，看到的库与刚建好人物表时一样
（Django TestCase.setUpTestData 的做法）；每个测试拿到的是人物对象的深拷贝，改了也不串到别的测试。
事务测试（transactional_db、live_server）要提交数据给别的连接看，照旧每次现建一份。
"""

import copy
import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _test_now():
    """XINFANG_TEST_NOW=2027-02-10（或带时刻）：整个测试进程当作那一天运行（时间照常走）。

    用来找出只在某些日子才失败的测试，比如期限落进节假日尚未公布的年份（chinesecalendar 只知道到
    2026 年）。子进程（xinfang serve、celery worker、generate）不受影响，仍是真实时间。"""
    raw = os.environ.get("XINFANG_TEST_NOW", "")
    if not raw:
        return None
    from datetime import datetime
    from zoneinfo import ZoneInfo

    moment = datetime.fromisoformat(raw if "T" in raw or " " in raw else raw + "T10:00")
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("Asia/Shanghai"))


def pytest_configure(config):
    moment = _test_now()
    if moment is not None:
        import time_machine

        traveller = time_machine.travel(moment, tick=True)
        traveller.start()
        config.add_cleanup(traveller.stop)


def pytest_report_header(config):
    moment = _test_now()
    return f"XINFANG_TEST_NOW：测试进程当作 {moment.isoformat()} 运行" if moment else None


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Argon2 每次约 0.3 秒：测试里每建一个人就要一次，换成快的；Argon2 本身另有测试。
    settings.PASSWORD_HASHERS = [FAST_HASHER]


FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


# ---- 每个测试进程自己的文件目录与缓存键前缀 ----

@pytest.fixture(scope="session", autouse=True)
def _own_files_and_cache(tmp_path_factory):
    """上传文件、短信日志、邮件写进本进程的临时目录；Redis 缓存键加上本进程的前缀。

    并行时两个进程共用 var/ 与同一个 Redis 库：各写各的，免得一个测试读到另一个进程的短信或文件，
    或登录失败计数串到另一个进程里同名的人物身上。"""
    from django.conf import settings
    from django.test.utils import override_settings

    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    var = tmp_path_factory.mktemp(f"var-{worker}")
    mailers = copy.deepcopy(settings.MAILERS)
    for mailer in mailers.values():
        if "file_path" in mailer.get("OPTIONS", {}):
            mailer["OPTIONS"]["file_path"] = str(var / "mail")
    caches = copy.deepcopy(settings.CACHES)
    for cache in caches.values():
        cache["KEY_PREFIX"] = f"xinfang-test-{worker}-{os.getpid()}"
    override = override_settings(MEDIA_ROOT=var / "media", SMS_LOG_FILE=var / "sms.log", MAILERS=mailers,
                                 CACHES=caches)
    override.enable()
    yield var
    override.disable()


# ---- 固定人物表：每个进程建一次 ----

def _db_use(item) -> tuple[bool, bool]:
    """(用数据库, 是事务测试)：与 pytest-django 给测试排序时的判断一致。"""
    from django.test import TestCase, TransactionTestCase

    cls = getattr(item, "cls", None)
    if cls and issubclass(cls, TransactionTestCase):
        return True, not issubclass(cls, TestCase)
    fixtures = getattr(item, "fixturenames", [])
    uses_db = "db" in fixtures
    transactional = "transactional_db" in fixtures or "live_server" in fixtures
    marker = item.get_closest_marker("django_db")
    if marker:
        from pytest_django.plugin import validate_django_db

        transaction, reset_sequences, *_ = validate_django_db(marker)
        uses_db, transactional = True, transactional or transaction or reset_sequences
    return uses_db, transactional


def _shares_cast(item) -> bool:
    uses_db, transactional = _db_use(item)
    return uses_db and not transactional and "cast" in getattr(item, "fixturenames", [])


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    # pytest-django 已按“非事务、事务、不用库”排好；非事务的一组里再把用人物表的排在前面，
    # 使人物表在一个进程里只建一次（稳定排序：其余次序不变）。
    def group(item):
        uses_db, transactional = _db_use(item)
        if transactional:
            return 2
        if uses_db:
            return 0 if "cast" in getattr(item, "fixturenames", []) else 1
        return 3

    items.sort(key=group)


class _CastLayer:
    """外层事务与在其中建好的人物表；没有打开时 cast 为 None。"""

    def __init__(self, blocker):
        self.blocker = blocker
        self.atomic = None
        self.cast = None

    def open(self):
        from django.db import transaction
        from django.test.utils import override_settings

        from xinfang.org.testing import build_cast

        with self.blocker.unblock():
            atomic = transaction.atomic()
            atomic._from_testcase = True  # 像 TestCase 的外层事务一样，不妨碍代码里的 durable 事务块
            atomic.__enter__()
            self.atomic = atomic
            with override_settings(PASSWORD_HASHERS=[FAST_HASHER]):
                self.cast = build_cast()

    def close(self):
        if self.atomic is None:
            return
        from django.db import transaction

        with self.blocker.unblock():
            # PG 一遍里见过一次外层事务已不在（连接被关过）：那时库里已没有它的数据，只须忘掉它。
            if transaction.get_connection().in_atomic_block:
                transaction.set_rollback(True)
                self.atomic.__exit__(None, None, None)
        self.atomic = self.cast = None

    def alive(self) -> bool:
        from django.db import transaction

        return self.cast is not None and transaction.get_connection().in_atomic_block


@pytest.fixture(scope="session")
def _cast_layer_state(django_db_setup, django_db_blocker):
    layer = _CastLayer(django_db_blocker)
    yield layer
    layer.close()


@pytest.fixture
def _cast_layer(request, _cast_layer_state):
    """在测试自己的事务打开之前，按需打开或关上共用人物表的外层事务。"""
    if _shares_cast(request.node):
        if not _cast_layer_state.alive():
            _cast_layer_state.close()
            _cast_layer_state.open()
    else:
        # 事务测试要提交、要清库；不要人物表的测试要一个没有它的库。
        _cast_layer_state.close()
    return _cast_layer_state


@pytest.fixture
def _django_db_helper(_cast_layer, _django_db_helper):
    # 覆盖 pytest-django 的同名夹具（db、transactional_db 与 django_db 标记都经过它），
    # 只为让上面的外层事务先于测试的事务打开。
    yield _django_db_helper
    # 测试的事务回滚（或清库）之后，进程里缓存的部门名称可能是被撤销的改名：清掉。
    # 共用人物表时各测试的部门 id 相同，留着就会串到下一个测试。
    from xinfang.org.labels import clear_cache

    clear_cache()


@pytest.fixture
def cast(db, _cast_layer):
    from xinfang.org.testing import build_cast

    if _cast_layer.cast is not None:
        return copy.deepcopy(_cast_layer.cast)
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


@pytest.fixture(scope="session")
def _cast_layer_closed_for_live_server(_cast_layer_state):
    # live_server 是整个进程一个，在第一个要它的测试的函数级夹具之前就起来；那时人物表的外层事务
    # 可能还开着（上一个测试留下的），服务线程的连接就会被它锁住。先关上。
    _cast_layer_state.close()


@pytest.fixture(scope="session")
def live_server(_cast_layer_closed_for_live_server, live_server):
    return live_server
