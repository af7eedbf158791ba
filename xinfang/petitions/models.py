"""信访件、信访事项、信访人、类别、事件与文书。状态只由 workflow.transition 写。"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from xinfang.core import crypto
from xinfang.core.fields import BlindIndexField, EncryptedField, with_index_fields
from xinfang.org.models import Department


class Category(models.Model):
    """信访类别，可编辑的树。"""

    name = models.CharField("名称", max_length=60)
    parent = models.ForeignKey("self", verbose_name="上级类别", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    sort_order = models.PositiveIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "信访类别"
        verbose_name_plural = "信访类别"
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="category_unique_name_under_parent")]

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name


class PetitionerKind(models.TextChoices):
    PERSON = "person", "个人"
    ORGANISATION = "organisation", "单位"


class Petitioner(models.Model):
    """信访人。个人资料的每次读取都经 selectors 记入审计。

    身份证号、电话、地址在库里是 AES-GCM 密文（core.fields.EncryptedField），Python 里照旧是明文；
    按身份证号或电话找同一人走盲索引列（`filter(id_number=…)` 自动改查索引）。页面默认显示 *_masked。
    """

    kind = models.CharField("类型", max_length=16, choices=PetitionerKind.choices, default=PetitionerKind.PERSON)
    name = models.CharField("姓名或单位名称", max_length=100)
    id_number = EncryptedField("身份证号码或统一社会信用代码", max_length=18, db_column="id_number_enc",
                               index_field="id_number_index", normalise=crypto.normalise_id_number)
    id_number_index = BlindIndexField(source="id_number")
    phone = EncryptedField("联系电话", max_length=20, db_column="phone_enc", index_field="phone_index",
                           normalise=crypto.normalise_phone)
    phone_index = BlindIndexField(source="phone")
    address = EncryptedField("通讯地址", max_length=200, db_column="address_enc")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "信访人"
        verbose_name_plural = "信访人"
        # 事项列表按信访人姓名检索（精确匹配）：百万名信访人也是一次索引查找。
        indexes = [models.Index(fields=["name"], name="petitioner_name_idx")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, update_fields=None, **kwargs):
        super().save(*args, update_fields=with_index_fields(type(self), update_fields), **kwargs)

    @property
    def id_number_masked(self) -> str:
        return crypto.mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return crypto.mask_phone(self.phone)

    @property
    def address_masked(self) -> str:
        return crypto.mask_address(self.address)


class Status(models.TextChoices):
    REGISTERED = "registered", "已登记"
    ACCEPTED = "accepted", "已受理"
    DECLINED = "declined", "不予受理"
    TRANSFERRED = "transferred", "已转送"
    DIVERTED = "diverted", "已依法分类处理"
    ASSIGNED = "assigned", "已交办"
    IN_PROGRESS = "in_progress", "办理中"
    HEARING = "hearing", "听证中"
    REPLY_DRAFTED = "reply_drafted", "答复待审批"
    REPLIED = "replied", "已答复"
    CLOSED = "closed", "已办结"
    REVIEWING = "reviewing", "复查中"
    REVIEWED = "reviewed", "已复查"
    REVIEW_FORWARDED = "review_forwarded", "复查请求已转送上级机关"
    RE_REVIEWING = "re_reviewing", "复核中"
    RE_REVIEW_HEARING = "re_review_hearing", "复核听证中"
    RE_REVIEW_FORWARDED = "re_review_forwarded", "复核请求已转送上级机关"
    TERMINATED = "terminated", "已终结（不再受理）"
    # 上级或其他机关转送、交办来的事项，不属本机关职权范围：5个工作日内提出异议，核实同意后交还（第二十三条）。
    OBJECTED = "objected", "已提出异议（待转送、交办机关核实）"
    RETURNED = "returned", "异议经核实同意，已交还"


class Outcome(models.TextChoices):
    """处理意见的三种决定（《信访工作条例》第三十二条）：部分符合规定的请求也是"予以支持"，写明支持哪一部分。"""

    SUPPORT = "support", "予以支持"
    EXPLAIN = "explain", "解释说明"
    REJECT = "reject", "不予支持"


class ReviewOutcome(models.TextChoices):
    """复查、复核对原意见的结论。"""

    UPHOLD = "uphold", "维持"
    VARY = "vary", "变更"
    QUASH = "quash", "撤销并责令重新办理"


class OpinionKind(models.TextChoices):
    REPLY = "reply", "处理意见"
    REVIEW = "review", "复查意见"
    RE_REVIEW = "re_review", "复核意见"


class DeliveryMethod(models.TextChoices):
    """送达方式（《信访工作条例》第三十五条"收到书面答复之日"起算请求期限）。"""

    IN_PERSON = "in_person", "当面送达"
    POST = "post", "邮寄送达"
    ELECTRONIC = "electronic", "电子送达（信访人提交时同意）"
    OTHER = "other", "其他方式"


class MatterType(models.TextChoices):
    """信访事项的类别（《信访工作条例》第二十九条至第三十一条），受理时选定。

    只有申诉求决类按第三十一条第六项出具处理意见，走60日办理期限（第三十四条），并有复查、复核；
    建议意见类认真研究、予以答复；检举控告类按管理权限交纪检监察（督察）机关或单位处理。
    """

    COMPLAINT = "complaint", "申诉求决类"
    SUGGESTION = "suggestion", "建议意见类"
    ACCUSATION = "accusation", "检举控告类"


class Channel(models.TextChoices):
    LETTER = "letter", "来信"
    VISIT = "visit", "来访"
    PHONE = "phone", "电话"
    ONLINE = "online", "网上"
    LEADER_MAILBOX = "leader_mailbox", "领导信箱"
    SUPERIOR = "superior", "上级交办"
    REFERRAL = "referral", "12345转办"


class Matter(models.Model):
    """信访事项：诉求本身。一件事项可有多件信访件；时限在事项上运行。"""

    number = models.CharField("事项编号", max_length=20, unique=True)
    title = models.CharField("事由", max_length=120)
    summary = models.TextField("主要内容")
    requests = models.TextField("诉求", blank=True)
    category = models.ForeignKey(Category, verbose_name="类别", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="matters")
    # 主管机关（有权处理的机关）：登记员的判断，分流与转送时据此告知；也是分诊模型的训练标签。
    competent_authority = models.CharField("主管机关", max_length=60, blank=True, default="")
    # 当前负责的单位：登记时为涉及单位或登记单位，交办后为牵头单位。可见范围按它和协办单位算。
    department = models.ForeignKey(Department, verbose_name="责任单位", on_delete=models.PROTECT,
                                   related_name="matters")
    # 冗余：是否有协办单位（由交办写入）。协办事项是少数，列表按它缩小"协办来源"的扫描范围。
    has_co_assignment = models.BooleanField("有协办单位", default=False)
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="承办人", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="handled_matters")
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.REGISTERED)
    matter_type = models.CharField("事项类别", max_length=12, choices=MatterType.choices, default=MatterType.COMPLAINT)
    # 检举控告类：交由哪个纪检监察（督察）机关处理，写全称。
    discipline_body = models.CharField("纪检监察（督察）机关", max_length=150, blank=True, default="")
    # 每次状态变化加一：表单带着它提交，对不上即说明事项已被别人改过（防止静默覆盖）。
    version = models.PositiveIntegerField("版本", default=1)
    is_collective = models.BooleanField("集体访", default=False)
    is_skip_level = models.BooleanField("越级访", default=False)
    petition_count = models.PositiveIntegerField("信访件数", default=0)

    # 起算事件的日期（由 actions 写入），期限列由 clocks.recompute 据此算出并存储，便于索引查询。
    received_on = models.DateField("收到日期", db_index=True)
    accepted_on = models.DateField("受理日期", null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField("延期天数", default=0)
    paused_days = models.PositiveSmallIntegerField("办理期间听证天数", default=0)
    hearing_started_on = models.DateField("听证开始日期", null=True, blank=True)
    reply_delivered_on = models.DateField("答复送达日期", null=True, blank=True)
    review_requested_on = models.DateField("复查请求收到日期", null=True, blank=True)
    review_delivered_on = models.DateField("复查意见送达日期", null=True, blank=True)
    re_review_requested_on = models.DateField("复核请求收到日期", null=True, blank=True)
    re_review_paused_days = models.PositiveSmallIntegerField("复核期间听证天数", default=0)
    closed_on = models.DateField("办结日期", null=True, blank=True)
    # 正在作出复查或复核决定的机关（系统内）；其期限与责任追究都在这一级（第三十五条、第三十六条）。
    deciding_organ = models.ForeignKey(Department, verbose_name="复查（复核）机关", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")

    acceptance_due = models.DateField("告知受理期限", null=True, blank=True)
    handling_due = models.DateField("办理期限", null=True, blank=True)
    review_request_closes = models.DateField("复查申请截止", null=True, blank=True)
    review_due = models.DateField("复查期限", null=True, blank=True)
    re_review_request_closes = models.DateField("复核申请截止", null=True, blank=True)
    re_review_due = models.DateField("复核期限", null=True, blank=True)
    # 当前阶段的期限：工作台排序、超期筛选与督办扫描都只看这一列。无时钟运行（办结、听证中）时为空。
    current_due = models.DateField("当前期限", null=True, blank=True)
    due_provisional = models.BooleanField("期限暂定", default=False)
    # 各期限列中哪些是暂定的（逗号分隔的列名）：每个时钟单独记，录入某年放假通知后全部重算。
    # db_default：批量生成（COPY）不写这一列时也有值。
    provisional_dues = models.CharField("暂定的期限", max_length=200, blank=True, default="", db_default="")

    outcome = models.CharField("处理意见", max_length=16, choices=Outcome.choices, blank=True)
    reply_text = models.TextField("答复内容", blank=True)
    remedy_compensation = models.BooleanField("赔偿", default=False)
    remedy_apology = models.BooleanField("道歉", default=False)
    remedy_correction = models.BooleanField("纠正执法行为", default=False)
    # 答复草稿里的逐项决定（[{request, decision, supported_part}]）；审批后成为 OpinionItem 行。
    reply_items = models.JSONField("草稿逐项决定", default=list, blank=True)
    disposal = models.JSONField("分流去向", default=dict, blank=True)

    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True,
                                      on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "信访事项"
        verbose_name_plural = "信访事项"
        indexes = [
            models.Index(fields=["department", "current_due"], name="matter_dept_due_idx"),
            models.Index(fields=["department", "-received_on"], name="matter_dept_received_idx"),
            models.Index(fields=["status", "-received_on"], name="matter_status_received_idx"),
            models.Index(fields=["current_due", "status"], name="matter_due_status_idx"),
            # 协办来源：只在有协办单位的事项里按期限或收到日期顺序扫描，逐行核对协办单位，取满一页即停。
            # 收到日期索引带上期限列，“只看超期”时不必回表就能跳过还没超期的行。
            models.Index(fields=["has_co_assignment", "current_due", "id"], name="matter_co_due_idx"),
            models.Index(fields=["has_co_assignment", "received_on", "id", "current_due"],
                         name="matter_co_received_due_idx"),
            # 只含有时钟在走的事项（约占一成）：“只看超期”按收到日期排序时沿它扫描，不必走遍全表。
            # 期限列放在索引里：还没超期的行在索引里就被跳过，不必逐行回表（全支队时要跳过两万多行）。
            models.Index(fields=["received_on", "id", "current_due"], name="matter_open_received_due_idx",
                         condition=models.Q(current_due__isnull=False)),
            # 按状态筛、按期限排（接口与列表的“状态=办理中，按期限”）：状态相等、沿期限顺序取前 N 条即停，
            # 整个组织一个来源、按部门拆的来源各走带部门的那个。只含有期限的事项（按期限排序时只看这些）。
            models.Index(fields=["status", "current_due", "id"], name="matter_status_due_idx",
                         condition=models.Q(current_due__isnull=False)),
            models.Index(fields=["department", "status", "current_due", "id"], name="matter_dept_status_due_idx",
                         condition=models.Q(current_due__isnull=False)),
            models.Index(fields=["handler", "current_due"], name="matter_handler_due_idx"),
            models.Index(fields=["category", "-received_on"], name="matter_category_received_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class AssignmentRole(models.TextChoices):
    LEAD = "lead", "牵头"
    CO = "co", "协办"


class Assignment(models.Model):
    """交办：一个牵头单位，若干协办单位。协办单位也能看到并办理该事项。"""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="assignments")
    department = models.ForeignKey(Department, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    role = models.CharField("角色", max_length=8, choices=AssignmentRole.choices)

    class Meta:
        verbose_name = "交办单位"
        verbose_name_plural = "交办单位"
        constraints = [models.UniqueConstraint(fields=["matter", "department"], name="assignment_unique_department")]
        indexes = [models.Index(fields=["department", "matter"], name="assignment_dept_matter_idx")]


class Petition(models.Model):
    """信访件：收到的一封信、一次来访、一个电话或一条网上信访。"""

    matter = models.ForeignKey(Matter, verbose_name="信访事项", on_delete=models.PROTECT, related_name="petitions")
    channel = models.CharField("渠道", max_length=16, choices=Channel.choices)
    received_at = models.DateTimeField("收到时间")
    content = models.TextField("内容")
    requests = models.TextField("诉求", blank=True)
    involved_department = models.ForeignKey(Department, verbose_name="涉及单位", null=True, blank=True,
                                            on_delete=models.PROTECT, related_name="+")
    involved_officer = models.CharField("涉及民警", max_length=60, blank=True)
    case_numbers = models.CharField("关联执法案件编号", max_length=200, blank=True)
    petitioners = models.ManyToManyField(Petitioner, verbose_name="信访人", through="PetitionPetitioner",
                                         related_name="petitions")
    head_count = models.PositiveIntegerField("人数", default=1)
    is_collective = models.BooleanField("集体访", default=False)
    is_skip_level = models.BooleanField("越级访", default=False)
    is_repeat = models.BooleanField("重复访", default=False)
    # 信访人提交时同意电子送达：只有这样，门户下载才算送达（第三十五条的"收到"）。
    consents_electronic_delivery = models.BooleanField("同意电子送达", default=False)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True,
                                      on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "信访件"
        verbose_name_plural = "信访件"
        ordering = ["received_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.received_at:%Y-%m-%d}"


class PetitionCaseNumber(models.Model):
    """信访件「关联执法案件编号」拆开、规范化后的一个编号（每件信访件 × 每个编号一行）：按案件编号检索走
    （number, petition）的唯一索引，不必逐行扫描百万件信访件。只由 case_numbers.store 写，与 case_numbers 同一事务。"""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="case_number_rows")
    number = models.CharField("案件编号（规范化）", max_length=200)

    class Meta:
        verbose_name = "信访件关联的案件编号"
        verbose_name_plural = "信访件关联的案件编号"
        # 不设唯一约束（store 先删后插、parse 已去重）：SQLite 上后加唯一约束要重建整张表，普通索引不必。
        indexes = [models.Index(fields=["number", "petition"], name="petition_case_number_idx")]


class PetitionPetitioner(models.Model):
    petition = models.ForeignKey(Petition, on_delete=models.CASCADE)
    petitioner = models.ForeignKey(Petitioner, on_delete=models.PROTECT)
    is_representative = models.BooleanField("代表", default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["petition", "petitioner"], name="petition_petitioner_unique")]


class Attachment(models.Model):
    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField("文件", upload_to="attachments/%Y/%m/")
    name = models.CharField("文件名", max_length=200)
    size = models.PositiveIntegerField("大小（字节）")
    content_type = models.CharField("类型", max_length=100)
    sha256 = models.CharField("SHA-256", max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"


class MatterEvent(models.Model):
    """事项时间线上的一件事：状态变化、办理记录、文书生成。只追加。"""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("时间")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True,
                              on_delete=models.SET_NULL, related_name="+")
    action = models.CharField("动作", max_length=32)
    from_status = models.CharField("原状态", max_length=20, blank=True)
    to_status = models.CharField("新状态", max_length=20, blank=True)
    reason = models.TextField("说明", blank=True)
    data = models.JSONField("详情", default=dict, blank=True)

    class Meta:
        verbose_name = "办理记录"
        verbose_name_plural = "办理记录"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["matter", "at"], name="event_matter_at_idx")]


class DocumentKind(models.TextChoices):
    ACCEPTANCE = "acceptance", "受理告知书"
    DECLINE = "decline", "不予受理告知书"
    TRANSFER = "transfer", "转送告知书"
    DIVERSION = "diversion", "依法分类处理告知书"
    EXTENSION = "extension", "延期告知书"
    REPLY = "reply", "处理意见书"
    REVIEW = "review", "复查意见书"
    RE_REVIEW = "re_review", "复核意见书"
    NOT_ACCEPTED_AGAIN = "not_accepted_again", "不再受理告知书"
    LATE_APPEAL = "late_appeal", "复查（复核）请求不予受理告知书"
    OBJECTION = "objection", "转送（交办）异议书"
    COMPLETION_REPORT = "completion_report", "办结报告"


class DocumentSequence(models.Model):
    """文号序列：每个单位每年一行，锁行取号，并发也不重号。"""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["department", "year"], name="document_sequence_unique")]


class Document(models.Model):
    """生成的文书，留存在事项上。"""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField("种类", max_length=24, choices=DocumentKind.choices)
    number = models.CharField("文号", max_length=150)
    department = models.ForeignKey(Department, verbose_name="发文单位", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    file = models.FileField("文件", upload_to="documents/%Y/")
    sha256 = models.CharField("SHA-256", max_length=64)
    to_petitioner = models.BooleanField("送达信访人", default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("生成时间")

    class Meta:
        verbose_name = "文书"
        verbose_name_plural = "文书"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["department", "year", "sequence"], name="document_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class DocumentTemplate(models.Model):
    """管理员上传的文书模板（.docx，占位符形如 {{信访人}}），替换随系统提供的默认模板。"""

    kind = models.CharField("种类", max_length=24, choices=DocumentKind.choices, unique=True)
    file = models.FileField("模板文件", upload_to="templates/")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "文书模板"
        verbose_name_plural = "文书模板"

    def __str__(self) -> str:
        return self.get_kind_display()


class AppealRequest(models.Model):
    """一次复查或复核请求：收到即登记，逾期的也登记（并出具不予受理告知书），不默默拒收。"""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="appeal_requests")
    kind = models.CharField("种类", max_length=12, choices=[(OpinionKind.REVIEW, "复查请求"),
                                                          (OpinionKind.RE_REVIEW, "复核请求")])
    requested_on = models.DateField("收到请求日期")
    reason = models.TextField("请求理由", blank=True)
    window_closes = models.DateField("请求期限届满日", null=True, blank=True)
    # 期限届满日落在尚未录入放假安排的年份：不据暂定日期拒收，受理并标记待核。
    window_provisional = models.BooleanField("期限暂定", default=False)
    is_late = models.BooleanField("逾期", default=False)
    deciding_organ = models.ForeignKey(Department, verbose_name="作出决定的机关", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    external_organ = models.CharField("系统外的决定机关", max_length=150, blank=True)
    forwarded_on = models.DateField("转送日期", null=True, blank=True)
    refusal_document = models.ForeignKey("Document", verbose_name="不予受理告知书", null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("登记时间")

    class Meta:
        verbose_name = "复查（复核）请求"
        verbose_name_plural = "复查（复核）请求"
        ordering = ["requested_on", "id"]


class Opinion(models.Model):
    """一项决定：处理意见、复查意见或复核意见，连同作出机关、结论、补救措施、送达与文书。"""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="opinions")
    kind = models.CharField("种类", max_length=12, choices=OpinionKind.choices)
    request = models.ForeignKey(AppealRequest, verbose_name="对应的请求", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="opinions")
    deciding_organ = models.ForeignKey(Department, verbose_name="作出机关", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    external_organ = models.CharField("系统外的作出机关", max_length=150, blank=True)
    # 复查、复核对原意见的结论；处理意见为空。
    review_outcome = models.CharField("复查（复核）结论", max_length=8, choices=ReviewOutcome.choices, blank=True)
    # 本意见生效后的第三十二条决定：处理意见本身的决定，维持时同原意见，变更时为新的决定，撤销时为空。
    decision = models.CharField("决定", max_length=16, choices=Outcome.choices, blank=True)
    text = models.TextField("意见内容")
    remedy_compensation = models.BooleanField("赔偿", default=False)
    remedy_apology = models.BooleanField("道歉", default=False)
    remedy_correction = models.BooleanField("纠正执法行为", default=False)
    decided_on = models.DateField("作出日期")
    delivered_on = models.DateField("送达日期", null=True, blank=True)
    delivery_method = models.CharField("送达方式", max_length=12, choices=DeliveryMethod.choices, blank=True)
    delivery_proof = models.CharField("送达凭证", max_length=200, blank=True)
    document = models.ForeignKey("Document", verbose_name="文书", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("登记时间")

    class Meta:
        verbose_name = "处理（复查、复核）意见"
        verbose_name_plural = "处理（复查、复核）意见"
        ordering = ["decided_on", "id"]
        indexes = [models.Index(fields=["matter", "kind"], name="opinion_matter_kind_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.decided_on:%Y-%m-%d}"

    @property
    def organ_name(self) -> str:
        from .organs import full_name

        return full_name(self.deciding_organ) if self.deciding_organ_id else self.external_organ

    @property
    def remedies(self) -> list[str]:
        return [label for flag, label in ((self.remedy_compensation, "赔偿"), (self.remedy_apology, "道歉"),
                                          (self.remedy_correction, "纠正")) if flag]


class OpinionItem(models.Model):
    """一项诉求的决定（第三十二条）：一件信访提出几项请求时逐项写明，部分支持的写明支持哪一部分。"""

    opinion = models.ForeignKey(Opinion, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField("序号")
    request = models.CharField("诉求", max_length=300)
    decision = models.CharField("决定", max_length=16, choices=Outcome.choices)
    supported_part = models.CharField("支持的部分", max_length=300, blank=True)

    class Meta:
        verbose_name = "逐项决定"
        verbose_name_plural = "逐项决定"
        ordering = ["position", "id"]


class Remedy(models.TextChoices):
    COMPENSATION = "compensation", "赔偿"
    APOLOGY = "apology", "道歉"
    CORRECTION = "correction", "纠正执法行为"


class ExecutionItem(models.Model):
    """落实：支持意见中的一项补救措施，督促执行直到记为完成并附证据（第三十二条）。"""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="execution_items")
    opinion = models.ForeignKey(Opinion, on_delete=models.CASCADE, related_name="execution_items")
    remedy = models.CharField("措施", max_length=16, choices=Remedy.choices)
    department = models.ForeignKey(Department, verbose_name="落实单位", on_delete=models.PROTECT, related_name="+")
    done_on = models.DateField("完成日期", null=True, blank=True)
    evidence = models.TextField("落实证据", blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    created_at = models.DateTimeField("生成时间")

    class Meta:
        verbose_name = "落实事项"
        verbose_name_plural = "落实事项"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["done_on", "department"], name="execution_open_dept_idx")]

    @property
    def is_open(self) -> bool:
        return self.done_on is None


class ReferralKind(models.TextChoices):
    TRANSFER = "transfer", "转送"
    ASSIGN = "assign", "交办"


class Referral(models.Model):
    """本机关收到的转送、交办（《信访工作条例》第二十二条、第二十三条）：来自哪个机关、何时收到；
    交办的带上报办结报告的期限；不属本机关职权范围的，5个工作日内提出异议、说明理由，核实同意后交还。"""

    matter = models.OneToOneField(Matter, on_delete=models.CASCADE, related_name="referral")
    kind = models.CharField("方式", max_length=8, choices=ReferralKind.choices)
    source = models.CharField("转送、交办机关", max_length=150)
    reference = models.CharField("来文编号", max_length=100, blank=True)
    received_on = models.DateField("收到日期")
    # 交办：上级指定的办理期限，届时须提交办结报告（第二十二条第三项）。
    report_due = models.DateField("办结报告期限", null=True, blank=True)
    objection_closes = models.DateField("提出异议截止", null=True, blank=True)
    objected_on = models.DateField("提出异议日期", null=True, blank=True)
    objection_reason = models.TextField("异议理由", blank=True)
    objection_document = models.ForeignKey("Document", verbose_name="异议书", null=True, blank=True,
                                           on_delete=models.SET_NULL, related_name="+")
    # 转送、交办机关的核实结果：同意（交还材料）或不同意（继续办理）。
    objection_agreed = models.BooleanField("异议经核实同意", null=True, blank=True)
    objection_answered_on = models.DateField("核实结果收到日期", null=True, blank=True)
    reported_on = models.DateField("办结报告日期", null=True, blank=True)
    report_text = models.TextField("办结报告内容", blank=True)
    report_document = models.ForeignKey("Document", verbose_name="办结报告", null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("登记时间")

    class Meta:
        verbose_name = "转送、交办来文"
        verbose_name_plural = "转送、交办来文"
        indexes = [models.Index(fields=["report_due", "reported_on"], name="referral_report_due_idx")]


class DisciplineReferral(models.Model):
    """检举控告民警履职行为的事项交纪检监察（督察）机关（《信访工作条例》第三十条）：交给谁、哪天、文号、其答复。"""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="discipline_referrals")
    body = models.CharField("纪检监察（督察）机关", max_length=150)
    routed_on = models.DateField("移交日期")
    reference = models.CharField("移交文号", max_length=100, blank=True)
    answered_on = models.DateField("答复日期", null=True, blank=True)
    answer = models.TextField("答复（处理结果）", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField("登记时间")

    class Meta:
        verbose_name = "移交纪检监察（督察）"
        verbose_name_plural = "移交纪检监察（督察）"
        ordering = ["routed_on", "id"]


class AftercareKind(models.TextChoices):
    ASSISTANCE = "assistance", "帮扶救助"
    EDUCATION = "education", "教育疏导"


class AftercareRecord(models.Model):
    """终结（办结）后的帮扶救助、教育疏导（《信访工作条例》第三十七条）：谁、哪天、做了什么。"""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="aftercare")
    kind = models.CharField("种类", max_length=12, choices=AftercareKind.choices)
    on = models.DateField("日期")
    who = models.CharField("开展人员（单位）", max_length=150)
    what = models.TextField("内容")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("登记时间")

    class Meta:
        verbose_name = "帮扶、教育记录"
        verbose_name_plural = "帮扶、教育记录"
        ordering = ["on", "id"]


class RecommendationKind(models.TextChoices):
    IMPROVE = "improve", "改进工作的建议"
    POLICY = "policy", "完善政策的建议"
    ACCOUNTABILITY = "accountability", "追究责任的建议"


class Adoption(models.TextChoices):
    """被建议单位书面反馈的采纳情况（第四十条；年度报告按第四十一条第三项统计）。"""

    PENDING = "pending", "待反馈"
    ADOPTED = "adopted", "已采纳"
    PARTLY = "partly", "部分采纳"
    REJECTED = "rejected", "未采纳"


class Recommendation(models.Model):
    """信访工作机构向有关单位提出的建议（《信访工作条例》第四十条）：单位应当书面反馈采纳情况，到期未反馈即为逾期。"""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="recommendations")
    department = models.ForeignKey(Department, verbose_name="被建议单位", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("种类", max_length=16, choices=RecommendationKind.choices)
    text = models.TextField("建议内容")
    issued_on = models.DateField("提出日期")
    feedback_due = models.DateField("书面反馈期限")
    feedback_on = models.DateField("书面反馈日期", null=True, blank=True)
    feedback = models.TextField("反馈（采纳情况）", blank=True)
    adoption = models.CharField("采纳情况", max_length=12, choices=Adoption.choices, default=Adoption.PENDING)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    feedback_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField("登记时间")

    class Meta:
        verbose_name = "工作建议"
        verbose_name_plural = "工作建议"
        ordering = ["feedback_due", "id"]
        indexes = [models.Index(fields=["feedback_on", "feedback_due"], name="recommendation_open_due_idx")]

    @property
    def is_open(self) -> bool:
        return self.feedback_on is None
