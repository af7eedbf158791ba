from django.apps import AppConfig


class WarningConfig(AppConfig):
    """预警：计数上升、共同诉求（热点）、需要支持的民警；统计部分在 xinfang.ml，不依赖 Django。"""

    name = "xinfang.warning"
    label = "warning"
    verbose_name = "预警"
