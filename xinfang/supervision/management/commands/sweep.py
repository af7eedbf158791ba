import json
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from xinfang.supervision.sweep import run_sweep


class Command(BaseCommand):
    help = "期限扫描：更新红黄牌、提醒、逐级升级。输出一行 JSON：{\"yellow\": …, \"red\": …, \"escalated\": …, \"notifications\": …}"

    # 不跑系统检查：检查会装载全部网址配置与视图（连同机器学习库），让一次扫描多花十几秒。
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--now", help="以此时刻扫描（ISO 格式，如 2026-05-01T09:00，不带时区按北京时间）")

    def handle(self, *args, now=None, **options):
        moment = None
        if now:
            try:
                moment = datetime.fromisoformat(now)
            except ValueError:
                raise CommandError(f"--now 不是有效的时刻：{now!r}（示例：2026-05-01T09:00）") from None
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
        self.stdout.write(json.dumps(run_sweep(now=moment).as_dict()))
