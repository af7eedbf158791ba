from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from xinfang.core.calendar import current_calendar
from xinfang.core.workcalendar import WorkCalendar
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
            calendar = current_calendar()
        except DatabaseError:
            # 还没有迁移的库（新检出、只想算一个日期）：按内置日历（chinesecalendar 与法定节日推算）计算，
            # 不因为缺表而报错；管理员录入的放假通知要等迁移后才参与。
            self.stderr.write("提示：数据库尚未迁移，按内置日历计算（未含管理员录入的放假通知）。")
            calendar = WorkCalendar({})
        try:
            result = deadlines.due(code, start_day, calendar=calendar, paused_days=paused_days,
                                   limits=settings.DEADLINE_LIMITS)
        except ValueError as exc:  # UnknownRule 也是 ValueError
            raise CommandError(str(exc)) from None
        self.stdout.write(result.day.isoformat() + (" provisional" if result.provisional else ""))
