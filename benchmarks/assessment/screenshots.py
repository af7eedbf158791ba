"""把看板截图存进 docs/screenshots/：对已有数据的库（如基准库）启动 `xinfang serve`，用 Playwright（1366 像素宽）
登录示范局领导截图；再把上月月报与上年年报的 Word 用 LibreOffice 转成 PDF、pdftoppm 转成 PNG（前两页）。

    XINFANG_VAR_DIR=/tmp/xf_assess_bench python benchmarks/assessment/screenshots.py

文档转图只是写文档的一步，不是运行或测试的依赖：需要 Debian 的 libreoffice-writer-nogui 与 poppler-utils。
"""

import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "screenshots"
PORT = os.environ.get("PORT", "8766")


def main():
    from playwright.sync_api import sync_playwright

    env = {**os.environ, "XINFANG_ALLOWED_HOSTS": "127.0.0.1,localhost", "XINFANG_HTTPS": "false",
           "XINFANG_DEBUG": "false"}
    server = subprocess.Popen([str(ROOT / ".venv/bin/xinfang"), "serve", "--port", PORT], env=env)
    try:
        base = f"http://127.0.0.1:{PORT}"
        import urllib.request

        for _ in range(120):  # 等服务起来（机器忙时要几十秒）
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)
                break
            except OSError:
                time.sleep(1)
        OUT.mkdir(parents=True, exist_ok=True)
        today = date.today()
        q = f"?from={today.year - 1}-{today.month:02d}-01&to={today.isoformat()}"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
            page.goto(f"{base}/accounts/login/")
            page.fill("#id_username", "bureau")
            page.fill("#id_password", "Xinfang2026demo")
            page.click("button[type=submit]")
            page.goto(f"{base}/assessment/{q}")
            page.wait_for_selector("#dashboard[data-loaded='1']", timeout=120000)
            page.screenshot(path=str(OUT / "assessment-bureau.png"), full_page=True)
            link = page.locator("p a").first
            link.click()
            page.wait_for_selector("#dashboard[data-loaded='1']", timeout=120000)
            page.screenshot(path=str(OUT / "assessment-unit.png"), full_page=True)
            page.click("#indicators a:has-text('按期办结率')")
            page.wait_for_selector("#drill-rows", timeout=120000)
            page.screenshot(path=str(OUT / "assessment-drill-down.png"))
            browser.close()
    finally:
        server.terminate()
        server.wait(10)
    documents()


def documents():
    """上月月报、上年年报：Word → PDF → PNG（前两页），存进 docs/screenshots/。"""
    import tempfile

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from xinfang.assessment import annual, reports
    from xinfang.core import clock

    today = clock.today()
    content = reports.build_content(*reports._prev_month(today))
    docs = {"assessment-monthly-report": reports.render_docx(content),
            "assessment-annual-report": annual.render_docx(annual.build_annual(today.year - 1))}
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in docs.items():
            path = Path(tmp) / f"{name}.docx"
            path.write_bytes(data)
            subprocess.run(["libreoffice", "--headless", "--convert-to", "pdf", "--outdir", tmp, str(path)],
                           check=True, capture_output=True, timeout=600)
            subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "2", str(path.with_suffix(".pdf")),
                            str(OUT / name)], check=True, timeout=120)


if __name__ == "__main__":
    sys.exit(documents() if sys.argv[1:] == ["--documents"] else main())
