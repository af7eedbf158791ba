from django.core.management.base import BaseCommand, CommandError

from xinfang.ml.casefile import CaseFileError
from xinfang.screening import bulkindex
from xinfang.screening.importer import import_cases


class Command(BaseCommand):
    help = "导入执法案件（CSV（UTF-8 或 GBK）或 .xlsx，格式见 xinfang/ml/casefile.py）：逐行校验，按案件编号更新，中断后重跑即续传。"

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="案件文件")
        parser.add_argument("--dry-run", action="store_true", help="只检查并报告问题，不写入")
        parser.add_argument("--build-indexes", action="store_true",
                            help="只建回大批导入暂缓维护、尚未建回的索引（导入被中途杀掉时用；正常导入结束时自动建回）")

    def handle(self, *args, **options):
        if options["build_indexes"]:
            built = bulkindex.build_pending(lambda name, seconds: self.stdout.write(f"已建回索引 {name}（{seconds:.1f} 秒）"))
            self.stdout.write(f"建回 {built} 个索引。" if built else "没有待建回的索引。")
            return
        if not options["file"]:
            raise CommandError("请给出案件文件")
        try:
            outcome = import_cases(options["file"], dry_run=options["dry_run"],
                                   progress=lambda run: self.stderr.write(f"  已处理到第 {run.last_committed_row:,} 行")
                                   if run.rows_seen % 100000 < 2000 else None)
        except CaseFileError as exc:
            raise CommandError(f"文件不能导入：{exc}") from None
        for problem in outcome.run.problems[:50]:
            where = f"第 {problem['row']} 行" + (f"「{problem['column']}」列" if problem["column"] else "")
            value = f"值「{problem['value']}」" if problem["value"] else ""
            self.stdout.write(f"{where}{value}：{problem['why']}")
        if len(outcome.run.problems) > 50:
            self.stdout.write(f"……另有 {len(outcome.run.problems) - 50} 条问题，见导入记录。")
        self.stdout.write(outcome.summary())
        if outcome.run.status == "failed":
            raise CommandError("导入未完成")
