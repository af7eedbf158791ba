"""`xinfang serve --workers N`：N 个进程共用一个端口；死了一个就补一个；父进程一停，子进程都停。"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from xinfang.core.tests.test_proxy import Server


def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.update(int(p) for p in text)
    return found


def _wait_for(predicate, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("等待超时")


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="需要 Linux 的 /proc 查看子进程")
@pytest.mark.django_db(transaction=True)
def test_workers_share_one_port_a_dead_worker_is_replaced_and_stopping_the_parent_stops_all(tmp_path):
    with Server(tmp_path, "--workers", "2", XINFANG_HTTPS="false") as server:
        parent = server.process.pid
        workers = _wait_for(lambda: _children(parent) if len(_children(parent)) == 2 else None)
        for _ in range(6):
            response, _ = server.request("GET", "/healthz")
            assert response.status == 200
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        replaced = _wait_for(lambda: (c := _children(parent)) and len(c) == 2 and victim not in c and c)
        assert len(replaced & workers) == 1
        response, _ = server.request("GET", "/healthz")
        assert response.status == 200
    assert server.process.returncode is not None
    for pid in replaced:
        _wait_for(lambda pid=pid: not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2])
