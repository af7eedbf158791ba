from django.core.management.base import BaseCommand, CommandError

from xinfang.core import crypto
from xinfang.core.rekey import rotate_keys


class Command(BaseCommand):
    help = ("换密钥：把 XINFANG_DATA_KEYS 中旧密钥写的个人资料密文与盲索引改用第一把密钥，逐批提交，可中断后重跑。"
            "完成后即可从 XINFANG_DATA_KEYS 删去旧密钥。")

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=1_000, help="每个事务处理的行数（默认 1000）")

    def handle(self, *args, batch, **options):
        if batch < 1 or batch > 100_000:
            raise CommandError("--batch 须在 1 到 100000 之间")
        try:
            results = rotate_keys(batch=batch)
        except crypto.DataKeyError as exc:
            raise CommandError(str(exc)) from None
        current = crypto.current_key().id
        for r in results:
            self.stdout.write(f"{r.model}：{r.rows:,} 行、{r.values:,} 个值改用密钥 {current}")
        self.stdout.write(f"完成：全部个人资料都已由密钥 {current} 加密；现在可从 XINFANG_DATA_KEYS 删去旧密钥。")
