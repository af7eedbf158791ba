"""审计日志：谁、何时、从哪个地址、对什么、做了什么、哪些字段由什么变为什么。只追加，不修改。

每行存前一行的哈希与本行的哈希，连成一条链（`xinfang audit verify` 逐行核对）：改了、删了、插进去的
行都会让链在那里断开。PostgreSQL 上另有触发器拒绝 UPDATE 与 DELETE（迁移 0002）。
"""

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    at = models.DateTimeField("时间", db_index=True)
    # PROTECT：留有审计记录的账号只能停用，不能删除（删除会改写审计行，触发器也不允许）。
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    # 冗余保存操作人姓名：账号日后改名或停用，审计记录仍读得懂。
    actor_name = models.CharField("操作人姓名", max_length=150, blank=True)
    action = models.CharField("动作", max_length=64, db_index=True)
    object_type = models.CharField("对象类型", max_length=64, db_index=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    changes = models.JSONField("字段变化", default=dict, blank=True)
    ip = models.GenericIPAddressField("来源 IP", null=True, blank=True)
    # 涉及的信访事项编号：审计员按事项筛选（写操作的对象可能是信访件、文书、回访……）。
    matter_number = models.CharField("事项编号", max_length=32, blank=True, db_index=True)
    prev_hash = models.CharField("前一行哈希", max_length=64, blank=True)
    hash = models.CharField("本行哈希", max_length=64, blank=True)

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["actor", "at"], name="audit_actor_at_idx"),
        ]

    @property
    def change_rows(self) -> list[tuple[str, list]]:
        """(字段, [之前, 之后])：模板里 ``changes.items`` 会先取名为 items 的字段（排查开轮次就记了 items），故另给一份。"""
        return list((self.changes or {}).items())

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"


class AuditChainHead(models.Model):
    """哈希链的链头（只有一行）：追加审计记录的事务先锁住它，两个事务不会接在同一行后面。"""

    last_id = models.BigIntegerField("最后一行", default=0)
    last_hash = models.CharField("最后一行哈希", max_length=64, blank=True)

    class Meta:
        verbose_name = "审计链头"
        verbose_name_plural = "审计链头"
