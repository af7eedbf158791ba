from django.apps import AppConfig


class DemoConfig(AppConfig):
    """示范数据：位于各应用之上，只在 `make run` 与演示时使用。"""

    name = "xinfang.demo"
    label = "demo"
    verbose_name = "示范数据"
