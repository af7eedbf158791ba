import os
import signal
import socket
import sys
import time

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from xinfang.core import jobs


class Command(BaseCommand):
    help = ("启动 Web 服务（waitress）；未配置 Redis 时同时运行后台任务。"
            "--workers N 起 N 个进程共用一个端口：一个 Python 进程只能用一个核（GIL），多核机器上用它。")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8, help="每个进程的线程数（默认 8）")
        parser.add_argument("--workers", type=int, default=1,
                            help="进程数（默认 1；0 表示按本机核数）。后台任务只在第一个进程里运行")

    def handle(self, *args, host, port, threads, workers, **options):
        try:
            from xinfang.wsgi import application  # 生产环境缺少 XINFANG_DATA_KEYS 时这里就拒绝启动
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        workers = workers or os.cpu_count() or 1
        if not 1 <= workers <= 64:
            raise CommandError("--workers 须在 0 到 64 之间（0 表示按本机核数）")
        if not 1 <= threads <= 256:
            raise CommandError("--threads 须在 1 到 256 之间")

        if settings.REDIS_URL:
            self.stdout.write("已配置 Redis：后台任务由 Celery worker 与 beat 运行。")
        else:
            self.stdout.write(f"后台任务在{'第一个进程' if workers > 1 else '本进程'}运行（{len(jobs.SCHEDULE)} 项周期任务）。")
        if settings.TRUSTED_PROXY:
            self.stdout.write(f"反向代理：只采信 {settings.TRUSTED_PROXY} 发来的 X-Forwarded-* 头。")
        self.stdout.write(f"Xinfang 已启动（{workers} 个进程 × {threads} 线程）：http://{host}:{port}/   "
                          f"登录页 http://{host}:{port}/accounts/login/   按 Ctrl+C 停止。")
        self.stdout.flush()
        if workers == 1:
            run_worker(application, threads, runs_jobs=True, host=host, port=port)
        else:
            Prefork(application, host, port, threads, workers).run()


def run_worker(application, threads: int, *, runs_jobs: bool, sockets=None, host=None, port=None) -> None:
    from waitress import serve

    if runs_jobs and not settings.REDIS_URL:
        jobs.start_in_process()
    where = {"sockets": sockets} if sockets else {"host": host, "port": port}
    serve(application, threads=threads, ident="xinfang", **where, **proxy_options())


class Prefork:
    """父进程先绑定端口再分出 N 个子进程，各自在同一个监听套接字上 accept（内核分派连接）。

    子进程意外退出就补一个（后台任务只在编号 0 的进程里跑，补的仍是编号 0）；父进程收到 SIGTERM/SIGINT
    时先让子进程退出再走。分叉前关掉所有数据库连接：连接不能跨进程共用。
    """

    def __init__(self, application, host: str, port: int, threads: int, workers: int):
        self.application, self.threads, self.workers = application, threads, workers
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(1024)
        self.sock.set_inheritable(True)
        self.children: dict[int, int] = {}  # pid → 编号
        self.stopping = False

    def spawn(self, index: int) -> None:
        from django.db import connections

        connections.close_all()
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            try:
                run_worker(self.application, self.threads, runs_jobs=index == 0, sockets=[self.sock])
            finally:
                os._exit(0)
        self.children[pid] = index

    def stop(self, *_):
        self.stopping = True
        for pid in list(self.children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        for index in range(self.workers):
            self.spawn(index)
        while self.children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            except InterruptedError:
                continue
            index = self.children.pop(pid, None)
            if index is not None and not self.stopping:
                print(f"工作进程 {pid}（编号 {index}）退出（状态 {status}），一秒后补起一个。", file=sys.stderr, flush=True)
                time.sleep(1)
                self.spawn(index)
        self.sock.close()


def proxy_options() -> dict:
    """waitress 的反向代理设置：只采信 XINFANG_TRUSTED_PROXY 发来的转发头，其它来源带的一律丢弃。"""
    if not settings.TRUSTED_PROXY:
        return {}
    return {
        "trusted_proxy": settings.TRUSTED_PROXY,
        "trusted_proxy_count": 1,
        "trusted_proxy_headers": set(settings.TRUSTED_PROXY_HEADERS),
        "clear_untrusted_proxy_headers": True,
    }
