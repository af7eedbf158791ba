import sys

from django.core.management.base import BaseCommand

from xinfang.ml.warning_cli import hot_issues_main


class Command(BaseCommand):
    help = "见 xinfang.ml.warning_cli.hot_issues_main：只读写文件，不访问数据库。"

    def run_from_argv(self, argv):
        # 参数原样交给 xinfang.ml.warning_cli（它有自己的中文参数说明与退出码约定）。
        sys.exit(hot_issues_main(argv[2:]))
