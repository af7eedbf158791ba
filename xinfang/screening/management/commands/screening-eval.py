import sys

from django.core.management.base import BaseCommand

from xinfang.ml.screening import screening_eval_main


class Command(BaseCommand):
    help = "见 xinfang.ml.screening.screening_eval_main：只用两个文件（不用数据库），只打印一行 JSON。"

    def run_from_argv(self, argv):
        sys.exit(screening_eval_main(argv[2:]))
