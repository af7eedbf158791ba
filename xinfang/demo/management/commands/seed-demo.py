from django.core.management.base import BaseCommand

from xinfang.org.demo import DEMO_PASSWORD, seed_demo
from xinfang.org.models import RoleCode
from xinfang.petitions.actions.config import ensure_default_categories


class Command(BaseCommand):
    help = "建立示范组织、每个角色的示范账号和默认信访类别（可重复执行），并打印登录信息。"

    def handle(self, *args, **options):
        accounts = seed_demo()
        ensure_default_categories()
        self.stdout.write("示范账号（密码均为 %s）：" % DEMO_PASSWORD)
        for account in accounts:
            self.stdout.write(f"  {RoleCode(account.role).label:<6}  用户名 {account.username:<11} {account.name}（{account.department}）")
