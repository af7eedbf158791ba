from django.core.management.base import BaseCommand

from xinfang.demo.authorities import label_demo_authorities
from xinfang.ml import MLError
from xinfang.org.demo import DEMO_PASSWORD, seed_demo
from xinfang.org.models import RoleCode
from xinfang.petitions.actions.config import ensure_default_categories
from xinfang.petitions.models import Matter
from xinfang.triage import services as triage
from xinfang.triage.models import AuthorityLabel, ModelVersion, Task

DEMO_PETITIONS = 300
# 与 xinfang/demo/authorities.py 推定的去向一致（转送机关取自造数的 AUTHORITIES）。
DEMO_AUTHORITIES = ("本支队", "车辆管理所", "人民法院", "上一级公安机关交通管理部门", "行政复议机关", "仲裁委员会",
                    "示范市城市管理局", "示范市交通运输局", "示范市住房和城乡建设局", "示范市市场监督管理局")


class Command(BaseCommand):
    help = "建立示范组织、每个角色的示范账号、默认类别、几百件示范信访和示范分诊模型（类别、主管机关；可重复执行），并打印登录信息。"

    def handle(self, *args, **options):
        from xinfang.petitions.generate import generate

        accounts = seed_demo()
        ensure_default_categories()
        for order, name in enumerate(DEMO_AUTHORITIES):
            if not AuthorityLabel.objects.filter(name=name).exists():
                triage.save_authority_label(AuthorityLabel(name=name, sort_order=order))
        if not Matter.objects.exists():
            summary = generate(DEMO_PETITIONS, seed=1)
            # 造数自己写意见行（处理、复查、复核意见，连同送达、请求与落实），不再需要迁移的补写。
            self.stdout.write(f"已生成示范信访：{summary.matters} 件事项、{summary.petitions} 件信访件、"
                              f"{summary.opinions} 项意见。")
        label_demo_authorities()
        for task in (Task.CATEGORY, Task.AUTHORITY):
            if ModelVersion.objects.filter(task=task, is_current=True).exists():
                continue
            try:
                version = triage.train(task, triage.labelled_matters(task))
                self.stdout.write(f"已用示范事项训练{Task(task).label}分诊模型：留出集宏平均 F1 {version.macro_f1:.2f}"
                                  f"（{len(version.labels)} 类，示范数据，仅供演示）。")
            except (MLError, ValueError) as exc:
                self.stdout.write(f"未训练示范{Task(task).label}分诊模型：{exc}")
        from xinfang.screening.demo import seed_demo_cases

        self.stdout.write(seed_demo_cases())
        self.stdout.write("示范账号（密码均为 %s）：" % DEMO_PASSWORD)
        for account in accounts:
            self.stdout.write(f"  {RoleCode(account.role).label:<6}  用户名 {account.username:<11} {account.name}（{account.department}）")
