from django.core.management.base import BaseCommand, CommandError

from xinfang.audit import chain


class Command(BaseCommand):
    help = "审计日志：`xinfang audit verify` 从第一条起逐条核对哈希链，指出第一处断开的记录。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        sub.add_parser("verify", help="核对哈希链")

    def handle(self, *args, what, **options):
        verdict = chain.verify()
        if not verdict.ok:
            raise CommandError(f"审计链在核对 {verdict.checked} 条后断开：{verdict.reason}")
        self.stdout.write(f"审计链完好：共 {verdict.checked} 条记录。")
