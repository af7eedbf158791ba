from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from xinfang.core import jobs


class Command(BaseCommand):
    help = "启动 Web 服务（waitress）；未配置 Redis 时同时在本进程运行后台任务。"

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, host, port, threads, **options):
        from waitress import serve

        try:
            from xinfang.wsgi import application  # 生产环境缺少 XINFANG_DATA_KEYS 时这里就拒绝启动
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None

        if settings.REDIS_URL:
            self.stdout.write("已配置 Redis：后台任务由 Celery worker 与 beat 运行。")
        else:
            jobs.start_in_process()
            self.stdout.write(f"后台任务在本进程运行（{len(jobs.SCHEDULE)} 项周期任务）。")
        if settings.TRUSTED_PROXY:
            self.stdout.write(f"反向代理：只采信 {settings.TRUSTED_PROXY} 发来的 X-Forwarded-* 头。")
        self.stdout.write(f"Xinfang 已启动：http://{host}:{port}/   登录页 http://{host}:{port}/accounts/login/   按 Ctrl+C 停止。")
        serve(application, host=host, port=port, threads=threads, ident="xinfang", **proxy_options())


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
