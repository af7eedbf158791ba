"""登记时找同一信访人（身份证号、电话加密存储，按 HMAC 盲索引精确查找）在百万名信访人下的耗时。

库中信访人不足 --petitioners 名时，先用 ORM 的 bulk_create 直接补足（与登记一样加密、算盲索引），
不走 `xinfang generate`（那要连事项、事件一起造，百万件要十几分钟以上）。然后随机取 N 个已有的身份证号与电话
（一半取自有信访件的人，一半取自任意人），各计时两项：
  - lookup：`Petitioner.objects.filter(id_number=…).first()`，即登记写入时 intake._petitioner 的查找；
  - history：`selectors.petitioner_history(登记员, id_number=…)`，即登记页边输入边显示"此人以前的信访"
    （盲索引查找 + 可见范围内的事项 + 一条审计记录）。
目标 p95 ≤ 50 ms。打印一段 Markdown。

    XINFANG_VAR_DIR=/tmp/xf_lookup python benchmarks/lookup_bench.py
    XINFANG_DATABASE_URL=postgres://postgres@127.0.0.1:5432/xf_lookup python benchmarks/lookup_bench.py
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")
os.environ.setdefault("XINFANG_HTTPS", "false")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from xinfang.org.models import Staff  # noqa: E402
from xinfang.petitions import selectors  # noqa: E402
from xinfang.petitions.generate import _Rand, id_number  # noqa: E402
from xinfang.petitions.models import Petition, PetitionPetitioner, Petitioner  # noqa: E402


def top_up(target: int, *, batch: int = 5_000) -> float:
    have = Petitioner.objects.count()
    if have >= target:
        return 0.0
    started, r = time.perf_counter(), _Rand(99)
    for start in range(have, target, batch):
        rows = [Petitioner(name=f"补充{n}", id_number=id_number(r), phone=f"1{r.pick('3456789')}{r.between(0, 999999999):09d}",
                           address=f"示范市补充路{n}号") for n in range(start, min(target, start + batch))]
        with transaction.atomic():
            Petitioner.objects.bulk_create(rows)
        print(f"  补充信访人 {start + len(rows):,}/{target:,}", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    return time.perf_counter() - started


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--petitioners", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if not Petition.objects.exists():
        call_command("generate", "--petitions", "20000", "--quiet", "--force")
    topped = top_up(args.petitioners)
    clerk = Staff.objects.get(username="clerk")
    top = Petitioner.objects.order_by("-pk").values_list("pk", flat=True).first()
    linked_top = PetitionPetitioner.objects.order_by("-petitioner_id").values_list("petitioner_id", flat=True).first()
    r = random.Random(7)
    people = []
    while len(people) < args.samples:
        pk = r.randint(1, linked_top if len(people) % 2 == 0 else top)
        person = Petitioner.objects.filter(pk=pk).first()
        if person and person.id_number and person.phone:
            people.append(person)
    timings: dict[str, list[float]] = {"lookup 身份证号": [], "lookup 电话": [], "history 身份证号": [], "history 电话": []}
    found = 0
    for warm in (True, False):
        for person in people[:20] if warm else people:
            for name, call in (
                ("lookup 身份证号", lambda: Petitioner.objects.filter(id_number=person.id_number.lower()).first()),
                ("lookup 电话", lambda: Petitioner.objects.filter(phone=person.phone).first()),
                ("history 身份证号", lambda: selectors.petitioner_history(clerk, id_number=person.id_number)),
                ("history 电话", lambda: selectors.petitioner_history(clerk, phone=person.phone)),
            ):
                started = time.perf_counter()
                result = call()
                elapsed = (time.perf_counter() - started) * 1000
                if not warm:
                    timings[name].append(elapsed)
                    found += bool(result) if name.startswith("lookup") else 0
    load = os.getloadavg()
    print(f"- 数据库：{connection.vendor}，信访人 {Petitioner.objects.count():,} 名（本次补充用时 {topped:.0f} 秒），"
          f"信访件 {Petition.objects.count():,} 件；每项 {args.samples} 次（另预热 20 次），"
          f"查找命中 {found}/{2 * args.samples}；结束时负载 {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}")
    print("\n| 查找 | p50 (ms) | p95 (ms) | 最大 (ms) | 目标 p95 ≤ 50 ms |\n|---|---:|---:|---:|---|")
    for name, values in timings.items():
        p95 = pct(values, 0.95)
        print(f"| {name} | {statistics.median(values):.2f} | {p95:.2f} | {max(values):.2f} | {'✓' if p95 <= 50 else '✗'} |")


if __name__ == "__main__":
    main()
