"""预聚合的事实：看板读它们，不扫事项表。由 aggregates.py 从办理记录增量维护。"""

from __future__ import annotations

from django.db import models


class MatterSnapshot(models.Model):
    """一件事项上次计入看板时的样子：事项变化后，先减去旧的贡献再加上新的。"""

    matter_id = models.BigIntegerField("事项", primary_key=True)
    department_id = models.BigIntegerField("责任单位")
    category_id = models.BigIntegerField("类别", null=True)
    channel = models.CharField("渠道", max_length=16, blank=True)
    received_on = models.DateField("收到日期")
    replied_on = models.DateField("答复日期（处理意见作出）", null=True)
    closed_on = models.DateField("办结日期", null=True)
    is_skip_level = models.BooleanField(default=False)
    is_collective = models.BooleanField(default=False)
    is_repeat = models.BooleanField(default=False)
    # 考核事实里要连表才能得到的几项（facts.derived 算出）：读指标时不再逐件查信访件、办理记录与意见。
    # version 不等于 facts.DERIVED_VERSION 的行（旧行、或算法改了）读时当场重算，不用它。
    version = models.PositiveSmallIntegerField("事实版本", default=0)
    repeat_dates = models.JSONField("重复信访日期", default=list)
    early_decided_on = models.DateField("不予受理、转送或分类处理之日", null=True)
    drafter_id = models.BigIntegerField("最后起草答复的人", null=True)
    reviews = models.JSONField("复查复核意见（日期, 是否改变原意见）", default=list)

    class Meta:
        verbose_name = "看板事项快照"
        verbose_name_plural = "看板事项快照"


class DailyUnitFact(models.Model):
    """每天每个单位（只算本单位，不含下级）的件数。类别、渠道按月（day 为当月 1 日）。

    measure：received 收到、replied 答复、closed 办结、skip_level 越级、collective 集体、repeat 有重复信访
    （以上按收到或答复、办结日）；category:<id>、channel:<代码>（按收到月）。"""

    day = models.DateField("日期")
    department_id = models.BigIntegerField("单位")
    measure = models.CharField("量", max_length=40)
    count = models.IntegerField("件数", default=0)

    class Meta:
        verbose_name = "每日单位事实"
        verbose_name_plural = "每日单位事实"
        constraints = [models.UniqueConstraint(fields=["measure", "day", "department_id"], name="daily_fact_unique")]
        # 看板按期间与单位取全部量：沿日期扫描，不必走遍全表。
        indexes = [models.Index(fields=["day", "department_id"], name="daily_fact_day_dept_idx")]


class ReportKind(models.TextChoices):
    MONTHLY = "monthly", "信访形势分析月报"
    ANNUAL = "annual", "信访工作年度报告"


class ReportStatus(models.TextChoices):
    PENDING = "pending", "排队中"
    RUNNING = "running", "生成中"
    DONE = "done", "已生成"
    FAILED = "failed", "失败"


class Report(models.Model):
    """生成并留存的报告（Word 与 Excel 各一份）。月份未结束时生成的标"暂定"。"""

    kind = models.CharField("种类", max_length=16, choices=ReportKind.choices)
    period_start = models.DateField("期间开始")
    period_end = models.DateField("期间结束")
    provisional = models.BooleanField("暂定", default=False)
    status = models.CharField("状态", max_length=16, choices=ReportStatus.choices, default=ReportStatus.PENDING)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    docx = models.FileField("Word", upload_to="reports/%Y/", blank=True)
    xlsx = models.FileField("Excel", upload_to="reports/%Y/", blank=True)
    error = models.TextField("错误", blank=True)
    requested_by = models.ForeignKey("org.Staff", verbose_name="发起人", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("生成时间")

    class Meta:
        verbose_name = "报告"
        verbose_name_plural = "报告"
        ordering = ["-period_start", "-created_at"]

    def __str__(self) -> str:
        if self.kind == ReportKind.ANNUAL:
            return f"{self.period_start:%Y}年度信访工作报告"
        return f"{self.get_kind_display()} {self.period_start:%Y年%m月}"


