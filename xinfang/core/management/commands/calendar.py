"""xinfang calendar import FILE：录入某年的国务院放假通知（格式见 xinfang/core/notice.py）。"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from xinfang.core.notice import NoticeError, parse_notice
from xinfang.core.workcalendar import statutory_holidays


class Command(BaseCommand):
    help = ("工作日历：import FILE 录入某年的国务院放假通知（该年期限从此不再暂定，并重算所有事项的期限）；"
            "show YEAR 列出未录入年份按《全国年节及纪念日放假办法》推算的假日。")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="录入放假通知文件（UTF-8 文本，格式见 xinfang/core/notice.py）")
        imp.add_argument("file", help="通知文件")
        show = sub.add_parser("show", help="列出某年推算的法定假日与补假（暂定）")
        show.add_argument("year", type=int)

    def handle(self, *args, action, **options):
        if action == "show":
            for day, name in statutory_holidays(options["year"]).items():
                self.stdout.write(f"{day.isoformat()} 放假 {name}")
            return
        from xinfang.petitions.actions.config import enter_calendar_notice

        path = Path(options["file"])
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise CommandError(f"找不到通知文件：{path}") from None
        except UnicodeDecodeError:
            raise CommandError(f"通知文件 {path.name} 不是 UTF-8 编码") from None
        try:
            notice = parse_notice(text)
        except NoticeError as exc:
            raise CommandError(f"{path.name}：{exc}") from None
        result = enter_calendar_notice(notice, by=None)
        self.stdout.write(
            f"已录入 {notice.year} 年放假通知（{notice.notice or '未写文号'}）：{result['days']} 天，"
            f"其中新写入或改动 {result['written']} 天；该年另有 {result['kept']} 条管理员维护的调整保留；"
            f"期限有变化的事项 {result['recomputed']} 件。"
        )
