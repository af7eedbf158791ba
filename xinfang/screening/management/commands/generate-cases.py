from django.core.management.base import BaseCommand, CommandError

from xinfang.screening.generate import generate_cases


class Command(BaseCommand):
    help = "在现有组织上生成逼真的执法案件与由其引发的信访（隐藏过程，供演示与基准）；--csv-dir 另写 screening-eval 的两个文件。"

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, required=True, help="案件数")
        parser.add_argument("--months", type=int, default=12, help="跨越的月数（截至今天）")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--csv-dir", help="另写 cases.csv 与 outcomes.csv 到此目录")

    def handle(self, *args, **options):
        if options["cases"] <= 0 or options["months"] <= 0:
            raise CommandError("--cases 与 --months 须为正整数")
        try:
            summary = generate_cases(options["cases"], months=options["months"], seed=options["seed"],
                                     csv_dir=options["csv_dir"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"已生成 {summary.cases:,} 件案件（{summary.units} 个单位），其中 {summary.petitions:,} 件已引发信访。")
