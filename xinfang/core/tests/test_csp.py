"""内容安全策略：页面里的行内脚本都带本次响应的 nonce，没有行内事件处理器；页面不许缓存。"""

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_the_intake_page_script_carries_the_nonce_of_its_policy(cast, login):
    response = login(cast.clerk).get("/petitions/intake/")
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", response.content.decode())
    assert scripts and all(f'nonce="{nonce}"' in attrs for attrs in scripts)
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert response["Cache-Control"] == "no-store, private"


def test_no_template_has_an_inline_event_handler_or_a_script_without_nonce():
    offenders = []
    for template in ROOT.rglob("templates/**/*.html"):
        text = template.read_text()
        if re.search(r"\son(click|submit|change|load|input|keydown)=", text):
            offenders.append(f"{template}: 行内事件")
        for attrs in re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", text):
            if "csp_nonce" not in attrs:
                offenders.append(f"{template}: 行内脚本没有 nonce")
    assert not offenders, offenders


def test_static_files_stay_cacheable(client):
    response = client.get("/static/core/app.js")
    assert response.status_code == 200 and "no-store" not in response.get("Cache-Control", "")
