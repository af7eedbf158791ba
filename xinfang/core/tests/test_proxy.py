"""部署在 TLS 反向代理之后：真起一个 `xinfang serve` 进程（waitress，受信任代理设置），
像代理那样在回环地址上发带 X-Forwarded-Proto/For/Host 的请求：能登录、发 HSTS、记下真实来源地址；
没配受信任代理时，转发头不被采信。"""

from __future__ import annotations

import base64
import http.client
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from xinfang.audit.models import AuditEvent
from xinfang.org.models import Staff

PASSWORD = "Proxy2026pass"
HOST = "xinfang.example"


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, tmp_path: Path, *args: str, **env: str):
        self.port = _free_port()
        environment = {k: v for k, v in os.environ.items() if not k.startswith("XINFANG_")}
        environment.update({
            "XINFANG_VAR_DIR": str(tmp_path), "XINFANG_DATABASE_URL": _database_url(),
            "XINFANG_ALLOWED_HOSTS": f"{HOST},127.0.0.1", "XINFANG_HTTPS": "true",
            # 生产模式拒绝用生成在 var/ 下的开发密钥启动：给它一把测试用的加密密钥。
            "XINFANG_DATA_KEYS": "test:" + base64.b64encode(os.urandom(32)).decode(), **env,
        })
        command = [str(Path(sys.executable).with_name("xinfang")), "serve", "--port", str(self.port), "--threads", "2", *args]
        self.process = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def __enter__(self):
        deadline = time.monotonic() + 180  # 机器很忙时（负载 20）启动 Django 也要一分多钟
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.process.stdout.read().decode()
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.2)
        self.process.kill()  # 没起来也不留下进程
        raise AssertionError("xinfang serve 未能启动")

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=30)

    def request(self, method: str, path: str, *, body: str = "", headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        forwarded = {"Host": HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9",
                     "X-Forwarded-Host": HOST}
        conn.request(method, path, body=body.encode(), headers={**forwarded, **(headers or {})})
        response = conn.getresponse()
        return response, response.read().decode()


def _login(server: Server):
    page, html = server.request("GET", "/accounts/login/")
    assert page.status == 200
    cookie = re.search(r"csrftoken=([^;]+)", page.getheader("Set-Cookie")).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    from urllib.parse import urlencode

    return server.request("POST", "/accounts/login/", body=urlencode({
        "csrfmiddlewaretoken": token, "username": "proxied", "password": PASSWORD}), headers={
        "Cookie": f"csrftoken={cookie}", "Content-Type": "application/x-www-form-urlencoded",
        "Origin": f"https://{HOST}", "Referer": f"https://{HOST}/accounts/login/"})


@pytest.fixture
def proxied_user(transactional_db):
    return Staff.objects.create(username="proxied", name="代理后的人", is_active=True,
                                password=PBKDF2PasswordHasher().encode(PASSWORD, "saltsaltsalt"))


@pytest.mark.django_db(transaction=True)
def test_behind_a_trusted_tls_proxy_login_works_hsts_is_sent_and_the_real_address_is_recorded(tmp_path, proxied_user):
    with Server(tmp_path, XINFANG_TRUSTED_PROXY="127.0.0.1") as server:
        response, body = _login(server)
        assert response.status == 302, body[:500]
        assert response.getheader("Location") == "/"
        assert response.getheader("Strict-Transport-Security", "").startswith("max-age=31536000")
        assert "Secure" in response.getheader("Set-Cookie")
        page, _ = server.request("GET", "/accounts/login/")
        assert "no-store" in page.getheader("Cache-Control")
        assert "script-src 'self';" in page.getheader("Content-Security-Policy")  # 登录页没有行内脚本，不发 nonce
    login = AuditEvent.objects.filter(action="login", actor=proxied_user).get()
    assert login.ip == "203.0.113.9"


@pytest.mark.django_db(transaction=True)
def test_without_a_trusted_proxy_forwarded_headers_are_not_believed(tmp_path, proxied_user):
    with Server(tmp_path) as server:
        response, body = _login(server)
        # 不信 X-Forwarded-Proto：浏览器的 https Origin 与本机看到的 http 不符，CSRF 拒绝，也不发 HSTS。
        assert response.status == 403 and "Strict-Transport-Security" not in dict(response.getheaders())
    assert not AuditEvent.objects.filter(action="login", actor=proxied_user).exists()
