"""导入 10,000 件信访（.xlsx 台账）的耗时，目标 ≤ 60 秒（issue 18）。

在一个新的 SQLite 库（默认 /tmp/xf_import_bench，可用 XINFANG_VAR_DIR 指定）上：迁移、建组织与人员，造一份
N 行的 .xlsx 台账（每行一名不同的信访人，身份证号校验位正确，内容各不相同），然后计时：
  1. 从 .xlsx 导入（与命令 `xinfang import-petitions` 同一条路：逐行经登记动作 register_petition，
     每批 500 行一个事务，写信访件、事项、信访人（加密 + 盲索引）、全文索引、事件、审计与来源键）；
  2. 再导入同一文件（全部"已导入过"，什么也不写）。
打印一段 Markdown，含开始与结束时的 `uptime` 负载。

    python benchmarks/import_petitions_bench.py [--rows 10000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("XINFANG_VAR_DIR", "/tmp/xf_import_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")
os.environ.setdefault("XINFANG_HTTPS", "false")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from xinfang.exchange import imports  # noqa: E402
from xinfang.exchange.testing import LEDGER_HEADER, write_xlsx  # noqa: E402
from xinfang.org.models import Staff  # noqa: E402
from xinfang.petitions.generate import _Rand, id_number  # noqa: E402
from xinfang.petitions.models import Petition  # noqa: E402

CHANNELS = ("来信", "来访", "电话", "网上", "领导信箱")
TOPICS = ("违停罚款", "电子警察抓拍闯红灯", "事故责任认定", "扣车与停车费", "驾驶证记分", "信号灯配时", "拖车费用")


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def ledger(path: Path, rows: int) -> None:
    r = _Rand(18)
    data, ids = [], set()
    for i in range(1, rows + 1):
        person = id_number(r)
        while person in ids:  # 随机号码偶有重复：同一人两行、电话不同，会按登记规则退回
            person = id_number(r)
        ids.add(person)
        topic = TOPICS[i % len(TOPICS)]
        data.append([f"BENCH-{i:06d}", CHANNELS[i % len(CHANNELS)], f"2026-{1 + i % 11:02d}-{1 + i % 27:02d}",
                     f"信访人{i}", person, f"139{i:08d}",
                     f"反映{topic}问题（第 {i} 件）：{'具体情况说明。' * (1 + i % 5)}", f"请求依法处理{topic}", 1, "", ""])
    write_xlsx(path, data, header=LEDGER_HEADER)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if not Staff.objects.filter(username="clerk").exists():
        from xinfang.org.testing import build_cast

        build_cast()
    clerk = Staff.objects.get(username="clerk")
    folder = Path(tempfile.mkdtemp(prefix="xf_import_"))
    path = folder / "ledger.xlsx"
    ledger(path, args.rows)
    size = path.stat().st_size
    before = Petition.objects.count()
    source = f"基准台账-{time.time_ns()}"
    load_start = uptime()
    started = time.perf_counter()
    batch = imports.import_petitions(path, by=clerk, source_system=source)
    first = time.perf_counter() - started
    started = time.perf_counter()
    again = imports.import_petitions(path, by=clerk, source_system=source)
    second = time.perf_counter() - started
    load_end = uptime()
    # 在已有百万件的库上，随机身份证号偶尔撞上库里已有的信访人（电话不同）：按登记规则退回，照实报出条数。
    assert batch.created + batch.rejected == args.rows and batch.rejected <= args.rows // 100, (
        batch.created, batch.rejected, batch.problems[:3])
    assert again.created == 0 and again.unchanged == batch.created
    assert Petition.objects.count() == before + batch.created
    shutil.rmtree(folder)
    print(f"## 信访台账导入：{args.rows:,} 行 .xlsx（issue 18）\n")
    print(f"- 库：SQLite（{os.environ['XINFANG_VAR_DIR']}），导入前已有 {before:,} 件信访件；文件 {size / 1024 ** 2:.1f} MB")
    print(f"- 开始时负载：`{load_start}`")
    print(f"- 结束时负载：`{load_end}`\n")
    print("| 步骤 | 行数 | 秒 | 行/秒 |")
    print("|---|---:|---:|---:|")
    print(f"| 首次导入（逐行校验，新人新事项成批登记；退回 {batch.rejected} 行） | {args.rows:,} | {first:.1f} | "
          f"{args.rows / first:,.0f} |")
    print(f"| 再导入同一文件（全部已导入过） | {args.rows:,} | {second:.1f} | {args.rows / second:,.0f} |")
    print(f"\n目标 ≤ 60 秒：{'达到' if first <= 60 else '未达到'}。")


if __name__ == "__main__":
    main()
