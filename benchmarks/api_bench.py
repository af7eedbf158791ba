"""接口在百万件规模下的响应时间：事项列表端点（p95 目标 ≤ 100 ms）与事项详情端点（p95 目标 ≤ 50 ms）。

在本进程内用 django.test.Client 带 API 令牌（Authorization: Bearer）发完整请求：令牌核对、限流计数与
“最近使用”的写、权限表、中间件、序列化与详情的读留痕审计都算在内。每项先预热，再取 N 次的 p50 / p95。
令牌两种：整个组织（看全部）与一个大队（按部门拆来源的查询）。库由 XINFANG_VAR_DIR / XINFANG_DATABASE_URL 决定；
会在库里签发两个令牌（请在副本上运行）。

    cp -a /work/bench1m /tmp/api1m && XINFANG_VAR_DIR=/tmp/api1m xinfang migrate
    XINFANG_VAR_DIR=/tmp/api1m python benchmarks/api_bench.py [--n 200] [--write]

--write 把结果表（连同运行前后的 uptime 负载）追加到 benchmarks/results.md 的「对外接口」一节。
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")
os.environ.setdefault("XINFANG_HTTPS", "false")
os.environ.setdefault("XINFANG_API_CALLS_PER_MINUTE", "1000000")

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402

from xinfang.api.tokens import issue_token  # noqa: E402
from xinfang.core import clock  # noqa: E402
from xinfang.org.models import Department, DepartmentKind  # noqa: E402
from xinfang.petitions.models import Matter, Petition, Petitioner, Status  # noqa: E402

LIST_TARGET, DETAIL_TARGET = 100, 50
RESULTS = ROOT / "benchmarks" / "results.md"


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def timed(client: Client, path: str, headers: dict, *, stream: bool = False) -> tuple[float, float]:
    """一次请求的（墙钟 ms, 本进程 CPU ms）。请求在本进程内处理（含 SQLite 的查询），CPU 时间不随机器负载变。"""
    start, cpu = time.perf_counter(), time.process_time()
    response = client.get(path, **headers)
    if response.status_code != 200:
        raise SystemExit(f"{path} 答 {response.status_code}：{response.content[:300]!r}")
    _ = response.content
    return (time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--only", default="", help="只测名称含这段文字的请求（如 详情）")
    args = parser.parse_args()
    before = load()
    petitions = Matter.objects.count()
    brigade = Department.objects.filter(kind=DepartmentKind.BRIGADE).order_by("pk").first()
    scopes = ["matter.list", "matter.view"]
    _, whole = issue_token(by=None, name="基准：整个组织", scopes=scopes)
    _, unit = issue_token(by=None, name=f"基准：{brigade.name}", scopes=scopes, department=brigade)
    tokens = {"整个组织": {"HTTP_AUTHORIZATION": f"Bearer {whole}"}, brigade.name: {"HTTP_AUTHORIZATION": f"Bearer {unit}"}}
    client = Client(SERVER_NAME="127.0.0.1")
    rng = random.Random(1)
    top = Matter.objects.order_by("-pk").values_list("pk", flat=True).first()
    unit_ids = list(Matter.objects.filter(department__path__startswith=brigade.path).order_by("-pk")
                    .values_list("pk", flat=True)[:5000])
    first_page = client.get("/api/v1/matters?limit=30", **tokens["整个组织"]).json()
    by_due = f"/api/v1/matters?status={Status.IN_PROGRESS}&sort=current_due"
    due_page = client.get(by_due, **tokens["整个组织"]).json()
    # 检索用的真实号码：最近的信访件里取身份证号（解密后的原文，接口按盲索引查）与关联执法案件编号
    people = list(Petitioner.objects.exclude(id_number="").order_by("-pk")[:200:10])
    case_nos = [c for c in Petition.objects.exclude(case_numbers="").order_by("-pk")
             .values_list("case_numbers", flat=True)[:2000:100]]
    cases = [
        ("列表：默认排序（收到日期新→旧），30 条", "整个组织", lambda: "/api/v1/matters?limit=30"),
        ("列表：第二页（游标）", "整个组织",
         lambda: f"/api/v1/matters?limit=30&cursor={first_page['next_cursor']}"),
        ("列表：状态=办理中，按期限", "整个组织", lambda: by_due),
        ("列表：状态=办理中，按期限，第二页（游标）", "整个组织", lambda: f"{by_due}&cursor={due_page['next_cursor']}"),
        ("列表：状态=办理中，按期限，大队令牌", brigade.name, lambda: by_due),
        ("列表：全文检索“拖车”", "整个组织", lambda: "/api/v1/matters?q=%E6%8B%96%E8%BD%A6"),
        ("列表：检索身份证号", "整个组织", lambda: f"/api/v1/matters?q={rng.choice(people).id_number}"),
        ("列表：检索案件编号", "整个组织", lambda: f"/api/v1/matters?q={quote(rng.choice(case_nos))}"),
        ("列表：默认排序，大队令牌", brigade.name, lambda: "/api/v1/matters?limit=30"),
        ("列表：只看超期，大队令牌", brigade.name, lambda: "/api/v1/matters?overdue=true"),
        ("详情：随机事项", "整个组织", lambda: f"/api/v1/matters/{rng.randint(1, top)}"),
        ("详情：随机事项，大队令牌", brigade.name, lambda: f"/api/v1/matters/{rng.choice(unit_ids)}"),
    ]
    rows = []
    for label, who, path in [c for c in cases if args.only in c[0]]:
        is_detail = label.startswith("详情")
        for _ in range(args.warmup):
            try_path = path()
            if is_detail and client.get(try_path, **tokens[who]).status_code == 404:
                continue
            timed(client, try_path, tokens[who])  # 预热
        times, cpus = [], []
        while len(times) < args.n:
            p = path()
            if is_detail and not Matter.objects.filter(pk=int(p.rsplit("/", 1)[1])).exists():
                continue
            wall, cpu = timed(client, p, tokens[who])
            times.append(wall)
            cpus.append(cpu)
        target = DETAIL_TARGET if is_detail else LIST_TARGET
        p95 = pct(times, 95)
        rows.append((label, who, pct(times, 50), p95, pct(cpus, 95), target, "✓" if p95 <= target else "✗"))
        print(f"{label:<40} {who:<8} p50 {pct(times, 50):7.1f} ms  p95 {p95:7.1f} ms  CPU p95 {pct(cpus, 95):6.1f} ms"
              f"  目标 ≤{target} {rows[-1][-1]}", flush=True)
    after = load()
    table = [f"\n### 对外接口（`benchmarks/api_bench.py`，{clock.localtime(clock.now()):%Y-%m-%d %H:%M}，{petitions:,} 件事项，"
             f"{connectionvendor()}，每项 {args.n} 次）\n",
             f"负载：开始 `{before}`；结束 `{after}`\n",
             "| 请求 | 令牌范围 | p50 ms | p95 ms | p95 CPU ms | 目标 p95 | |", "|---|---|---|---|---|---|---|"]
    table += [f"| {label} | {who} | {p50:.1f} | {p95:.1f} | {cpu:.1f} | ≤ {target} | {ok} |"
              for label, who, p50, p95, cpu, target, ok in rows]
    text = "\n".join(table) + "\n"
    print(text)
    if args.write:
        with open(RESULTS, "a", encoding="utf-8") as handle:
            handle.write(text)


def connectionvendor() -> str:
    from django.db import connection

    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(connection.vendor, connection.vendor)


if __name__ == "__main__":
    main()
