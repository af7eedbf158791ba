from django.core.management.base import BaseCommand

from xinfang.petitions.actions.config import recompute_open_deadlines


class Command(BaseCommand):
    help = "节假日表或本地时限改动后，重算所有在办事项的期限。"

    def handle(self, *args, **options):
        self.stdout.write(f"已重算，期限有变化的事项：{recompute_open_deadlines()} 件")
