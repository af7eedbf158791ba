import sys

from django.core.management.base import BaseCommand

from xinfang.ml.cli import triage_eval_main


class Command(BaseCommand):
    help = "见 xinfang.ml.cli.triage_eval_main：只打印一行 JSON。"

    def run_from_argv(self, argv):
        # 参数原样交给 xinfang.ml.cli（它有自己的中文参数说明与退出码约定）。
        sys.exit(triage_eval_main(argv[2:]))
