from django.core.management.base import BaseCommand, CommandError

from xinfang.petitions.generate import generate, print_progress, recent_registrations, restore_dropped_indexes
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
        parser.add_argument("--live-minutes", type=int, default=60,
                            help="最近这么多分钟内有真人登记（审计记录里的登记）就认为库正在使用，拒绝造数（默认 60）")
        parser.add_argument("--force", action="store_true",
                            help="库正在使用也照样造数（造数预先占用 id，与同时进行的登记可能撞号，只在确知无人登记时用）")

    def handle(self, *args, petitions, seed, top_up, batch, quiet, live_minutes, force, **options):
        if petitions < 1 or batch < 1 or live_minutes < 1:
            raise CommandError("--petitions、--batch 与 --live-minutes 须为正整数")
        if restored := restore_dropped_indexes():
            self.stdout.write(f"上一次造数中途退出：已重建检索索引 {'、'.join(restored)}。")
        live = recent_registrations(live_minutes)
        if live and not force:
            raise CommandError(
                f"拒绝造数：这个库最近 {live_minutes} 分钟内有 {live} 件工作人员或信访人登记的信访，正在使用中。"
                "造数会预先占用 id 并成批写入，与正在进行的登记冲突；确需在此库造数，停止登记后加 --force。")
        wanted = petitions - Petition.objects.count() if top_up else petitions
        if wanted <= 0:
            self.stdout.write(f"库中已有不少于 {petitions:,} 件信访件，无需生成。")
            return
        try:
            summary = generate(wanted, seed=seed, batch_size=batch, progress=None if quiet else print_progress)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"已生成 {summary.petitions:,} 件信访件、{summary.matters:,} 件事项、{summary.petitioners:,} 名信访人、"
            f"{summary.events:,} 条办理记录、{summary.assignments:,} 条交办，用时 {summary.seconds:.1f} 秒。"
        )
