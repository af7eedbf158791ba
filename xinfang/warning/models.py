"""预警记录：什么上升了、在哪里、比预期多多少，背后是哪些信访件；由人确认、处置、关闭。

预警只涉及事项、问题、单位与民警的支持需要，从不涉及信访人（DESIGN.md §2）。
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from xinfang.org.models import Department
from xinfang.petitions.models import Petition


class WarningKind(models.TextChoices):
    RISE = "rise", "数量上升"
    HOT_ISSUE = "hot_issue", "共同诉求（热点）"
    OFFICER_SUPPORT = "officer_support", "民警需要支持"
    MAJOR_URGENT = "major_urgent", "重大紧急事项"
    DAILY_REPORT_MISSING = "daily_report_missing", "日报未报"


class WarningStatus(models.TextChoices):
    OPEN = "open", "待确认"
    ACKNOWLEDGED = "acknowledged", "已确认，处置中"
    CLOSED = "closed", "已关闭"


OPEN_STATES = (WarningStatus.OPEN, WarningStatus.ACKNOWLEDGED)


class Warning(models.Model):  # noqa: A001 - the glossary's name; never imported as a bare name
    kind = models.CharField("类别", max_length=24, choices=WarningKind.choices)
    status = models.CharField("状态", max_length=16, choices=WarningStatus.choices, default=WarningStatus.OPEN)
    # 同一件事只预警一次：由检测器给出，如 "rise:department:12:week:2026-03-02"。
    key = models.CharField("去重键", max_length=120, unique=True)
    department = models.ForeignKey(Department, verbose_name="单位", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    title = models.CharField("标题", max_length=200)
    detail = models.TextField("说明")
    period_start = models.DateField("统计期起", null=True, blank=True)
    observed = models.FloatField("实际数", null=True, blank=True)
    expected = models.FloatField("预期数", null=True, blank=True)
    upper = models.FloatField("预警线", null=True, blank=True)
    petitions = models.ManyToManyField(Petition, verbose_name="相关信访件", blank=True, related_name="+")
    created_at = models.DateTimeField("预警时间")
    acknowledged_at = models.DateTimeField("确认时间", null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="确认人", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField("关闭时间", null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="关闭人", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    outcome = models.TextField("处置情况", blank=True)
    # 共同诉求：同一问题的不同信访人数（只计数，不列人）与建议的联合处置方式。
    petitioners = models.PositiveIntegerField("信访人数", null=True, blank=True)
    suggestion = models.TextField("建议处置", blank=True)
    # 民警需要支持：警号（预警关于民警的支持需要，不是处分）。
    officer_no = models.CharField("警号", max_length=20, blank=True)
    level = models.CharField("级别", max_length=12, blank=True)  # 民警：warning / critical

    class Meta:
        verbose_name = "预警"
        verbose_name_plural = "预警"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["kind", "-created_at"], condition=~Q(status="closed"), name="warning_open_idx"),
            # 预警中心按单位取未关闭的预警（单位负责人只看本单位）、按时间分页。
            models.Index(fields=["department", "kind", "-created_at"], condition=~Q(status="closed"),
                         name="warning_open_dept_idx"),
            models.Index(fields=["-closed_at"], condition=Q(status="closed"), name="warning_closed_idx"),
            # 局领导看全部类别时按时间取第一页：有序读出 25 条即停，不必把全部未关闭的预警排序。
            models.Index(fields=["-created_at", "-id"], condition=~Q(status="closed"), name="warning_open_recent_idx"),
        ]

    def __str__(self) -> str:
        return self.title


# 重大紧急事项报告与敏感时期的模型在各自的模块里，这里导入以便 Django 发现。
from .models_periods import (  # noqa: E402,F401
    ConsolidatedReport, DailyReport, KeyMatter, KeyMatterReview, Reception, SensitivePeriod,
)
from .models_urgent import FlagKind, MatterFlag, UrgentGround, UrgentRecipient, UrgentReport  # noqa: E402,F401
class Disposition(models.TextChoices):
    TALK = "talk", "谈心谈话"
    TRAINING = "training", "培训"
    REASSIGN = "reassign", "调整岗位"
    FALSE_ALARM = "false_alarm", "误报"


class OfficerDisposition(models.Model):
    """主管领导对一条"民警需要支持"预警的处置决定：系统提出，人来决定；保留为日后评估的标签。"""

    warning = models.OneToOneField(Warning, verbose_name="预警", on_delete=models.PROTECT, related_name="disposition")
    officer_no = models.CharField("警号", max_length=20, db_index=True)
    disposition = models.CharField("处置", max_length=16, choices=Disposition.choices)
    note = models.TextField("说明", blank=True)
    # 提示时模型给出的分数与级别，与决定一起留作标签（误报率、提示的命中率）。
    score = models.FloatField("提示分数", null=True, blank=True)
    level = models.CharField("提示级别", max_length=12, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="决定人", on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField("决定时间")

    class Meta:
        verbose_name = "民警预警处置"
        verbose_name_plural = "民警预警处置"
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.officer_no} {self.get_disposition_display()}"
