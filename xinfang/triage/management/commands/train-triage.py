import json

from django.core.management.base import BaseCommand, CommandError

from xinfang.ml import MLError
from xinfang.ml.evaluation import read_stopwords
from xinfang.triage import services
from xinfang.triage.models import Task


class Command(BaseCommand):
    help = "训练分诊模型：默认用已标注的事项，或 --csv 文件（列 id,title,text,label）；留出集宏平均 F1 不低于当前版本才启用。"

    def add_arguments(self, parser):
        parser.add_argument("--task", choices=Task.values, default=Task.CATEGORY, help="category 信访类别 / authority 主管机关")
        parser.add_argument("--csv", action="append", help="从 CSV 训练而不是从数据库；可给多个，原文与切词文本可混用"
                            "（切词文本只用于训练，不进留出集）")
        parser.add_argument("--stopwords", help="切词文本去停用词时用的词表（一行一个词）")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, task, csv, seed, stopwords, **options):
        try:
            if csv:
                data = services.training_data_from_csv(csv, stopwords=read_stopwords(stopwords))
            else:
                data = services.labelled_matters(task)
            version = services.train(task, data, seed=seed)
        except (MLError, ValueError, OSError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(json.dumps({
            "task": task, "version": version.version, "macro_f1": version.macro_f1, "accuracy": version.accuracy,
            "n_train": version.n_train, "n_test": version.n_test, "promoted": version.is_current,
        }, ensure_ascii=False))
        self.stderr.write(version.decision)
