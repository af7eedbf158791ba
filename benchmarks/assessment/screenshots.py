"""把看板截图存进 docs/screenshots/：对已有数据的库（如基准库）启动 `xinfang serve`，用 Playwright 登录示范局领导截图。

    XINFANG_VAR_DIR=/tmp/xf_assess_bench python benchmarks/assessment/screenshots.py
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
            page = browser.new_page(viewport={"width": 1400, "height": 1100}, locale="zh-CN")
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


if __name__ == "__main__":
    sys.exit(main())
