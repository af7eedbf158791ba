from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from xinfang.core.backup import BackupError, restore


class Command(BaseCommand):
    help = ("从 xinfang backup 的备份恢复：xinfang restore 文件.tar --yes。先核对 .sha256 校验和与加密密钥，"
            "不符即拒绝；数据库与上传文件整体替换为备份时的样子。")

    def add_arguments(self, parser):
        parser.add_argument("file", help="备份文件（.tar，旁边须有同名的 .sha256）")
        parser.add_argument("--yes", action="store_true", help="确认覆盖当前数据库与上传文件")

    def handle(self, *args, file, yes, **options):
        if not yes:
            raise CommandError("恢复会用备份覆盖当前数据库与全部上传文件；确认请加 --yes")
        try:
            manifest = restore(Path(file))
        except (BackupError, OSError) as exc:
            raise CommandError(f"恢复失败：{exc}") from None
        self.stdout.write(f"已从 {file} 恢复（备份于 {manifest['created_at']}）。"
                          "若备份来自旧版本，请再运行 xinfang migrate。")
