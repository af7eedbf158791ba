"""考核的速度：看板（支队与一个大队，页面与图数据）p50 / p95、一年的 `xinfang metrics`、一份月报（Word + Excel
含图）、看板事实随每次转换的维护成本。对真实（非测试）数据库，库中不足 --petitions 件时先造数补足。

    XINFANG_VAR_DIR=/tmp/xf_assess_bench python benchmarks/assessment/bench.py --petitions 100000
    XINFANG_DATABASE_URL=postgres://postgres@127.0.0.1:5432/xf_assess_bench python benchmarks/assessment/bench.py

打印一张表（Markdown），由人抄进 benchmarks/results.md。
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")
os.environ.setdefault("XINFANG_HTTPS", "false")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402


def timed(fn, runs: int, warm: int = 2) -> list[float]:
    for _ in range(warm):
        fn()
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(1000 * (time.perf_counter() - t))
    return out


def p95(xs):
    return sorted(xs)[max(0, int(round(0.95 * len(xs))) - 1)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--petitions", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--only", default="pages,metrics,report,maintenance",
                        help="只测其中几项（逗号分隔）：pages 看板、metrics 命令、report 月报、maintenance 事实维护")
    parser.add_argument("--rebuild", action="store_true",
                        help="先整体重建看板事实（百万件约 6 分钟）；不给时只在快照为空时重建，否则由任务跟上")
    args = parser.parse_args()
    only = set(args.only.split(","))
    load_start = os.getloadavg()
    call_command("migrate", verbosity=0)
    from xinfang.assessment import aggregates, reports
    from xinfang.core import clock
    from xinfang.org.models import Department, Staff
    from xinfang.petitions.generate import generate
    from xinfang.petitions.models import Matter, Petition
    from xinfang.petitions.actions import decisions

    have = Petition.objects.count()
    if have < args.petitions:
        t = time.perf_counter()
        generate(args.petitions - have, seed=11)
        print(f"造数 {args.petitions - have} 件信访件：{time.perf_counter() - t:.0f} 秒", file=sys.stderr)
    from xinfang.assessment.models import MatterSnapshot

    t = time.perf_counter()
    rebuilt = args.rebuild or not MatterSnapshot.objects.exists()
    aggregates.rebuild() if rebuilt else aggregates.sync_aggregates()
    rebuild_s = time.perf_counter() - t
    print(f"看板事实{'整体重建' if rebuilt else '跟上'} {rebuild_s:.1f} s；负载 {os.getloadavg()}", file=sys.stderr,
          flush=True)
    matters = Matter.objects.count()
    bureau = Staff.objects.filter(roles__code="bureau_leader").first() or Staff.objects.filter(is_superuser=True).first()
    root = Department.objects.filter(parent__isnull=True).first()
    unit = Department.objects.filter(kind="brigade").order_by("path").first()
    client = Client()
    client.force_login(bureau)
    today = clock.today()
    year = (today - timedelta(days=364), today)  # 一年（365 天，含今天）
    q = f"?from={year[0]}&to={year[1]}"
    class Rows(list):
        def append(self, row):  # 边测边打印：长时间的基准中途也看得到已有的数
            print("| " + " | ".join(row) + f" |  负载 {os.getloadavg()[0]:.1f}", file=sys.stderr, flush=True)
            super().append(row)

    rows = Rows()

    def page(url):
        def go():
            r = client.get(url)
            assert r.status_code == 200, (url, r.status_code)
        return go

    # 第一次打开（缓存为空）与之后（缓存命中）分开报告：指标按期间与统计日缓存一小时，后台任务可预热。
    from django.core.cache import cache
    for label, url in () if "pages" not in only else (("支队看板页", f"/assessment/units/{root.pk}/{q}"),
                       ("支队看板图数据", f"/assessment/units/{root.pk}/data.json{q}"),
                       ("大队看板页", f"/assessment/units/{unit.pk}/{q}"),
                       ("大队看板图数据", f"/assessment/units/{unit.pk}/data.json{q}")):
        cache.clear()
        cold = timed(page(url), 1, warm=0)[0]
        xs = timed(page(url), args.runs)
        rows.append((label, f"{statistics.median(xs):.0f} ms", f"{p95(xs):.0f} ms", f"首次 {cold:.0f} ms"))
    if "pages" in only:
        # 图数据不经图缓存（指标已在缓存里）：每个图直接从每日单位事实读，看它本身多快。
        from xinfang.assessment import dashboard

        for label, d in (("支队图数据（不用图缓存）", root), ("大队图数据（不用图缓存）", unit)):
            xs = timed(lambda d=d: dashboard._chart_data(d, *year), args.runs)
            rows.append((label, f"{statistics.median(xs):.0f} ms", f"{p95(xs):.0f} ms", ""))
    import io

    if "metrics" in only:
        from django.db import reset_queries
        from django.test.utils import CaptureQueriesContext

        for _ in range(2):  # 第二次：操作系统的页缓存已热
            t = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                call_command("metrics", "--from", str(year[0]), "--to", str(year[1]), stdout=io.StringIO())
            rows.append(("xinfang metrics 一年（全部单位）", f"{time.perf_counter() - t:.1f} s", "",
                         f"{len(queries)} 条查询"))
            reset_queries()
    if "report" in only:
        prev = reports._prev_month(today)
        t = time.perf_counter()
        content = reports.build_content(*prev)
        reports.render_docx(content), reports.render_xlsx(content)
        rows.append(("月报（Word + Excel 含图）", f"{time.perf_counter() - t:.1f} s", "", ""))
    # 维护成本：受理 200 件待受理事项（真实的转换），再由任务跟上；报告任务时间 / 转换数。
    clerk = Staff.objects.filter(username="clerk").first()
    pending = list(Matter.objects.filter(status="registered").order_by("pk")[:200]) if "maintenance" in only else []
    for m in pending:
        with transaction.atomic():
            decisions.accept_matter(m, by=clerk)
    if pending:
        t = time.perf_counter()
        aggregates.sync_aggregates()
        per = 1000 * (time.perf_counter() - t) / max(1, len(pending))
        rows.append((f"看板事实维护（{len(pending)} 次转换后由任务跟上）", f"{per:.2f} ms / 次转换", "", ""))
    rows.append(("看板事实整体重建" if rebuilt else "看板事实跟上", f"{rebuild_s:.1f} s", "", ""))
    from django.db.models import Max, Min

    span = Matter.objects.aggregate(a=Min("received_on"), b=Max("received_on"))
    print(f"\n数据库 {connection.vendor}，信访事项 {matters}，信访件 {Petition.objects.count()}，"
          f"收到日期 {span['a']} 至 {span['b']}；开始时负载 {load_start}，结束时负载 {os.getloadavg()}\n")
    print("| 项目 | p50 / 用时 | p95 | 备注 |\n|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
