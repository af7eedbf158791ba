"""负载基准：N 个已登录用户同时使用 `xinfang serve`（真进程、回环地址、限时）。

每个虚拟用户一个保持连接的 HTTP 会话，按真实比例循环：工作台 30%、事项列表 25%、全文检索 15%、
事项页 20%、登记一件信访 10%（登记员账号承担全部登记，其它账号不登记，合计约十分之一）。
默认两次操作之间不停顿（压力上限，测的是吞吐能力）；`--think 1-5` 让每个用户每次操作后停 1–5 秒（均匀分布），
是真人的节奏（读页面、填表）。只打 127.0.0.1，到时（--seconds）或到请求上限（--max-requests）即停。
`--workers N` 让 `xinfang serve` 起 N 个进程（一个 Python 进程只用得上一个核）。

    XINFANG_VAR_DIR=/tmp/platform_bench python benchmarks/load_bench.py --users 50 --seconds 60
    XINFANG_VAR_DIR=/tmp/platform_bench python benchmarks/load_bench.py --users 50 --workers 2 --think 1-5
    XINFANG_DATABASE_URL=postgres://postgres@127.0.0.1:5432/xf_bench python benchmarks/load_bench.py

库里须已有示范账号（`xinfang seed-demo`）与数据（`xinfang generate --petitions N`）。打印每类操作的
p50/p95、错误数、吞吐量与开测前后的机器负载，最后一行是 JSON。
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Xinfang2026demo"  # xinfang.org.demo.DEMO_PASSWORD
# 看得到事项、有工作台的账号；登记员另做登记。
ACCOUNTS = ("clerk", "handler", "head", "leader", "supervisor", "bureau")
WORDS = ("闯红灯", "扣车", "罚款", "停车", "事故", "驾驶证", "电子警察", "违章", "拖车", "信号灯")
MIX = (("workbench", 30), ("list", 25), ("search", 15), ("matter", 20))
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_number(rng: random.Random) -> str:
    first17 = f"110105{rng.randint(1950, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    return first17 + _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS)) % 11]


class Session:
    """一个用户：一条保持的连接、自己的 Cookie。"""

    def __init__(self, port: int):
        self.port, self.cookies = port, {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        headers = {"Host": f"127.0.0.1:{self.port}", "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers |= {"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": self.cookies.get("csrftoken", ""),
                        "Origin": f"http://127.0.0.1:{self.port}", "Referer": f"http://127.0.0.1:{self.port}{path}"}
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            raise
        text = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, text

    def login(self, username: str) -> None:
        self.request("GET", "/accounts/login/")
        status, _ = self.request("POST", "/accounts/login/", {
            "username": username, "password": PASSWORD, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")})
        if status != 302:
            raise RuntimeError(f"{username} 登录失败：HTTP {status}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, threads: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "XINFANG_HTTPS": "false", "XINFANG_ALLOWED_HOSTS": "127.0.0.1",
           # 50 个用户都从 127.0.0.1 登录：别让按来源的登录失败计数碍事（本基准不测锁定）。
           "XINFANG_LOGIN_FAILURES_PER_IP": "100000"}
    command = [str(Path(sys.executable).with_name("xinfang")), "serve", "--port", str(port), "--threads", str(threads),
               "--workers", str(workers)]
    # 服务端的日志写进临时文件：写进一个没人读的管道，管道满了服务端就会卡在写日志上。
    log = tempfile.NamedTemporaryFile(prefix="load_bench_serve_", suffix=".log", delete=False)
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log)
    process.log_path = log.name
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(Path(log.name).read_text(errors="replace")[-2000:])
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("xinfang serve 未能启动")


def catch_up_jobs() -> None:
    """先让后台任务追上数据（稳态）：刚造完数的库里，回访同步等任务第一次运行要处理全部历史，
    而页面请求里目前还会触发它（见 issue 12 第 8 项），不先跑一遍就会在计时中占住 SQLite 的写锁。"""
    # 只追平页面请求会触发的那一项（回访任务同步）；分诊反馈等要对每件历史事项跑模型，刚造完数的库上要很久，
    # 而它们在后台线程里运行、不挡页面。
    code = ("import django; django.setup(); "
            "from xinfang.portal.actions.visits import sync_return_visits; sync_return_visits()")
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "DJANGO_SETTINGS_MODULE": "xinfang.settings"},
                   cwd=ROOT, timeout=1800)


def intake_form(session: Session, rng: random.Random) -> dict:
    return {
        "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
        "p-TOTAL_FORMS": "1", "p-INITIAL_FORMS": "0", "p-MIN_NUM_FORMS": "1", "p-MAX_NUM_FORMS": "50",
        "p-0-name": rng.choice("赵钱孙李周吴郑王") + rng.choice(("伟", "芳", "强", "敏", "静")), "p-0-kind": "person",
        "p-0-id_number": id_number(rng), "p-0-phone": f"139{rng.randint(0, 99999999):08d}",
        "channel": "visit", "received_at": datetime.now().strftime("%Y-%m-%dT%H:%M"),
        "content": f"对{rng.choice(WORDS)}的处理有异议，请求复核。负载基准 {rng.random():.6f}", "head_count": "1",
    }


def user_loop(index: int, port: int, stop_at: float, budget: list, results: dict, errors: dict, lock,
              think: tuple[float, float]) -> None:
    rng = random.Random(index)
    username = ACCOUNTS[index % len(ACCOUNTS)]
    session = Session(port)
    try:
        session.login(username)
    except Exception as exc:  # noqa: BLE001 记为错误，这个用户不再参与
        with lock:
            errors["login"].append(str(exc)[:200])
        return
    matters: list[str] = []
    # 登记员占用户的六分之一，登记概率 0.6：合计约 10% 的操作是登记。
    intake_share = 0.6 if username == "clerk" else 0.0
    while time.monotonic() < stop_at:
        with lock:
            if budget[0] <= 0:
                return
            budget[0] -= 1
        if rng.random() < intake_share:
            kind = "intake"
        else:
            kind = rng.choices([m for m, _ in MIX], weights=[w for _, w in MIX])[0]
            if kind == "matter" and not matters:
                kind = "list"
        path = {"workbench": "/petitions/workbench/", "list": f"/petitions/?page={rng.randint(1, 5)}",
                "search": "/petitions/?" + urlencode({"q": rng.choice(WORDS)}),
                "matter": f"/petitions/matters/{rng.choice(matters) if matters else 0}/", "intake": "/petitions/intake/"}[kind]
        started = time.perf_counter()
        try:
            if kind == "intake":
                status, body = session.request("POST", path, intake_form(session, rng))
                ok = status == 302  # 登记成功即转到新事项页；校验不过会以 200 重显表单
            else:
                status, body = session.request("GET", path)
                ok = status == 200
        except Exception as exc:  # noqa: BLE001
            status, body, ok = 0, str(exc), False
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            results[kind].append(elapsed)
            if not ok:
                errors[kind].append(f"HTTP {status} {path}")
        if kind in ("list", "search") and ok:
            found = re.findall(r"/petitions/matters/(\d+)/", body)
            matters = (found + matters)[:200]
        if think[1]:
            time.sleep(rng.uniform(*think))


def server_cpu_seconds(pid: int) -> float:
    """服务进程及其子进程（--workers 的工作进程）已用的 CPU 秒数（user+sys，读 /proc）。"""
    tick, total, todo = os.sysconf("SC_CLK_TCK"), 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return total


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--max-requests", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=8, help="每个进程的 waitress 线程数（xinfang serve --threads）")
    parser.add_argument("--workers", type=int, default=1, help="xinfang serve 的进程数（--workers）")
    parser.add_argument("--no-catch-up", action="store_true",
                        help="不先追平回访任务（库已追平，或配置了 Redis、周期任务不在 serve 进程里跑时）")
    parser.add_argument("--think", default="0", help="每次操作后停顿的秒数范围，如 1-5（均匀分布）；默认 0 不停顿")
    args = parser.parse_args()
    low, _, high = args.think.partition("-")
    think = (float(low), float(high or low))

    prepared = time.monotonic()
    if not args.no_catch_up:
        catch_up_jobs()
        print(f"后台任务追平用时 {time.monotonic() - prepared:.0f} 秒")
    port = free_port()
    load_before = os.getloadavg()
    server = start_server(port, args.threads, args.workers)
    results, errors, lock, budget = defaultdict(list), defaultdict(list), threading.Lock(), [args.max_requests]
    try:
        stop_at = time.monotonic() + args.seconds + 60  # 登录（Argon2）另算，下面按实际起止计吞吐
        threads = [threading.Thread(target=user_loop, args=(i, port, stop_at, budget, results, errors, lock, think))
                   for i in range(args.users)]
        began = time.monotonic()
        for t in threads:
            t.start()
        # 等所有人登录完再计时：登录时 Argon2 哈希 50 次本身就要十几秒。
        while time.monotonic() < began + 120 and sum(map(len, results.values())) < args.users:
            time.sleep(0.2)
        for values in results.values():
            values.clear()
        for values in errors.values():
            if values is not errors["login"]:
                values.clear()
        measured_from = time.monotonic()
        cpu_from, client_from = server_cpu_seconds(server.pid), time.process_time()
        stop_at_measure = measured_from + args.seconds
        while time.monotonic() < stop_at_measure and any(t.is_alive() for t in threads):
            time.sleep(0.2)
        with lock:
            snapshot = {k: list(v) for k, v in results.items()}
            failed = {k: list(v) for k, v in errors.items()}
            budget[0] = 0
        measured = time.monotonic() - measured_from
        server_cores = (server_cpu_seconds(server.pid) - cpu_from) / measured
        client_cores = (time.process_time() - client_from) / measured
        for t in threads:
            t.join(timeout=90)
    finally:
        server.terminate()
        server.wait(timeout=30)
        print(f"服务端日志：{server.log_path}")
    load_after = os.getloadavg()

    everything = [v for values in snapshot.values() for v in values]
    total_errors = sum(len(v) for v in failed.values())
    print(f"{args.users} 个用户，{measured:.0f} 秒，{args.workers} 个进程 × {args.threads} 线程，停顿 {args.think} 秒；负载 开测前 {load_before[0]:.1f} / 结束 {load_after[0]:.1f}")
    print(f"{'操作':<10}{'次数':>8}{'p50 ms':>10}{'p95 ms':>10}{'错误':>6}")
    for kind in ("workbench", "list", "search", "matter", "intake"):
        values = snapshot.get(kind, [])
        print(f"{kind:<10}{len(values):>8}{percentile(values, .5):>10.0f}{percentile(values, .95):>10.0f}{len(failed.get(kind, [])):>6}")
    print(f"{'全部':<10}{len(everything):>8}{percentile(everything, .5):>10.0f}{percentile(everything, .95):>10.0f}{total_errors:>6}")
    print(f"吞吐量 {len(everything) / measured:.1f} 次/秒；平均 {statistics.fmean(everything) if everything else 0:.0f} ms")
    # 服务端用了几个核：接近进程数（每个进程一个 GIL）说明卡在 CPU；远低于它说明在等锁或等数据库。
    print(f"服务端 CPU {server_cores:.2f} 核（{args.workers} 个进程），压测端 {client_cores:.2f} 核（同一台机器上）")
    for kind, messages in failed.items():
        if messages:
            print(f"  {kind} 错误示例：{messages[:3]}")
    print(json.dumps({
        "users": args.users, "seconds": round(measured, 1), "workers": args.workers, "threads": args.threads,
        "think_seconds": args.think,
        "requests": len(everything), "errors": total_errors, "throughput_rps": round(len(everything) / measured, 1),
        "p50_ms": round(percentile(everything, .5)), "p95_ms": round(percentile(everything, .95)),
        "by_kind": {k: {"n": len(v), "p50_ms": round(percentile(v, .5)), "p95_ms": round(percentile(v, .95))}
                    for k, v in snapshot.items()},
        "server_cores": round(server_cores, 2), "client_cores": round(client_cores, 2),
        "load_before": [round(x, 1) for x in load_before], "load_after": [round(x, 1) for x in load_after],
        "database": os.environ.get("XINFANG_DATABASE_URL", "sqlite").split("@")[-1],
        # 配置了 Redis 时 serve 不在进程里跑周期任务（交给 Celery，本基准不起 worker）。
        "jobs_in_server": not os.environ.get("XINFANG_REDIS_URL"),
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
