from django.core.management.base import BaseCommand

from xinfang.triage.similar import similar_petitions


class Command(BaseCommand):
    help = "从全部信访件重建相似信访索引并存盘（var/models/）。"

    def handle(self, *args, **options):
        self.stdout.write(f"已重建相似信访索引：{similar_petitions.rebuild()} 件")
