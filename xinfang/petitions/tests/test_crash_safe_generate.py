"""造数中途被 kill -9：已提交的批次完整，子进程随之退出，此后登记照常；库在使用中时拒绝造数。"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Sum

from xinfang.org.models import Staff
from xinfang.petitions import search
from xinfang.petitions.models import Matter, Petition
from xinfang.petitions.testing import register

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[3]


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "postgresql":
        return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    return f"sqlite:///{s['NAME']}"


def xinfang(*args, **kwargs):
    env = {**os.environ, "XINFANG_DATABASE_URL": database_url()}
    return subprocess.Popen([sys.executable, "-m", "xinfang.manage", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs)


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def search_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {search.TABLE}")
        return cursor.fetchone()[0]


def gin_indexes() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE tablename = %s AND indexdef LIKE '%%USING gin%%'",
                       [search.TABLE])
        return cursor.fetchone()[0]


def test_kill_9_mid_generate_is_followed_by_a_successful_intake():
    # 检索表不是模型，前面的事务型测试清库时不清它：留下的行会与从 1 起的新事项 id 撞号。
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {search.TABLE}")
    process = xinfang("generate", "--petitions", "200000", "--batch", "1000", "--quiet")
    deadline = time.monotonic() + 240
    while Petition.objects.count() < 2_000:  # 至少两批已提交
        assert process.poll() is None, process.stdout.read()
        assert time.monotonic() < deadline, "造数两批也没写完"
        time.sleep(0.3)
    workers = children_of(process.pid)
    assert workers, "多批造数应有一个生成数据的子进程"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(30)
    process.stdout.close()
    for _ in range(100):  # 子进程随父进程退出
        if not any(alive(pid) for pid in workers):
            break
        time.sleep(0.1)
    assert not any(alive(pid) for pid in workers), "父进程被杀后，生成数据的子进程还活着"
    if connection.vendor == "postgresql":
        # 子进程死前已发出的 COMMIT 由服务端做完：等它的服务进程也退出再数，免得数完又多一批。
        for _ in range(300):
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                               "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
                if cursor.fetchone()[0] == 0:
                    break
            time.sleep(0.1)

    made = Petition.objects.count()
    assert made < 200_000
    # 只有整批：每件事项的信访件都在（没有写了一半的事项），检索行与事项同批提交
    assert Matter.objects.aggregate(n=Sum("petition_count"))["n"] == made
    assert search_rows() == Matter.objects.count()
    top = Petition.objects.order_by("-pk").values_list("pk", flat=True).first()
    clerk = Staff.objects.get(username="clerk")
    matter = register(clerk, content="造数中断之后登记的第一件：对违停处罚有异议。")  # 以前在 PostgreSQL 上这里 500
    assert matter.petitions.get().pk > top and matter.number.endswith(f"{matter.pk:08d}")

    if connection.vendor == "postgresql":
        assert gin_indexes() == 0  # 被杀时检索的 GIN 索引还没建回来……
    # ……库正在使用（刚登记了一件）：不加 --force 拒绝造数
    refused = xinfang("generate", "--petitions", "5", "--quiet")
    out, _ = refused.communicate(timeout=120)
    assert refused.returncode != 0 and "拒绝造数" in out and "--force" in out, out
    if connection.vendor == "postgresql":  # 拒绝之前先把上次删去的索引建回来
        assert "已重建检索索引" in out and gin_indexes() == 1, out
    forced = xinfang("generate", "--petitions", "5", "--quiet", "--force")
    out, _ = forced.communicate(timeout=120)
    assert forced.returncode == 0, out
    assert Petition.objects.count() == made + 6
