"""事项台账导出（Excel）在大数据量下：流式（StreamingHttpResponse，边写边发）与"先写完整个文件再发"的对比。

在本进程内用 django.test.Client 以示范登录员（全支队可见）请求列表地址加 export=xlsx（中间件、权限、审计都算在内），
筛选为最近收到的约 --rows 件（按收到日期定一个起始日），逐块读取响应，记下：第一个字节到达的时间、
相邻两块之间最长的间隔（浏览器或代理在这段时间里什么也收不到）、全部收完的时间、文件大小、峰值内存；
再用同一行数据以 openpyxl 只写模式写成一个文件（不流式时，浏览器要等这么久才收到第一个字节）。
最后用 openpyxl 打开导出的文件核对行数。

    XINFANG_VAR_DIR=/tmp/xf1m python benchmarks/export_bench.py --rows 200000

结果打印成 Markdown 表，追加到 benchmarks/results.md 的“台账导出”一节（替换旧的一节）。
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")
os.environ.setdefault("XINFANG_HTTPS", "false")

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402

from xinfang.org.models import Staff  # noqa: E402
from xinfang.petitions import exports, selectors  # noqa: E402
from xinfang.petitions.models import Matter  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results.md"
SECTION = "## 台账导出（Excel，流式）"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000, help="导出的大致行数（默认 200000）")
    parser.add_argument("--user", default="clerk", help="以哪个示范账号导出（默认 clerk，全支队可见）")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()

    staff = Staff.objects.get(username=args.user)
    since = (Matter.objects.order_by("-received_on").values_list("received_on", flat=True)[args.rows - 1:args.rows]
             .first())
    if since is None:
        raise SystemExit(f"库中事项不足 {args.rows} 件")
    expected = selectors.visible_matters(staff).filter(received_on__gte=since).count()
    client = Client(HTTP_HOST="localhost")
    client.force_login(staff)
    load_start = os.getloadavg()

    started = time.perf_counter()
    response = client.get("/petitions/", {"since": since.isoformat(), "export": "xlsx"})
    if response.status_code != 200:
        raise SystemExit(f"导出答 {response.status_code}")
    first = None
    last = started
    longest_gap = 0.0
    size = 0
    with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as out:
        for chunk in response.streaming_content:
            now = time.perf_counter()
            if first is None:
                first = now - started
            longest_gap = max(longest_gap, now - last)
            last = now
            size += len(chunk)
            out.write(chunk)
        path = out.name
    total = time.perf_counter() - started
    peak_streamed = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # 对照：同样的行先完整写成文件（不流式的做法）——浏览器要等到这一步做完才收到第一个字节。
    from openpyxl import Workbook

    narrow = selectors.listing.narrowing(since=since, today=since)
    rows = exports.matter_rows(narrow(selectors.visible_matters(staff)), order=("-received_on", "-id"))
    started = time.perf_counter()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("台账")
    sheet.append([c.title for c in exports.COLUMNS])
    for row in rows:
        sheet.append(row)
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as whole:
        workbook.save(whole.name)
    buffered = time.perf_counter() - started

    from openpyxl import load_workbook

    check = time.perf_counter()
    book = load_workbook(path, read_only=True)
    got = sum(1 for row in book.active.iter_rows(min_row=2, values_only=True) if str(row[0] or "").startswith("XF"))
    book.close()
    check = time.perf_counter() - check
    os.unlink(path)
    load_end = os.getloadavg()

    report = "\n".join([
        SECTION, "",
        f"{datetime.now():%Y-%m-%d %H:%M}，`python benchmarks/export_bench.py --rows {args.rows}`，"
        f"账号 {args.user}（全支队可见），筛选：收到日期 ≥ {since}（{expected:,} 件）；"
        f"机器负载（1/5/15 分钟）开始 {load_start[0]:.2f}/{load_start[1]:.2f}/{load_start[2]:.2f}，"
        f"结束 {load_end[0]:.2f}/{load_end[1]:.2f}/{load_end[2]:.2f}（2 核，与其他任务共用）。", "",
        "| 做法 | 第一个字节 | 相邻两块最长间隔 | 全部完成 | 文件 | 峰值内存（进程） |",
        "|---|---|---|---|---|---|",
        f"| 流式（StreamingHttpResponse，本实现） | {first:.2f} s | {longest_gap:.2f} s | {total:.1f} s | "
        f"{size / 2**20:.1f} MiB | {peak_streamed:.0f} MiB |",
        f"| 先写完整个文件再发（对照） | {buffered:.1f} s | {buffered:.1f} s | {buffered:.1f} s | — | — |",
        "",
        f"openpyxl 打开导出的文件数得 {got:,} 行事项（应为 {expected:,}），用时 {check:.1f} s。"
        "流式时第一个字节在几秒内到达、此后每隔几秒都有数据，远在常见代理 60 秒读超时之内，浏览器不会超时；"
        "不流式时要先静默等上整个生成时间，超过常见代理的 60 秒读超时就会失败。", "",
    ])
    print(report)
    _write(args.results, report)


def _write(path: Path, report: str) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    start = text.find(SECTION)
    if start >= 0:
        end = text.find("\n## ", start + len(SECTION))
        text = text[:start] + (text[end + 1:] if end >= 0 else "")
    path.write_text(text.rstrip() + "\n\n" + report, encoding="utf-8")


if __name__ == "__main__":
    main()
