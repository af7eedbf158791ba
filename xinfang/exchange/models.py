"""12345 转办工单、回传消息（outbox）、信访台账导入批次与来源键。"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from xinfang.petitions.models import Matter, Petition


class WorkOrder(models.Model):
    """12345 转办工单：一个工单号只对应一件信访件（唯一约束），同一工单再来一次得到同一件。

    原始报文含来电人的电话和地址，不原样留存：内容只留逐项的键控摘要（HMAC，数据密钥），
    够判断"再来一次的是不是同一张工单"，又不在库里多一份明文个人资料。
    """

    order_number = models.CharField("工单号", max_length=40, unique=True)
    petition = models.OneToOneField(Petition, verbose_name="信访件", on_delete=models.PROTECT,
                                    related_name="work_order")
    matter = models.ForeignKey(Matter, verbose_name="信访事项", on_delete=models.PROTECT, related_name="work_orders")
    integration = models.CharField("来源系统", max_length=100, blank=True)
    ordered_at = models.DateTimeField("工单时间")
    deadline = models.DateTimeField("12345 办理时限", null=True, blank=True)
    category_text = models.CharField("12345 诉求类别", max_length=100, blank=True)
    fingerprints = models.JSONField("各项内容摘要", default=dict)
    received_at = models.DateTimeField("接收时间")

    class Meta:
        verbose_name = "12345 转办工单"
        verbose_name_plural = "12345 转办工单"

    def __str__(self) -> str:
        return f"12345 工单 {self.order_number}"


class MessageKind(models.TextChoices):
    RECEIVED = "received", "签收"
    ACCEPTANCE = "acceptance", "受理结果"
    PROGRESS = "progress", "办理进展"
    RESULT = "result", "办理结果"


class OutboxMessage(models.Model):
    """一条要回传给 12345 的消息。这张表就是发送队列：行与引起它的状态变化同在库里，先写后发，不会丢；

    每条有唯一的幂等键（也随请求头 Idempotency-Key 发出）：worker 发出后来不及记下就崩溃，
    重发的是同一个键，接收方据此去重——对方答过 2xx 的消息，对方不会收到第二次不同的消息。
    """

    work_order = models.ForeignKey(WorkOrder, verbose_name="工单", on_delete=models.PROTECT, related_name="messages")
    kind = models.CharField("种类", max_length=12, choices=MessageKind.choices)
    idempotency_key = models.CharField("幂等键", max_length=120, unique=True)
    event_id = models.PositiveBigIntegerField("办理记录", null=True, blank=True)
    payload = models.JSONField("内容")
    created_at = models.DateTimeField("写入时间")
    next_attempt_at = models.DateTimeField("下次发送时间")
    claimed_at = models.DateTimeField("认领时间", null=True, blank=True)
    attempts = models.PositiveIntegerField("已尝试次数", default=0)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)
    failed_at = models.DateTimeField("停止重试时间", null=True, blank=True)
    last_status = models.PositiveSmallIntegerField("最近一次响应码", null=True, blank=True)
    last_error = models.TextField("最近一次错误", blank=True)

    class Meta:
        verbose_name = "12345 回传消息"
        verbose_name_plural = "12345 回传消息"
        ordering = ["id"]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="outbox_pending_idx",
                         condition=models.Q(delivered_at__isnull=True, failed_at__isnull=True)),
            models.Index(fields=["work_order", "id"], name="outbox_order_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.idempotency_key}"

    @property
    def state(self) -> str:
        if self.delivered_at:
            return "已送达"
        if self.failed_at:
            return "已停止重试"
        return "待发送" if not self.attempts else "重试中"


class ImportStatus(models.TextChoices):
    MAPPING = "mapping", "待确认列对应"
    RUNNING = "running", "进行中"
    DONE = "done", "已完成"
    FAILED = "failed", "已中断"


class PetitionImport(models.Model):
    """一次信访台账导入：上传 → 确认列对应（预览）→ 按批提交；`last_committed_row` 之后的行可续传。"""

    file_name = models.CharField("文件名", max_length=255)
    stored_path = models.CharField("服务器上的文件", max_length=500)
    file_sha256 = models.CharField("文件指纹", max_length=64, db_index=True)
    file_size = models.BigIntegerField("文件大小", default=0)
    source_system = models.CharField("来源系统", max_length=60)
    mapping = models.JSONField("列对应", default=dict, blank=True)  # {"列序号": "字段"}
    default_channel = models.CharField("默认渠道", max_length=16, blank=True)  # 文件没有渠道列（或为空）时用
    update_contacts = models.BooleanField("更新已登记信访人的联系方式", default=False)
    dry_run = models.BooleanField("只检查不导入", default=False)
    status = models.CharField("状态", max_length=8, choices=ImportStatus.choices, default=ImportStatus.MAPPING)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="导入人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("上传时间")
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    heartbeat_at = models.DateTimeField("最近一次提交", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    last_committed_row = models.PositiveIntegerField("已提交到第几行", default=1)
    rows_expected = models.PositiveIntegerField("预计行数", default=0)
    rows_seen = models.PositiveIntegerField("已读行数", default=0)
    created = models.PositiveIntegerField("新增", default=0)
    unchanged = models.PositiveIntegerField("已导入过（未变）", default=0)
    conflicts = models.PositiveIntegerField("已导入过（内容不同，未合并）", default=0)
    rejected = models.PositiveIntegerField("退回", default=0)
    problems = models.JSONField("问题（前 500 条）", default=list, blank=True)
    notices = models.JSONField("提示（前 500 条）", default=list, blank=True)
    message = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "信访台账导入"
        verbose_name_plural = "信访台账导入"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name}（{self.get_status_display()}）"


class ImportedRecord(models.Model):
    """来源键（来源系统 + 对方的记录编号）→ 导入成的信访件：同一条记录再导入一次不会多出一件。"""

    source_system = models.CharField("来源系统", max_length=60)
    record_id = models.CharField("对方记录编号", max_length=80)
    petition = models.OneToOneField(Petition, on_delete=models.PROTECT, related_name="import_source")
    fingerprint = models.CharField("内容摘要", max_length=64)
    batch = models.ForeignKey(PetitionImport, on_delete=models.SET_NULL, null=True, related_name="+")
    imported_at = models.DateTimeField("导入时间")

    class Meta:
        verbose_name = "导入来源"
        verbose_name_plural = "导入来源"
        constraints = [models.UniqueConstraint(fields=["source_system", "record_id"], name="imported_record_source_key")]
