from datetime import date

from django.core.management.base import BaseCommand, CommandError

from xinfang.screening.monthly import open_due_rounds


class Command(BaseCommand):
    help = "生成上月的每月排查（到了本月第一个工作日才生成；已生成的不重复）。"

    def add_arguments(self, parser):
        parser.add_argument("--today", help="按这一天计算（YYYY-MM-DD），默认今天")

    def handle(self, *args, **options):
        today = None
        if options["today"]:
            try:
                today = date.fromisoformat(options["today"])
            except ValueError:
                raise CommandError(f"--today 值「{options['today']}」不是 YYYY-MM-DD") from None
        self.stdout.write(f"新生成 {open_due_rounds(today=today)} 个单位的排查。")
