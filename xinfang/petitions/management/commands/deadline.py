from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from xinfang.core.calendar import current_calendar
from xinfang.petitions import deadlines


class Command(BaseCommand):
    help = "按法定时限规则计算期限届满日：xinfang deadline CODE START [--paused-days N]，输出 YYYY-MM-DD（年份未覆盖时加 provisional）。"

    def add_arguments(self, parser):
        parser.add_argument("code", help="规则代码：" + "、".join(deadlines.RULES))
        parser.add_argument("start", help="起算事件发生之日，YYYY-MM-DD")
        parser.add_argument("--paused-days", type=int, default=0, help="听证等中止的天数")

    def handle(self, *args, code, start, paused_days, **options):
        try:
            start_day = date.fromisoformat(start)
        except ValueError:
            raise CommandError(f"日期“{start}”无效，应为 YYYY-MM-DD") from None
        try:
            result = deadlines.due(code, start_day, calendar=current_calendar(), paused_days=paused_days,
                                   limits=settings.DEADLINE_LIMITS)
        except ValueError as exc:  # UnknownRule 也是 ValueError
            raise CommandError(str(exc)) from None
        self.stdout.write(result.day.isoformat() + (" provisional" if result.provisional else ""))
