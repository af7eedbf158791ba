from django.apps import AppConfig


class TriageConfig(AppConfig):
    """分诊建议、相似信访与先例答复：把 xinfang.ml 的模型接到办理流程上。"""

    name = "xinfang.triage"
    label = "triage"
    verbose_name = "智能分诊"
