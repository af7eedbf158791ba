from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    """与其他系统交换：12345 热线转办工单的接收与回传（outbox），信访台账的 Excel / CSV 导入。"""

    name = "xinfang.exchange"
    label = "exchange"
    verbose_name = "数据交换"
