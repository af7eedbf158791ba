"""重大紧急事项报告（《信访工作条例》第二十五条）：报了什么、何时、报给谁、谁何时确认、升级到哪一级。

一份报告挂在一条预警（kind = major_urgent）上：预警中心照常列出、确认、关闭；确认即预警的确认人与时间。
报告只涉及事项（人数、到哪一级、内容中的危险信号、媒体关注），不涉及信访人的去向与身份。
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from xinfang.org.models import Department
from xinfang.petitions.models import Matter, MatterEvent, Petition


class UrgentGround(models.TextChoices):
    COLLECTIVE = "collective", "规模较大的集体访"
    PROVINCIAL = "provincial", "到省信访"
    NATIONAL = "national", "到国家信访"
    EXTREME = "extreme", "可能发生极端行为或现实危险"
    MEDIA = "media", "媒体关注"


class FlagKind(models.TextChoices):
    """工作人员在事项上标记的情况（事实）；标记本身是一条办理记录，扫描据此报告。"""

    MEDIA = "media", "媒体关注"
    PROVINCIAL = "provincial", "已到省信访（越级）"
    NATIONAL = "national", "已到国家信访（越级）"


class MatterFlag(models.Model):
    matter = models.ForeignKey(Matter, verbose_name="信访事项", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField("情况", max_length=12, choices=FlagKind.choices)
    note = models.TextField("说明")
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="标记人", on_delete=models.PROTECT,
                               related_name="+")
    set_at = models.DateTimeField("标记时间")

    class Meta:
        verbose_name = "事项情况标记"
        verbose_name_plural = "事项情况标记"
        constraints = [models.UniqueConstraint(fields=["matter", "kind"], name="matter_flag_unique")]


class UrgentReport(models.Model):
    warning = models.OneToOneField("warning.Warning", verbose_name="预警", on_delete=models.CASCADE,
                                   related_name="urgent_report")
    matter = models.ForeignKey(Matter, verbose_name="信访事项", on_delete=models.PROTECT, related_name="+")
    petition = models.ForeignKey(Petition, verbose_name="信访件", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    source_event = models.OneToOneField(MatterEvent, verbose_name="来源记录", null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")
    grounds = models.JSONField("事由", default=list)
    department = models.ForeignKey(Department, verbose_name="责任单位", on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField("报告时间")
    # 已报到第几级：1 = 责任单位（或最近的有负责人的上级）的一把手与分管领导，此后每级上溯；最后是局领导。
    level = models.PositiveSmallIntegerField("已报层级", default=1)
    # 到这个时刻仍无人确认，就再上报一级（索引：升级任务只扫它）。确认后或已到顶时为空。
    escalate_at = models.DateTimeField("未确认即升级的时刻", null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = "重大紧急事项报告"
        verbose_name_plural = "重大紧急事项报告"
        ordering = ["-reported_at", "-id"]

    def ground_labels(self) -> list[str]:
        return [UrgentGround(g).label for g in self.grounds if g in UrgentGround.values]


class UrgentRecipient(models.Model):
    """报给了谁：每人一行（同一人不重复报），带那一级、时刻与站内信（其已读时间、短信发送时间在通知上）。"""

    report = models.ForeignKey(UrgentReport, on_delete=models.CASCADE, related_name="recipients")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="接报人", on_delete=models.PROTECT,
                              related_name="+")
    level = models.PositiveSmallIntegerField("层级")
    notified_at = models.DateTimeField("报告时间")
    notification = models.ForeignKey("supervision.Notification", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    class Meta:
        verbose_name = "接报人"
        verbose_name_plural = "接报人"
        ordering = ["level", "notified_at", "id"]
        constraints = [models.UniqueConstraint(fields=["report", "staff"], name="urgent_recipient_unique")]
