from django.core.management.base import BaseCommand

from xinfang.org.demo import DEMO_PASSWORD, seed_demo
from xinfang.org.models import RoleCode


class Command(BaseCommand):
    help = "建立示范组织与每个角色的示范账号（可重复执行），并打印登录信息。"

    def handle(self, *args, **options):
        accounts = seed_demo()
        self.stdout.write("示范账号（密码均为 %s）：" % DEMO_PASSWORD)
        for account in accounts:
            self.stdout.write(f"  {RoleCode(account.role).label:<6}  用户名 {account.username:<11} {account.name}（{account.department}）")
