"""信访页面在百万件规模下的响应时间：工作台、带筛选的列表、全文检索、事项页。

在本进程内用 django.test.Client 以示范账号登录（force_login），对真实（非测试）数据库发完整请求
（中间件、模板渲染都算在内），每项先预热若干次，再取 N 次的 p50 / p95。数据库由
XINFANG_DATABASE_URL 决定（不设即 SQLite，文件在 XINFANG_VAR_DIR 下）。库中信访件不足
--petitions 件时先用 `xinfang generate` 的同一函数补足（--no-generate 跳过）。

    XINFANG_VAR_DIR=/tmp/xf_bench_sqlite python benchmarks/petitions_bench.py
    XINFANG_DATABASE_URL=postgres://postgres@127.0.0.1:5432/xf_bench python benchmarks/petitions_bench.py

结果打印成表，并写入 benchmarks/results.md 中该数据库的一节（另一种数据库的一节保留）。
超出目标的项另附最慢一条 SQL 及其查询计划，便于定位。
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")
os.environ.setdefault("XINFANG_HTTPS", "false")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from xinfang.org.demo import seed_demo  # noqa: E402
from xinfang.org.models import Staff  # noqa: E402
from xinfang.petitions import selectors  # noqa: E402
from xinfang.petitions.generate import generate, print_progress  # noqa: E402
from xinfang.petitions.models import Matter, MatterEvent, Petition, Petitioner  # noqa: E402

TARGET_MS = 150
RESULTS = ROOT / "benchmarks" / "results.md"


@dataclass
class Case:
    label: str
    user: str
    path: str | None = None  # None：每次取一件该用户可见的随机事项
    times: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # 本进程 CPU 时间：机器被别的进程占满时，它比墙钟更能说明请求本身的开销
    queries: int = 0
    sql_ms: float = 0.0
    slowest: tuple[float, str] = (0.0, "")

    def p(self, q: float, *, cpu: bool = False) -> float:
        ordered = sorted(self.cpu if cpu else self.times)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--petitions", type=int, default=1_000_000, help="库中应有的信访件数（默认 1000000）")
    parser.add_argument("--no-generate", action="store_true", help="库中不足也不生成，按现有数据测")
    parser.add_argument("--requests", type=int, default=50, help="每项计时的请求数（默认 50）")
    parser.add_argument("--warmup", type=int, default=5, help="每项预热的请求数（默认 5）")
    parser.add_argument("--case-seconds", type=float, default=60,
                        help="每项最多计时这么多秒（至少 5 次）；病态慢的项不至于拖住整个基准（默认 60）")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", default="", help="只测名称含这段文字的项（如 检索）")
    parser.add_argument("--results", type=Path, default=RESULTS, help="结果写入的 Markdown 文件")
    args = parser.parse_args()

    _require_migrated()
    seed_demo()
    generated = ""
    have = Petition.objects.count()
    if have < args.petitions and not args.no_generate:
        print(f"库中有 {have:,} 件信访件，补足到 {args.petitions:,} 件……", file=sys.stderr)
        summary = generate(args.petitions - have, seed=args.seed, progress=print_progress)
        generated = f"本次补生成 {summary.petitions:,} 件信访件，用时 {summary.seconds:.0f} 秒"

    rng = random.Random(args.seed)
    users = {s.username: s for s in Staff.objects.filter(username__in=["handler", "head", "clerk"])}
    plate = _a_plate(rng)
    cases = [
        Case("工作台（承办人）", "handler", "/petitions/workbench/"),
        Case("工作台（大队长）", "head", "/petitions/workbench/"),
        Case("列表 状态=办理中（大队长）", "head", "/petitions/?status=in_progress"),
        Case("列表 只看超期（大队长）", "head", "/petitions/?overdue=on"),
        Case("列表 状态=办理中（登记员，全支队）", "clerk", "/petitions/?status=in_progress"),
        Case("列表 只看超期（登记员，全支队）", "clerk", "/petitions/?overdue=on"),
        Case("检索 扣车（登记员）", "clerk", "/petitions/?q=扣车"),
        Case("检索 电子警察（登记员）", "clerk", "/petitions/?q=电子警察"),
        Case(f"检索 号牌 {plate}（登记员）", "clerk", f"/petitions/?q={plate}"),
        *_person_cases(rng),
        Case("事项页 随机可见事项（大队长）", "head"),
    ]
    cases = [case for case in cases if args.only in case.label]
    clients = {}
    for name, staff in users.items():
        clients[name] = Client(HTTP_HOST="localhost")
        clients[name].force_login(staff)
    visible = {name: list(selectors.visible_matters(staff).values_list("pk", flat=True)) for name, staff in users.items()}

    load = os.getloadavg()
    for case in cases:
        client = clients[case.user]

        def url() -> str:
            return case.path or f"/petitions/matters/{rng.choice(visible[case.user])}/"

        case_started = time.perf_counter()
        for _ in range(args.warmup):
            _get(client, url())
            if time.perf_counter() - case_started > args.case_seconds / 4:
                break
        for _ in range(args.requests):
            if len(case.times) >= 5 and time.perf_counter() - case_started > args.case_seconds:
                break
            started, cpu = time.perf_counter(), time.process_time()
            _get(client, url())
            case.times.append((time.perf_counter() - started) * 1000)
            case.cpu.append((time.process_time() - cpu) * 1000)
        with CaptureQueriesContext(connection) as captured:
            _get(client, url())
        case.queries = len(captured.captured_queries)
        case.sql_ms = sum(float(q["time"]) for q in captured.captured_queries) * 1000
        case.slowest = max(((float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries), default=(0.0, ""))
        flag = "" if case.p(0.95) <= TARGET_MS else "  ← 超出目标"
        print(f"{case.label:<34} p50 {case.p(0.5):7.1f} ms  p95 {case.p(0.95):7.1f} ms  "
              f"p95 CPU {case.p(0.95, cpu=True):7.1f} ms  SQL {case.queries:2d} 条 {case.sql_ms:6.1f} ms{flag}",
              file=sys.stderr)

    report = _report(cases, args, load, generated)
    print(report)
    _write_results(args.results, report)


def _require_migrated() -> None:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise SystemExit("数据库还有未执行的迁移，请先运行 xinfang migrate（同样的 XINFANG_DATABASE_URL / XINFANG_VAR_DIR）")


def _get(client: Client, url: str) -> None:
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} 答 {response.status_code}")


def _a_plate(rng: random.Random) -> str:
    """取一件事项内容里的号牌（去掉省份简称：检索按字母数字词匹配）。"""
    for summary in Matter.objects.filter(summary__contains="车牌号").order_by("-pk").values_list("summary", flat=True)[:50]:
        found = re.search(r"[A-Z][0-9A-Z]{5}", summary)
        if found:
            return found.group()
    return "A12345"


def _person_cases(rng: random.Random) -> list[Case]:
    """找人找事（issue 13）：按一名真实信访人的姓名、身份证号、电话，带省份简称的号牌，案件编号检索。"""
    from urllib.parse import urlencode

    from django.db.models import Count

    person = Petitioner.objects.exclude(id_number="").exclude(phone="").order_by("-pk").first()
    # 最常见的姓名（生成器里同名的有上千人）：按姓名检索的最坏情形。
    top = (Petitioner.objects.filter(pk__lte=20000).values("name").annotate(n=Count("pk")).order_by("-n").first())
    common = top["name"] if top else ""
    prefixed = "湘A12345"
    for summary in Matter.objects.filter(summary__contains="车牌号").order_by("-pk").values_list("summary", flat=True)[:50]:
        found = re.search(r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z][0-9A-Z]{5}", summary)
        if found:
            prefixed = found.group()
            break
    case_no = Petition.objects.exclude(case_numbers="").order_by("-pk").values_list("case_numbers", flat=True).first()
    cases = []
    if person is not None:
        cases += [Case("检索 姓名（登记员）", "clerk", "/petitions/?" + urlencode({"q": person.name})),
                  Case("检索 身份证号（登记员）", "clerk", "/petitions/?" + urlencode({"q": person.id_number})),
                  Case("检索 电话（登记员）", "clerk", "/petitions/?" + urlencode({"q": person.phone})),
                  Case("检索 姓名（大队长）", "head", "/petitions/?" + urlencode({"q": person.name}))]
    if common:
        cases.append(Case(f"检索 常见姓名 {common[0]}**（登记员）", "clerk", "/petitions/?" + urlencode({"q": common})))
    cases.append(Case(f"检索 号牌 {prefixed}（带省份简称，登记员）", "clerk", "/petitions/?" + urlencode({"q": prefixed})))
    if case_no:
        cases.append(Case("检索 案件编号（登记员）", "clerk", "/petitions/?" + urlencode({"q": case_no.split()[0]})))
    cases.append(Case("检索 500 字（登记员）", "clerk", "/petitions/?" + urlencode({"q": ("扣车 电子警察 " * 63)[:500]})))
    return cases


def _short(sql: str) -> str:
    """报告里省去长长的列清单，只留 FROM 之后的部分。"""
    return re.sub(r"^SELECT .*? FROM ", "SELECT … FROM ", sql, count=1, flags=re.S)


def _explain(sql: str) -> str:
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ANALYZE "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql)
        rows = cursor.fetchall()
    return "\n".join(" ".join(str(c) for c in row) if connection.vendor == "sqlite" else row[0] for row in rows)


def _database() -> tuple[str, str, str]:
    """（名称，版本，大小）。"""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT version(), pg_size_pretty(pg_database_size(current_database()))")
            version, size = cursor.fetchone()
            return "PostgreSQL", version.split(" on ")[0], size
        cursor.execute("SELECT sqlite_version()")
        version = cursor.fetchone()[0]
    path = Path(connection.settings_dict["NAME"])
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    return "SQLite", f"SQLite {version}", f"{size / 2**30:.2f} GiB"


def _machine() -> str:
    cpu = ""
    try:
        cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text()).group(1)
    except (OSError, AttributeError):
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} 核 {cpu}，内存 {memory:.0f} GiB，{platform.python_implementation()} {platform.python_version()}"


def _report(cases: list[Case], args, load, generated: str) -> str:
    name, version, size = _database()
    counts = (f"{Matter.objects.count():,} 件事项，{Petition.objects.count():,} 件信访件，"
              f"{Petitioner.objects.count():,} 名信访人，{MatterEvent.objects.count():,} 条办理记录")
    lines = [
        f"<!-- {name}:start -->",
        f"## {name}",
        "",
        f"- 日期：{datetime.now():%Y-%m-%d %H:%M}",
        f"- 机器：{_machine()}；开测时负载 {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}（1/5/15 分钟）",
        f"- 数据库：{version}，大小 {size}",
        f"- 数据：{counts}" + (f"（{generated}）" if generated else ""),
        f"- 方法：进程内 django.test.Client，force_login 后完整请求（含模板渲染），每项预热 {args.warmup} 次、"
        f"计时 {args.requests} 次（单项超过 {args.case_seconds:.0f} 秒即停，见“次数”）；目标 p95 ≤ {TARGET_MS} ms",
        "",
        "p50 / p95 为墙钟时间；“p95 CPU”是本进程的 CPU 时间（不含 PostgreSQL 服务进程的时间）；"
        "SQL 一栏是另发一次请求时记下的条数、合计与最慢一条的耗时。",
        "",
        "| 页面 | 次数 | p50 (ms) | p95 (ms) | p95 CPU (ms) | SQL 条数 | SQL 合计 (ms) | 最慢 SQL (ms) | 达标 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for case in cases:
        ok = "✓" if case.p(0.95) <= TARGET_MS else "✗"
        lines.append(f"| {case.label} | {len(case.times)} | {case.p(0.5):.1f} | {case.p(0.95):.1f} | {case.p(0.95, cpu=True):.1f} | "
                     f"{case.queries} | {case.sql_ms:.1f} | {case.slowest[0]:.1f} | {ok} |")
    # 只为 SQL 本身就慢的项附查询计划；SQL 快而总时间超标的，慢在 Python / 模板或机器负载。
    missed = [c for c in cases if c.p(0.95) > TARGET_MS and c.slowest[0] > TARGET_MS / 3]
    for case in missed:
        lines += ["", f"### {case.label}：最慢的 SQL（{case.slowest[0]:.1f} ms）", "", "```sql", _short(case.slowest[1]), "```",
                  "", "```", _explain(case.slowest[1]), "```"]
    lines.append(f"<!-- {name}:end -->")
    return "\n".join(lines)


def _write_results(path: Path, section: str) -> None:
    """把本数据库的一节写进结果文件，替换旧的同名一节，另一种数据库的一节原样保留。"""
    name = re.match(r"<!-- (\w+):start -->", section).group(1)
    header = ("# 信访页面基准（百万件）\n\n由 `make bench`（`benchmarks/petitions_bench.py`）生成；"
              "每种数据库一节，重跑时只替换该数据库的一节。\n")
    text = path.read_text() if path.exists() else header
    pattern = re.compile(rf"<!-- {name}:start -->.*?<!-- {name}:end -->", re.S)
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section
    path.write_text(text.rstrip("\n") + "\n")


if __name__ == "__main__":
    main()
