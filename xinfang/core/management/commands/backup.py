from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from xinfang.core.backup import BackupError, backup


class Command(BaseCommand):
    help = ("备份数据库与上传文件：xinfang backup [--out 目录]。写一个 .tar 与它的 .sha256 校验文件；"
            "不含加密密钥（XINFANG_DATA_KEYS 请另行保管）。")

    def add_arguments(self, parser):
        parser.add_argument("--out", default="", help="备份写到哪个目录（默认 var/backups）")

    def handle(self, *args, out, **options):
        try:
            result = backup(Path(out) if out else Path(settings.VAR_DIR) / "backups")
        except (BackupError, OSError) as exc:
            raise CommandError(f"备份失败：{exc}") from None
        self.stdout.write(f"已备份：{result.path}（{result.size / 1e6:,.1f} MB，含 {result.media_files} 个上传文件）")
        self.stdout.write(f"SHA-256 {result.sha256}，校验文件 {result.checksum_path}")
