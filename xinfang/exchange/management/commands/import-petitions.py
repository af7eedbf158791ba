from django.core.management.base import BaseCommand, CommandError

from xinfang.exchange import imports, ledger
from xinfang.org import permissions
from xinfang.org.models import Staff
from xinfang.petitions.models import Channel


class Command(BaseCommand):
    help = ("导入信访台账（.xlsx 或 CSV（UTF-8 或 GBK），第一行为表头）：按中文表头或英文别名自动对应列（--mapping 可改），"
            "逐行校验（与登记页同样的规则），按「来源系统 + 来源编号」幂等，按批提交，中断后重跑即续传。")

    def add_arguments(self, parser):
        parser.add_argument("file", help="台账文件")
        parser.add_argument("--source", required=True, help="来源系统（哪个单位或系统的台账）")
        parser.add_argument("--by", required=True, help="以哪位工作人员（用户名）的名义登记，须有登记信访的权限")
        parser.add_argument("--mapping", action="append", default=[], metavar="表头=字段",
                            help="改一列的对应，如 --mapping 原编号=source_id 或 --mapping 备注= （不导入该列）；可多次")
        parser.add_argument("--channel", default="", help="文件没有渠道列时的默认渠道（如 来信、来访）")
        parser.add_argument("--update-contacts", action="store_true", help="已登记信访人的联系方式不同时，改为本次的")
        parser.add_argument("--dry-run", action="store_true", help="只检查并报告问题，不写入")

    def handle(self, *args, **options):
        by = Staff.objects.filter(username=options["by"], is_active=True).first()
        if by is None:
            raise CommandError(f"没有用户 {options['by']}")
        if not permissions.allows(by, "petition.import"):
            raise CommandError(f"{by} 没有导入信访台账的权限（须为登记员、单位负责人或分管领导）")
        channel = options["channel"]
        if channel:
            channel = imports.channels().get(channel.lower(), "")
            if not channel:
                raise CommandError(f"--channel 应为：{'、'.join(Channel.labels)}")
        try:
            header, _ = ledger.preview(options["file"], limit=0)
        except ledger.LedgerError as exc:
            raise CommandError(f"文件不能导入：{exc}") from None
        mapping = ledger.auto_mapping(header)
        labels = {f.label: f.key for f in ledger.FIELDS} | {f.key: f.key for f in ledger.FIELDS}
        for item in options["mapping"]:
            column, _, field = item.partition("=")
            if column.strip() not in header:
                raise CommandError(f"--mapping {item}：文件里没有「{column.strip()}」这一列；表头为 {'、'.join(header)}")
            if field.strip() and field.strip() not in labels:
                raise CommandError(f"--mapping {item}：没有「{field.strip()}」这个字段；可用："
                                   + "、".join(f"{f.label}({f.key})" for f in ledger.FIELDS))
            mapping[str(header.index(column.strip()))] = labels.get(field.strip(), "")
        for index, name in enumerate(header):
            key = mapping.get(str(index))
            self.stdout.write(f"  「{name}」→ {ledger.BY_KEY[key].label if key else '（不导入）'}")
        try:
            batch = imports.import_petitions(options["file"], by=by, source_system=options["source"], mapping=mapping,
                                             default_channel=channel, update_contacts=options["update_contacts"],
                                             dry_run=options["dry_run"])
        except imports.ImportRefused as exc:
            raise CommandError("不能导入：" + "；".join(exc.problems)) from None
        for problem in batch.problems[:50] + batch.notices[:20]:
            self.stdout.write(str(ledger.Problem(**problem)))
        if len(batch.problems) > 50:
            self.stdout.write(f"……另有 {len(batch.problems) - 50} 条问题，见导入页面。")
        self.stdout.write(imports.summary(batch))
        if batch.status != "done":
            raise CommandError("导入未完成")
