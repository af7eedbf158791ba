from django.core.management.base import BaseCommand

from xinfang.ml.errors import ModelError
from xinfang.screening import bulkindex, risk


class Command(BaseCommand):
    help = "对上信访关联，（可选）训练排序模型，重算全部案件的风险分与理由。"

    def add_arguments(self, parser):
        parser.add_argument("--train", action="store_true", help="先用本单位历史训练模型（留出集上不输给规则才启用）")

    def handle(self, *args, **options):
        if bulkindex.build_pending():  # 评分后的页面要用这些索引：被杀掉的大导入留下的先建回
            self.stdout.write("已建回大批导入暂缓维护的索引。")
        linked = risk.sync_petition_links()
        self.stdout.write(f"新对上信访关联 {linked} 条。")
        if options["train"]:
            try:
                version = risk.train_model()
                self.stdout.write(f"模型：留出集前 20% 命中率 {version.precision_at_k:.1%}（规则 "
                                  f"{version.rule_precision_at_k:.1%}），{version.note}。")
            except ModelError as exc:
                self.stdout.write(str(exc))
        result = risk.score_cases()
        self.stdout.write(f"已评分 {result['cases']:,} 件，排序依据：{'模型' if result['tier'] == 'learned' else '规则'}。")
