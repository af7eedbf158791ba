"""敏感时期（两会等）：时期与范围、内部目标与更敏感的预警线、重点事项与每日研判、领导接访日与接访记录、
各单位日报（含零报告）与汇总报告。

"重点"只挂在事项上；本模块没有任何记录信访人去向、行踪或身份的字段（DESIGN.md §2）。
内部目标只是本单位办理的催办线，法定期限（告知受理 15 日、办结 60 日……）一律不变。
"""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models

from xinfang.org.models import Department
from xinfang.petitions.models import Matter, Petition


class SensitivePeriod(models.Model):
    name = models.CharField("名称", max_length=60)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    whole_bureau = models.BooleanField("全局", default=True)
    departments = models.ManyToManyField(Department, verbose_name="范围（部门及其下级）", blank=True,
                                         related_name="+")
    report_cutoff = models.TimeField("日报截止时间", default=time(12, 0))
    # 内部目标（天，自收到之日起）：超过的事项进入重点事项。不改变任何法定期限。
    internal_accept_days = models.PositiveSmallIntegerField("内部目标：告知受理（天）", null=True, blank=True)
    internal_reply_days = models.PositiveSmallIntegerField("内部目标：答复（天）", null=True, blank=True)
    # 更敏感的预警：空则沿用平时的设置。
    collective_size = models.PositiveSmallIntegerField("重大紧急：集体访人数", null=True, blank=True)
    rise_alpha = models.FloatField("上升检测的显著性水平", null=True, blank=True)
    hot_petitioners = models.PositiveSmallIntegerField("共同诉求预警的人数", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="设置人", null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("设置时间")

    class Meta:
        verbose_name = "敏感时期"
        verbose_name_plural = "敏感时期"
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["ends_on", "starts_on"], name="period_dates_idx")]

    def __str__(self) -> str:
        return f"{self.name}（{self.starts_on:%Y-%m-%d}—{self.ends_on:%Y-%m-%d}）"


class DailyReport(models.Model):
    """某单位某日的日报：覆盖前一日截止时刻到当日截止时刻；零报告也是一份报告。值班人即提交人，本人签名。"""

    period = models.ForeignKey(SensitivePeriod, on_delete=models.CASCADE, related_name="daily_reports")
    department = models.ForeignKey(Department, verbose_name="报送单位", on_delete=models.PROTECT, related_name="+")
    day = models.DateField("日报日期")
    is_zero = models.BooleanField("零报告", default=False)
    content = models.TextField("情况", blank=True)
    petition_count = models.PositiveIntegerField("窗口内信访件数（报送时）", default=0)
    duty_officer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="值班人", on_delete=models.PROTECT,
                                     related_name="+")
    submitted_at = models.DateTimeField("报送时间")
    late = models.BooleanField("迟报", default=False)

    class Meta:
        verbose_name = "日报"
        verbose_name_plural = "日报"
        ordering = ["-day", "department__path"]
        constraints = [models.UniqueConstraint(fields=["period", "department", "day"], name="daily_report_unique")]


class ConsolidatedReport(models.Model):
    """局里收到的某日汇总（Word）：截止后自动生成一份，也可随时再生成；每份都留存。"""

    period = models.ForeignKey(SensitivePeriod, on_delete=models.CASCADE, related_name="consolidated")
    day = models.DateField("日报日期")
    automatic = models.BooleanField("截止后自动生成", default=False)
    docx = models.FileField("Word", upload_to="warning/daily/%Y/")
    sha256 = models.CharField("SHA-256", max_length=64)
    summary = models.JSONField("数字", default=dict)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="生成人", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("生成时间")

    class Meta:
        verbose_name = "日报汇总"
        verbose_name_plural = "日报汇总"
        ordering = ["-day", "-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["period", "day"], condition=models.Q(automatic=True),
                                               name="consolidated_one_automatic")]


class KeyMatter(models.Model):
    """重点事项：敏感时期内须每日研判的事项（因重大紧急报告、超过内部目标或由负责人列入）。"""

    period = models.ForeignKey(SensitivePeriod, on_delete=models.CASCADE, related_name="key_matters")
    matter = models.ForeignKey(Matter, verbose_name="信访事项", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField("列入原因", max_length=200)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="列入人", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField("列入时间")

    class Meta:
        verbose_name = "重点事项"
        verbose_name_plural = "重点事项"
        ordering = ["added_at", "id"]
        constraints = [models.UniqueConstraint(fields=["period", "matter"], name="key_matter_unique")]


class KeyMatterReview(models.Model):
    key_matter = models.ForeignKey(KeyMatter, on_delete=models.CASCADE, related_name="reviews")
    day = models.DateField("研判日期")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="研判人", on_delete=models.PROTECT,
                                    related_name="+")
    reviewed_at = models.DateTimeField("研判时间")
    note = models.TextField("研判意见")

    class Meta:
        verbose_name = "重点事项研判"
        verbose_name_plural = "重点事项研判"
        ordering = ["-day", "-reviewed_at"]
        constraints = [models.UniqueConstraint(fields=["key_matter", "day"], name="key_review_once_a_day")]


class Reception(models.Model):
    """领导接访日：排定的日子、地点与接访领导；接访后由领导本人登记接待了哪些信访件。"""

    period = models.ForeignKey(SensitivePeriod, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="receptions")
    department = models.ForeignKey(Department, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="接访领导", on_delete=models.PROTECT,
                               related_name="+")
    day = models.DateField("接访日期")
    place = models.CharField("地点", max_length=100)
    scheduled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="排定人", null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    # 接访记录（领导本人登记）
    held_at = models.DateTimeField("接访登记时间", null=True, blank=True)
    note = models.TextField("接访情况", blank=True)
    petitions = models.ManyToManyField(Petition, verbose_name="接待的信访件", blank=True, related_name="+")

    class Meta:
        verbose_name = "领导接访日"
        verbose_name_plural = "领导接访日"
        ordering = ["day", "id"]
        constraints = [models.UniqueConstraint(fields=["department", "leader", "day"], name="reception_unique")]

    @property
    def by_head(self) -> bool:
        """接访领导是该单位的一把手。"""
        return self.leader_id is not None and self.leader_id == self.department.head_id
