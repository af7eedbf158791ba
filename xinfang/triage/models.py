"""分诊模型的版本、主管机关标签集、登记员的选择（作为下一次训练的反馈）。"""

from django.db import models

from xinfang.petitions.models import Matter


class Task(models.TextChoices):
    CATEGORY = "category", "信访类别"
    AUTHORITY = "authority", "主管机关"


class AuthorityLabel(models.Model):
    """主管机关标签集（管理员维护）：分诊模型只在启用的标签中学习和建议。"""

    name = models.CharField("主管机关", max_length=60, unique=True)
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "主管机关标签"
        verbose_name_plural = "主管机关标签"
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class ModelVersion(models.Model):
    """训练出的一个模型版本：文件、标签集、训练数据指纹、在留出集上的指标；当前只用一个。"""

    task = models.CharField("任务", max_length=16, choices=Task.choices)
    version = models.PositiveIntegerField("版本")
    path = models.CharField("模型文件", max_length=300)
    labels = models.JSONField("标签集", default=list)
    training_hash = models.CharField("训练数据指纹", max_length=64)
    n_train = models.PositiveIntegerField("训练条数")
    n_test = models.PositiveIntegerField("留出条数")
    macro_f1 = models.FloatField("宏平均 F1")
    accuracy = models.FloatField("准确率")
    report = models.JSONField("分类别报告", default=dict)
    source = models.CharField("数据来源", max_length=200)
    is_current = models.BooleanField("当前使用", default=False)
    decision = models.CharField("启用决定", max_length=200, blank=True)
    created_at = models.DateTimeField("训练时间")

    class Meta:
        verbose_name = "分诊模型版本"
        verbose_name_plural = "分诊模型版本"
        ordering = ["task", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["task", "version"], name="model_version_unique"),
            models.UniqueConstraint(fields=["task"], condition=models.Q(is_current=True), name="one_current_model_per_task"),
        ]

    def __str__(self) -> str:
        return f"{self.get_task_display()} v{self.version}"


class Feedback(models.Model):
    """登记时模型的建议与登记员的最终选择：选择才是保存下来的，也是下次训练的标签。"""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="+")
    task = models.CharField("任务", max_length=16, choices=Task.choices)
    model_version = models.ForeignKey(ModelVersion, null=True, on_delete=models.SET_NULL, related_name="+")
    suggestions = models.JSONField("建议", default=list)
    chosen = models.CharField("选择", max_length=60, blank=True)
    agreed = models.BooleanField("与首选建议一致", default=False)
    created_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "分诊反馈"
        verbose_name_plural = "分诊反馈"
        constraints = [models.UniqueConstraint(fields=["matter", "task"], name="feedback_unique_matter_task")]
