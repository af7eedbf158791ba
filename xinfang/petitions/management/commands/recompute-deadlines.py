from django.core.management.base import BaseCommand

from xinfang.petitions.actions.config import recompute_deadlines


class Command(BaseCommand):
    help = "节假日表或本地时限改动后，重算所有事项（各种状态）的期限；--open-only 只重算在办事项（每日任务的做法）。"

    def add_arguments(self, parser):
        parser.add_argument("--open-only", action="store_true", help="只重算在办事项")

    def handle(self, *args, open_only, **options):
        self.stdout.write(f"已重算，期限有变化的事项：{recompute_deadlines(open_only=open_only)} 件")
