"""百万件库的备份与恢复用时：`xinfang backup` 再 `xinfang restore`（同一函数），打印大小与墙钟时间。

    XINFANG_VAR_DIR=/tmp/gen1m python benchmarks/backup_bench.py --out /tmp/gen1m-backups
    XINFANG_DATABASE_URL=postgres://postgres@127.0.0.1:5432/xf_bench python benchmarks/backup_bench.py --out /tmp/pg-backups

恢复会用刚做的备份覆盖这个库（内容不变）。
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")
os.environ.setdefault("XINFANG_HTTPS", "false")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from xinfang.core.backup import backup, restore, verify  # noqa: E402
from xinfang.petitions.models import Petition, Petitioner  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    before = (Petition.objects.count(), Petitioner.objects.count())
    load0 = os.getloadavg()
    started = time.perf_counter()
    result = backup(Path(args.out))
    backed = time.perf_counter() - started
    started = time.perf_counter()
    verify(result.path)
    verified = time.perf_counter() - started
    started = time.perf_counter()
    restore(result.path)
    restored = time.perf_counter() - started
    after = (Petition.objects.count(), Petitioner.objects.count())
    assert after == before, (before, after)
    load1 = os.getloadavg()
    print(f"- {connection.vendor}：{before[0]:,} 件信访件、{before[1]:,} 名信访人；备份文件 {result.size / 2**30:.2f} GiB"
          f"（含 {result.media_files} 个上传文件）；开始时负载 {load0[0]:.1f}，结束时 {load1[0]:.1f}")
    print(f"- 备份 {backed:.1f} s；单独校验 SHA-256 {verified:.1f} s；恢复（含校验）{restored:.1f} s；恢复后行数一致")


if __name__ == "__main__":
    main()
