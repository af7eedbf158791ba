from django.core.management.base import BaseCommand, CommandError

from xinfang.petitions.generate import generate, print_progress
from xinfang.petitions.models import Petition


class Command(BaseCommand):
    help = ("生成逼真的交警信访数据（各种状态，分布在示范组织的各单位）：xinfang generate --petitions N [--seed S]。"
            "再次运行会再添一批；加 --top-up 则只补足到 N 件。")

    def add_arguments(self, parser):
        parser.add_argument("--petitions", type=int, default=300, help="要生成的信访件数（默认 300）")
        parser.add_argument("--seed", type=int, default=1, help="随机种子：同一种子生成的内容相同（默认 1）")
        parser.add_argument("--top-up", action="store_true",
                            help="只补足到 N 件：库里已有的信访件计入总数，已够则什么也不做（make run 用它）")
        parser.add_argument("--batch", type=int, default=20_000, help="每个事务写入的信访件数（默认 20000）")
        parser.add_argument("--quiet", action="store_true", help="不显示进度")

    def handle(self, *args, petitions, seed, top_up, batch, quiet, **options):
        if petitions < 1 or batch < 1:
            raise CommandError("--petitions 与 --batch 须为正整数")
        wanted = petitions - Petition.objects.count() if top_up else petitions
        if wanted <= 0:
            self.stdout.write(f"库中已有不少于 {petitions:,} 件信访件，无需生成。")
            return
        summary = generate(wanted, seed=seed, batch_size=batch, progress=None if quiet else print_progress)
        self.stdout.write(
            f"已生成 {summary.petitions:,} 件信访件、{summary.matters:,} 件事项、{summary.petitioners:,} 名信访人、"
            f"{summary.events:,} 条办理记录、{summary.assignments:,} 条交办，用时 {summary.seconds:.1f} 秒。"
        )
