from django.core.management.base import BaseCommand

from xinfang.ml import MLError
from xinfang.org.demo import DEMO_PASSWORD, seed_demo
from xinfang.org.models import RoleCode
from xinfang.petitions.actions.config import ensure_default_categories
from xinfang.petitions.models import Matter
from xinfang.triage import services as triage
from xinfang.triage.models import AuthorityLabel, ModelVersion, Task

DEMO_PETITIONS = 300
DEMO_AUTHORITIES = ("本支队", "车辆管理所", "人民法院", "保险公司", "城市管理部门", "交通运输部门")


class Command(BaseCommand):
    help = "建立示范组织、每个角色的示范账号、默认类别、几百件示范信访和一个示范分诊模型（可重复执行），并打印登录信息。"

    def handle(self, *args, **options):
        from xinfang.petitions.generate import generate

        accounts = seed_demo()
        ensure_default_categories()
        for order, name in enumerate(DEMO_AUTHORITIES):
            if not AuthorityLabel.objects.filter(name=name).exists():
                triage.save_authority_label(AuthorityLabel(name=name, sort_order=order))
        if not Matter.objects.exists():
            summary = generate(DEMO_PETITIONS, seed=1)
            self.stdout.write(f"已生成示范信访：{summary.matters} 件事项、{summary.petitions} 件信访件。")
        if not ModelVersion.objects.filter(task=Task.CATEGORY, is_current=True).exists():
            try:
                version = triage.train(Task.CATEGORY, triage.labelled_matters(Task.CATEGORY))
                self.stdout.write(f"已用示范事项训练分诊模型：宏平均 F1 {version.macro_f1:.2f}（示范数据，仅供演示）。")
            except (MLError, ValueError) as exc:
                self.stdout.write(f"未训练示范分诊模型：{exc}")
        from xinfang.screening.demo import seed_demo_cases

        self.stdout.write(seed_demo_cases())
        self.stdout.write("示范账号（密码均为 %s）：" % DEMO_PASSWORD)
        for account in accounts:
            self.stdout.write(f"  {RoleCode(account.role).label:<6}  用户名 {account.username:<11} {account.name}（{account.department}）")
