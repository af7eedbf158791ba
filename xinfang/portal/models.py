"""门户与回访：查询码（只存散列）、门户限流计数、回访任务与记录。

设计原则（DESIGN.md §2）：这里没有任何跟踪、定位或限制信访人的东西。限流计数只按
散列后的 IP、事项编号或查询码计数，不保存原始 IP；过期行由 `services.purge_throttles` 清除。
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from xinfang.org.models import Department
from xinfang.petitions.models import Matter, MatterEvent, Petition


class PortalAccess(models.Model):
    """一件网上信访的查询码：只存加盐 HMAC，原码只在提交成功的页面上显示一次。"""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="portal_accesses")
    petition = models.OneToOneField(Petition, on_delete=models.CASCADE, related_name="portal_access")
    salt = models.CharField("盐", max_length=32)
    code_hash = models.CharField("查询码散列", max_length=64)
    consent_text = models.TextField("同意的个人信息处理说明")
    consented_at = models.DateTimeField("同意时间")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "查询码"
        verbose_name_plural = "查询码"

    def __str__(self) -> str:
        return f"{self.matter.number} 的查询码"


class ThrottleScope(models.TextChoices):
    SUBMIT_IP = "submit_ip", "成功提交（按来源）"
    ATTEMPT_IP = "attempt_ip", "提交、查询与评价（按来源）"
    LOOKUP_CODE = "lookup_code", "查询（按查询码）"
    WRONG_CODE = "wrong_code", "查询码错误（按事项编号与来源）"
    WRONG_CODE_NUMBER = "wrong_number", "查询码错误（按事项编号，只退避不锁定）"


class PortalThrottle(models.Model):
    """门户的限流与锁定计数：每个（范围, 键散列）一行，固定时间窗口。"""

    scope = models.CharField("范围", max_length=16, choices=ThrottleScope.choices)
    key = models.CharField("键散列", max_length=64)
    count = models.PositiveIntegerField("次数", default=0)
    window_started_at = models.DateTimeField("窗口开始")
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)

    class Meta:
        verbose_name = "门户限流"
        verbose_name_plural = "门户限流"
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="portal_throttle_unique_key")]
        indexes = [models.Index(fields=["window_started_at"], name="portal_throttle_window_idx")]


class UsedChallenge(models.Model):
    """用过的验证题令牌：令牌只能用一次，靠唯一约束在插入时一步判定（不是先查再写）。"""

    nonce = models.CharField("令牌编号", max_length=32, unique=True)
    used_at = models.DateTimeField("使用时间", db_index=True)

    class Meta:
        verbose_name = "已用验证题"
        verbose_name_plural = "已用验证题"


class ReplyKind(models.TextChoices):
    REPLY = "reply", "处理意见"
    REVIEW = "review", "复查意见"
    RE_REVIEW = "re_review", "复核意见"


class ContactMethod(models.TextChoices):
    PHONE = "phone", "电话"
    VISIT = "visit", "上门走访"
    IN_PERSON = "in_person", "来访面谈"
    SMS = "sms", "短信"
    ONLINE = "online", "网上"
    UNREACHED = "unreached", "未能联系上"


class Solved(models.TextChoices):
    YES = "yes", "已解决"
    NO = "no", "未解决"


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASICALLY = "basically", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


SATISFIED_VALUES = (Satisfaction.SATISFIED, Satisfaction.BASICALLY)


class ReturnVisit(models.Model):
    """回访：每次答复（处理意见、复查意见、复核意见）一项，限期内由承办人或登记员完成。

    既是待办任务（`done_at` 为空），又是回访记录。信访人在门户上的评价也记在这里
    （`online_*`），与回访时的评价一起计入满意率。
    """

    matter = models.ForeignKey(Matter, verbose_name="信访事项", on_delete=models.CASCADE, related_name="return_visits")
    # 来源事件：同一答复只生成一项回访（唯一约束使生成可重复执行）。
    source_event = models.OneToOneField(MatterEvent, on_delete=models.CASCADE, related_name="return_visit")
    reply_kind = models.CharField("答复种类", max_length=16, choices=ReplyKind.choices)
    department = models.ForeignKey(Department, verbose_name="责任单位", on_delete=models.PROTECT, related_name="+")
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="承办人", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    replied_on = models.DateField("答复日期", db_index=True)
    due_on = models.DateField("回访期限")

    done_at = models.DateTimeField("回访时间", null=True, blank=True)
    contacted_on = models.DateField("联系日期", null=True, blank=True)
    method = models.CharField("联系方式", max_length=16, choices=ContactMethod.choices, blank=True)
    solved = models.CharField("问题是否解决", max_length=8, choices=Solved.choices, blank=True)
    satisfaction = models.CharField("满意度", max_length=16, choices=Satisfaction.choices, blank=True)
    notes = models.TextField("回访情况", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="回访人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    online_rating = models.CharField("网上评价", max_length=16, choices=Satisfaction.choices, blank=True)
    online_reason = models.TextField("网上评价理由", blank=True)
    online_rated_at = models.DateTimeField("网上评价时间", null=True, blank=True)

    # 不满意或未解决：交单位负责人关注，并上督办台，直到负责人写明处理情况。
    needs_attention = models.BooleanField("需关注", default=False)
    attention_closed_at = models.DateTimeField("关注处理时间", null=True, blank=True)
    attention_note = models.TextField("关注处理情况", blank=True)
    attention_closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="关注处理人", null=True,
                                            blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    class Meta:
        verbose_name = "回访"
        verbose_name_plural = "回访"
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["department", "done_at", "due_on"], name="visit_dept_done_due_idx"),
            models.Index(fields=["department", "replied_on"], name="visit_dept_replied_idx"),
            models.Index(fields=["needs_attention", "attention_closed_at"], name="visit_attention_idx"),
            models.Index(fields=["matter", "-replied_on"], name="visit_matter_replied_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.matter.number} {self.get_reply_kind_display()}回访"

    @property
    def is_done(self) -> bool:
        return self.done_at is not None
