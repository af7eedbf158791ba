from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    """执法案件排查：导入各单位的案件，按信访风险排序并说明理由，组织每月排查直到签字。"""

    name = "xinfang.screening"
    label = "screening"
    verbose_name = "案件排查"
