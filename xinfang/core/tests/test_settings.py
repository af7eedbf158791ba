"""配置只从环境变量来；非法取值令启动失败并指出变量名。"""

import os
import stat
import subprocess
import sys

import pytest


def start(tmp_path, **env):
    """在子进程里按给定环境加载配置，返回 (退出码, 输出)。"""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("XINFANG_")}
    environment.update({"XINFANG_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "xinfang.settings", **env})
    code = "import django; django.setup(); from django.conf import settings as s; print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.DATABASES['default']['ENGINE'], s.TIME_ZONE, s.LANGUAGE_CODE)"
    done = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=180)
    return done.returncode, done.stdout + done.stderr


def test_defaults_are_safe_sqlite_shanghai_and_chinese(tmp_path):
    code, out = start(tmp_path)
    assert code == 0, out
    assert out.split() == ["False", "True", "django.db.backends.sqlite3", "Asia/Shanghai", "zh-hans"]


@pytest.mark.parametrize("value", ["yes", "1", "ture", "TRUE1"])
def test_debug_accepts_only_true_or_false(tmp_path, value):
    code, out = start(tmp_path, XINFANG_DEBUG=value)
    assert code != 0 and "XINFANG_DEBUG" in out and "true 或 false" in out


def test_debug_true_relaxes_cookie_security(tmp_path):
    code, out = start(tmp_path, XINFANG_DEBUG="true")
    assert code == 0 and out.split()[:2] == ["True", "False"]


def test_a_bad_database_url_names_the_variable(tmp_path):
    code, out = start(tmp_path, XINFANG_DATABASE_URL="nosuchdb://x")
    assert code != 0 and "XINFANG_DATABASE_URL" in out


def test_a_bad_redis_url_names_the_variable(tmp_path):
    code, out = start(tmp_path, XINFANG_REDIS_URL="http://127.0.0.1:6379")
    assert code != 0 and "XINFANG_REDIS_URL" in out


def test_a_short_secret_key_is_refused(tmp_path):
    code, out = start(tmp_path, XINFANG_SECRET_KEY="short")
    assert code != 0 and "XINFANG_SECRET_KEY" in out


def test_secret_key_is_generated_once_with_owner_only_permissions(tmp_path):
    assert start(tmp_path)[0] == 0
    key_file = tmp_path / "secret_key"
    first = key_file.read_text()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert start(tmp_path)[0] == 0
    assert key_file.read_text() == first and len(first) >= 50


def test_env_example_lists_every_variable_the_settings_read():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    read = set(re.findall(r"XINFANG_[A-Z_]+", (root / "xinfang" / "settings.py").read_text()))
    listed = set(re.findall(r"^#?\s*(XINFANG_[A-Z_]+)=", (root / ".env.example").read_text(), re.M))
    assert read <= listed, read - listed


@pytest.mark.parametrize("name, value, words", [
    ("XINFANG_TRUSTED_PROXY", "proxy.local", "IP 地址"),
    ("XINFANG_CSRF_TRUSTED_ORIGINS", "xinfang.example", "https://"),
    ("XINFANG_CSRF_TRUSTED_ORIGINS", "https://x.example/path", "无路径"),
    ("XINFANG_HSTS_SECONDS", "a year", "整数"),
    ("XINFANG_CSP_REPORT_ONLY", "maybe", "true 或 false"),
])
def test_bad_proxy_and_header_settings_stop_start_up_naming_the_variable(tmp_path, name, value, words):
    code, out = start(tmp_path, **{name: value})
    assert code != 0 and name in out and words in out
