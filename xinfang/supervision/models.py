"""督查督办：扫描状态（红黄牌与升级层级）、督办单、责任追究、站内通知（兼发送队列）。"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from xinfang.org.models import Department
from xinfang.petitions.models import Matter, MatterEvent


class Light(models.TextChoices):
    YELLOW = "yellow", "黄牌（即将到期）"
    RED = "red", "红牌（已超期）"


class MatterWarning(models.Model):
    """一件事项当前的红黄牌状态与已升级到的层级。扫描据此判断"是否有新情况"，同一状态不重复提醒。"""

    matter = models.OneToOneField(Matter, primary_key=True, on_delete=models.CASCADE, related_name="warning")
    due = models.DateField("据以判断的期限")
    light = models.CharField("灯", max_length=8, choices=Light.choices)
    # 0：只提醒承办人；1：已升级到本单位一把手与分管领导；k：已升级到上溯 k-1 级部门的负责人。
    level = models.PositiveSmallIntegerField("升级层级", default=0)
    since = models.DateTimeField("本状态起始")

    class Meta:
        verbose_name = "红黄牌状态"
        verbose_name_plural = "红黄牌状态"
        indexes = [models.Index(fields=["light", "due"], name="warning_light_due_idx")]


class OrderLevel(models.TextChoices):
    GENERAL = "general", "一般督办"
    KEY = "key", "重点督办"
    LEADER = "leader", "领导包案"
    JOINT = "joint", "联合督办"


class OrderStatus(models.TextChoices):
    OPEN = "open", "督办中"
    CLOSED = "closed", "已办结"


class SupervisionOrder(models.Model):
    """督办单：对一件事项提出要求与时限，直到事项真正解决（答复已送达且未被复查推翻）才办结。"""

    matter = models.ForeignKey(Matter, verbose_name="信访事项", on_delete=models.PROTECT, related_name="orders")
    level = models.CharField("督办级别", max_length=8, choices=OrderLevel.choices)
    status = models.CharField("状态", max_length=8, choices=OrderStatus.choices, default=OrderStatus.OPEN)
    issuer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="督办人", on_delete=models.PROTECT,
                               related_name="issued_orders")
    issuing_department = models.ForeignKey(Department, verbose_name="发文单位", on_delete=models.PROTECT,
                                           related_name="+")
    owner_leader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="包案领导", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="owned_orders")
    requirement = models.TextField("督办要求")
    due_on = models.DateField("办结时限", db_index=True)
    number = models.CharField("文号", max_length=150, blank=True)
    year = models.PositiveSmallIntegerField(default=0)
    sequence = models.PositiveIntegerField(default=0)
    file = models.FileField("督办单文件", upload_to="supervision/%Y/", blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    issued_at = models.DateTimeField("督办时间")
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="办结确认人", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    close_note = models.TextField("办结说明", blank=True)

    class Meta:
        verbose_name = "督办单"
        verbose_name_plural = "督办单"
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"], name="order_status_due_idx")]

    def __str__(self) -> str:
        return f"督办单 {self.number or self.pk}"


class TargetRole(models.TextChoices):
    LEAD = "lead", "牵头单位"
    PARTICIPANT = "participant", "参与单位"


class OrderTarget(models.Model):
    order = models.ForeignKey(SupervisionOrder, on_delete=models.CASCADE, related_name="targets")
    department = models.ForeignKey(Department, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    role = models.CharField("角色", max_length=12, choices=TargetRole.choices)

    class Meta:
        verbose_name = "督办对象"
        verbose_name_plural = "督办对象"
        constraints = [
            models.UniqueConstraint(fields=["order", "department"], name="order_target_unique"),
            # 联合督办也只有一个牵头单位。
            models.UniqueConstraint(fields=["order"], condition=Q(role="lead"), name="order_one_lead"),
        ]
        indexes = [models.Index(fields=["department", "order"], name="order_target_dept_idx")]


class OrderFeedback(models.Model):
    """被督办单位的书面反馈。"""

    order = models.ForeignKey(SupervisionOrder, on_delete=models.CASCADE, related_name="feedback")
    department = models.ForeignKey(Department, verbose_name="反馈单位", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="反馈人", on_delete=models.PROTECT,
                               related_name="+")
    text = models.TextField("反馈内容")
    at = models.DateTimeField("反馈时间")

    class Meta:
        verbose_name = "督办反馈"
        verbose_name_plural = "督办反馈"
        ordering = ["at", "id"]


class Ground(models.TextChoices):
    DEADLINE = "deadline", "超过法定期限未办结（《信访工作条例》第四十四条、第四十五条）"
    COLLECTIVE = "collective", "办理不当引发集体访"
    SKIP_LEVEL = "skip_level", "办理不当引发越级访"
    OVERTURNED = "overturned", "原处理意见被复查推翻"
    # 两种超期分开认定：告知受理与否超期、办结超期，各有其条款与措辞。
    ACCEPTANCE_LATE = "notice_late", "告知超期：未在规定期限内书面告知信访人是否受理（《信访工作条例》第四十四条第三项）"
    HANDLING_LATE = "finish_late", "办结超期：未在规定期限内办结信访事项（《信访工作条例》第四十五条第一项）"


class RecordStatus(models.TextChoices):
    PROPOSED = "proposed", "待认定"
    CONFIRMED = "confirmed", "已认定，落实中"
    DISMISSED = "dismissed", "不予追究"
    COMPLETED = "completed", "已落实"


class Measure(models.TextChoices):
    CRITICISM = "criticism", "批评教育"
    CIRCULAR = "circular", "通报"
    INTERVIEW = "interview", "约谈"
    PROMOTION_HOLD = "promotion_hold", "暂缓提职"
    REASSIGNMENT = "reassignment", "调整岗位"
    WRITTEN_REVIEW = "written_review", "书面检查"
    DISCIPLINE = "discipline", "移送纪检监察"


class AccountabilityRecord(models.Model):
    """责任追究记录：系统提出，审计（纪检）或局领导认定或不予追究并写明理由，落实到位。"""

    matter = models.ForeignKey(Matter, verbose_name="信访事项", on_delete=models.PROTECT,
                               related_name="accountability_records")
    department = models.ForeignKey(Department, verbose_name="责任单位", on_delete=models.PROTECT, related_name="+")
    ground = models.CharField("事由", max_length=12, choices=Ground.choices)
    detail = models.TextField("情况", blank=True)
    # 同一线索只提一次："deadline:<事项>:<期限>"、"event:<事件>"。
    key = models.CharField(max_length=64, unique=True)
    source_event = models.ForeignKey(MatterEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField("状态", max_length=12, choices=RecordStatus.choices, default=RecordStatus.PROPOSED)
    proposed_at = models.DateTimeField("提出时间")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="认定人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField("认定时间", null=True, blank=True)
    reason = models.TextField("认定理由", blank=True)
    responsible = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="责任人", blank=True,
                                         related_name="accountability_records")
    measures = models.JSONField("追责措施", default=list, blank=True)
    completed_at = models.DateTimeField("落实时间", null=True, blank=True)
    completion_note = models.TextField("落实情况", blank=True)

    class Meta:
        verbose_name = "责任追究记录"
        verbose_name_plural = "责任追究记录"
        ordering = ["-proposed_at", "-id"]
        indexes = [models.Index(fields=["status", "proposed_at"], name="accountability_status_idx")]

    def __str__(self) -> str:
        return f"{self.get_ground_display()} {self.matter_id}"

    def measure_labels(self) -> list[str]:
        return [Measure(m).label for m in self.measures if m in Measure.values]


class Kind(models.TextChoices):
    YELLOW = "yellow", "黄牌提醒"
    RED = "red", "红牌（超期）"
    ESCALATION = "escalation", "超期升级"
    ORDER = "order", "督办单"
    FEEDBACK = "feedback", "督办反馈"
    ACCOUNTABILITY = "accountability", "责任追究"
    URGENT = "urgent", "重大紧急事项报告"
    DAILY_REPORT = "daily_report", "敏感时期日报"
    WARNING = "warning", "预警"
    # 工作到达本人（work_notices）：交办、待审批、回访不满意、督办单或落实到期。
    ASSIGNED = "assigned", "交办"
    APPROVAL = "approval", "待审批"
    DISSATISFIED = "dissatisfied", "回访不满意"
    DUE = "due", "到期"


# 红牌、升级与重大紧急事项报告（《信访工作条例》第二十五条：及时报告）无视免打扰时段。
URGENT_KINDS = frozenset({Kind.RED, Kind.ESCALATION, Kind.URGENT})


class Notification(models.Model):
    """站内通知；同一行也是短信、邮件的发送队列（outbox）：worker 以一条 UPDATE 认领，两个 worker 不会发同一条。"""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE,
                                  related_name="notifications")
    kind = models.CharField("类别", max_length=16, choices=Kind.choices)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=200, blank=True)
    matter = models.ForeignKey(Matter, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(default=dict, blank=True)
    # 去重键：同一件事对同一人只提醒一次（周期任务重复运行、重读事件都不重复），空串表示不去重。
    key = models.CharField("去重键", max_length=120, blank=True, default="", db_index=True)
    created_at = models.DateTimeField("时间")
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    # 发送队列：要走的外部渠道（email / sms）、最早发送时刻（免打扰）、认领、发送结果。
    channels = models.JSONField("外部渠道", default=list, blank=True)
    deliver_after = models.DateTimeField("最早发送时间")
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    failed_at = models.DateTimeField("放弃发送时间", null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_inbox_idx"),
            models.Index(fields=["deliver_after"], condition=Q(sent_at__isnull=True, failed_at__isnull=True),
                         name="notification_outbox_idx"),
        ]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], condition=~Q(key=""),
                                               name="notification_once_per_key")]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    """个人的通知偏好：是否发邮件、短信，免打扰时段（红牌不受其限）。"""

    staff = models.OneToOneField(settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE,
                                 related_name="notification_preference")
    email = models.BooleanField("邮件", default=True)
    sms = models.BooleanField("短信", default=True)
    quiet_start = models.TimeField("免打扰开始", null=True, blank=True)
    quiet_end = models.TimeField("免打扰结束", null=True, blank=True)

    class Meta:
        verbose_name = "通知偏好"
        verbose_name_plural = "通知偏好"
