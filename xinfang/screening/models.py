"""执法案件排查：案件（事故、违法处理、扣留）、信访与案件的关联、导入批次、风险规则与模型、每月排查。

只列案件，不列人（DESIGN.md §2）：当事人证件号码只存盲索引与遮蔽形式，任何页面都不显示全号。
"""

from django.conf import settings
from django.db import models

from xinfang.org.models import Department

from .privacy import PartyIdField, normalize_party_id


class CaseType(models.TextChoices):
    ACCIDENT = "accident", "事故"
    VIOLATION = "violation", "违法"
    IMPOUND = "impound", "扣留"


class Severity(models.TextChoices):
    PROPERTY = "property", "财产损失"
    INJURY = "injury", "受伤"
    DEATH = "death", "死亡"


class Responsibility(models.TextChoices):
    FULL = "full", "全部"
    MAJOR = "major", "主要"
    EQUAL = "equal", "同等"
    MINOR = "minor", "次要"
    NONE = "none", "无"
    UNDETERMINED = "undetermined", "无法认定"


class Compensation(models.TextChoices):
    PAID = "paid", "已到位"
    PARTIAL = "partial", "部分"
    UNPAID = "unpaid", "未到位"


class RiskTier(models.TextChoices):
    RULES = "rules", "规则"
    LEARNED = "learned", "模型"


class EnforcementCase(models.Model):
    """一件执法案件。字段与导入格式一一对应（xinfang/ml/casefile.py）；风险分由 risk.score_cases 写入。"""

    case_no = models.CharField("案件编号", max_length=40, unique=True)
    case_type = models.CharField("案件类型", max_length=12, choices=CaseType.choices)
    # 不单建索引：(单位, 决定时间) 与 (单位, 风险分) 两个索引都以单位开头，按单位查（含删单位时的 PROTECT 检查）都用得上。
    department = models.ForeignKey(Department, verbose_name="办案单位", on_delete=models.PROTECT, related_name="+",
                                   db_index=False)
    officer_no = models.CharField("办案民警警号", max_length=20)
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="办案民警", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    opened_at = models.DateTimeField("发生时间")
    decided_at = models.DateTimeField("决定时间")
    closed_at = models.DateTimeField("结案时间", null=True, blank=True)
    place = models.CharField("地点", max_length=200, blank=True)
    party_name = models.CharField("当事人", max_length=100, blank=True)
    # 证件号码不存明文：密文（换密钥时重新加密）、盲索引用于"同一当事人的其他案件"、遮蔽形式用于显示
    # （privacy.py 是唯一入口）。
    party_id = PartyIdField("当事人证件号码（加密）", db_column="party_id_enc", index_field="party_id_index",
                            normalise=normalize_party_id)
    party_id_index = models.CharField("当事人证件号码索引", max_length=64, blank=True, db_index=True)
    party_id_masked = models.CharField("当事人证件号码", max_length=32, blank=True)
    plate = models.CharField("号牌号码", max_length=16, blank=True)
    severity = models.CharField("事故后果", max_length=12, choices=Severity.choices, blank=True)
    deaths = models.PositiveIntegerField("死亡人数", default=0)
    injuries = models.PositiveIntegerField("受伤人数", default=0)
    responsibility = models.CharField("责任认定", max_length=16, choices=Responsibility.choices, blank=True)
    hit_and_run = models.BooleanField("逃逸", null=True, blank=True)
    hit_and_run_solved = models.BooleanField("逃逸已破", null=True, blank=True)
    compensation = models.CharField("赔偿情况", max_length=12, choices=Compensation.choices, blank=True)
    review_requested = models.BooleanField("申请复核", null=True, blank=True)
    violation_code = models.CharField("违法代码", max_length=10, blank=True)
    fine = models.DecimalField("罚款", max_digits=12, decimal_places=2, default=0)
    points = models.PositiveIntegerField("记分", default=0)
    non_site = models.BooleanField("非现场", null=True, blank=True)
    contested = models.BooleanField("当事人有异议", null=True, blank=True)
    impound_days = models.PositiveIntegerField("扣留天数", default=0)
    fee = models.DecimalField("停车费", max_digits=12, decimal_places=2, default=0)
    summary = models.TextField("简要案情", blank=True)

    rule_score = models.FloatField("规则分", default=0)
    risk_score = models.FloatField("风险分", default=0)
    risk_tier = models.CharField("排序依据", max_length=8, choices=RiskTier.choices, default=RiskTier.RULES)
    risk_reasons = models.JSONField("风险理由", default=list, blank=True)
    scored_at = models.DateTimeField("评分时间", null=True, blank=True)
    imported_at = models.DateTimeField("导入时间", null=True, blank=True)
    # 导入的各项值（证件号码取盲索引）的摘要：再导入时一比即知"未变"，不必取回整行逐项比较。
    import_digest = models.CharField("导入值摘要", max_length=16, blank=True)

    class Meta:
        verbose_name = "执法案件"
        verbose_name_plural = "执法案件"
        indexes = [
            models.Index(fields=["department", "decided_at"], name="case_dept_decided_idx"),
            models.Index(fields=["officer_no", "decided_at"], name="case_officer_decided_idx"),
            models.Index(fields=["decided_at"], name="case_decided_idx"),
            models.Index(fields=["department", "-risk_score"], name="case_dept_risk_idx"),
            models.Index(fields=["officer_no", "-risk_score"], name="case_officer_risk_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_case_type_display()} {self.case_no}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class LinkSource(models.TextChoices):
    PETITION = "petition", "信访件所填案件编号"
    HISTORY = "history", "历史台账（导入或示范数据）"


class CasePetitionLink(models.Model):
    """信访与执法案件的关联：信访件「关联执法案件编号」里的每个编号一行。这就是"哪些案件引发了信访"的历史。"""

    case = models.ForeignKey(EnforcementCase, verbose_name="案件", on_delete=models.CASCADE, related_name="petition_links")
    petition = models.ForeignKey("petitions.Petition", verbose_name="信访件", null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="case_links")
    petition_at = models.DateTimeField("信访时间")
    source = models.CharField("来源", max_length=10, choices=LinkSource.choices, default=LinkSource.PETITION)

    class Meta:
        verbose_name = "案件引发的信访"
        verbose_name_plural = "案件引发的信访"
        constraints = [models.UniqueConstraint(fields=["case", "petition"], name="case_petition_link_unique")]
        indexes = [models.Index(fields=["petition_at"], name="case_link_at_idx")]


class ImportStatus(models.TextChoices):
    RUNNING = "running", "进行中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败（可续传）"


class ImportRun(models.Model):
    """一次导入：按批提交，`last_committed_row` 是已提交的最后一行；中断后同一文件从下一行续传。"""

    file_name = models.CharField("文件名", max_length=255)
    file_sha256 = models.CharField("文件指纹", max_length=64, db_index=True)
    file_size = models.BigIntegerField("文件大小", default=0)
    dry_run = models.BooleanField("只检查不导入", default=False)
    status = models.CharField("状态", max_length=8, choices=ImportStatus.choices, default=ImportStatus.RUNNING)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="导入人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    last_committed_row = models.PositiveIntegerField("已提交到第几行", default=1)
    rows_seen = models.PositiveIntegerField("已读行数", default=0)
    rows_expected = models.PositiveIntegerField("预计行数", default=0)
    created = models.PositiveIntegerField("新增", default=0)
    updated = models.PositiveIntegerField("更新", default=0)
    unchanged = models.PositiveIntegerField("未变", default=0)
    rejected = models.PositiveIntegerField("退回", default=0)
    problems = models.JSONField("问题（前 500 条）", default=list, blank=True)
    message = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "案件导入"
        verbose_name_plural = "案件导入"
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.file_name}（{self.get_status_display()}）"


class DeferredIndex(models.Model):
    """大批导入暂缓维护、尚待建回的案件表索引（见 bulkindex.py）：有记录就是还没建回，建回时删记录。"""

    name = models.CharField("索引名", max_length=100, unique=True)
    table = models.CharField("表名", max_length=100)
    sql = models.TextField("建索引语句")
    run = models.ForeignKey(ImportRun, verbose_name="暂缓它的导入", null=True, blank=True,
                            on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = "待重建的索引"
        verbose_name_plural = "待重建的索引"

    def __str__(self) -> str:
        return self.name


class RiskRule(models.Model):
    """一条风险规则：条件是固定目录里的一项事实（code），权重与措辞由管理员调整。"""

    code = models.CharField("条件", max_length=40, unique=True)
    wording = models.CharField("措辞（作为理由显示）", max_length=60)
    weight = models.FloatField("权重")
    enabled = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "风险规则"
        verbose_name_plural = "风险规则"
        ordering = ["-weight", "code"]

    def __str__(self) -> str:
        return f"{self.wording}（{self.weight:g}）"


class RiskModelVersion(models.Model):
    """训练出的排序模型：参数（纯数字）、训练与时间留出集上的指标；留出集上不输给规则才启用。"""

    created_at = models.DateTimeField("训练时间")
    parameters = models.JSONField("模型参数")
    n_train = models.PositiveIntegerField("训练案件数")
    n_positive = models.PositiveIntegerField("其中引发信访")
    n_holdout = models.PositiveIntegerField("留出案件数")
    holdout_from = models.DateField("留出集起始（决定日期）")
    precision_at_k = models.FloatField("留出集 precision@k")
    rule_precision_at_k = models.FloatField("同 k 规则 precision@k")
    recall_at_k = models.FloatField("留出集 recall@k")
    auc = models.FloatField("留出集 AUC", null=True, blank=True)
    is_current = models.BooleanField("当前使用", default=False)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "案件风险模型"
        verbose_name_plural = "案件风险模型"
        ordering = ["-created_at"]


class Verdict(models.TextChoices):
    PENDING = "", "未排查"
    NO_HAZARD = "none", "无隐患"
    HAZARD = "hazard", "有隐患"


class Measure(models.TextChoices):
    EXPLAIN = "explain", "解释说明"
    VISIT = "visit", "回访当事人"
    INVESTIGATE = "investigate", "补充调查"
    CORRECT = "correct", "纠正执法行为"
    COMPENSATION = "compensation", "协调赔偿"
    REPORT = "report", "报请领导"


class ScreeningRound(models.Model):
    """一个单位一个月的排查：每月第一个工作日生成，排查完由单位负责人审核签字。"""

    department = models.ForeignKey(Department, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    month = models.DateField("排查月份（所查案件的月份，取 1 日）")
    opened_on = models.DateField("下发日期")
    due_on = models.DateField("应完成日期")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审核签字人", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    signed_at = models.DateTimeField("签字时间", null=True, blank=True)
    head_opinion = models.TextField("负责人意见", blank=True)
    # 留给考核：签字时写定。
    items_total = models.PositiveIntegerField("案件数", default=0)
    items_marked = models.PositiveIntegerField("已排查", default=0)
    items_on_time = models.PositiveIntegerField("按时排查", default=0)
    signed_on_time = models.BooleanField("按时签字", null=True, blank=True)

    class Meta:
        verbose_name = "每月排查"
        verbose_name_plural = "每月排查"
        ordering = ["-month", "department__path"]
        constraints = [models.UniqueConstraint(fields=["department", "month"], name="screening_round_unique_month")]

    def __str__(self) -> str:
        return f"{self.department} {self.month:%Y年%m月}排查"


class ScreeningItem(models.Model):
    """排查清单上的一件案件：民警判定有无隐患、记下隐患与措施；有隐患的在化解或转为信访前一直在清单上。"""

    round = models.ForeignKey(ScreeningRound, verbose_name="排查", on_delete=models.CASCADE, related_name="items")
    case = models.ForeignKey(EnforcementCase, verbose_name="案件", on_delete=models.CASCADE, related_name="screenings")
    officer_no = models.CharField("办案民警警号", max_length=20)
    risk_score = models.FloatField("风险分", default=0)
    reasons = models.JSONField("理由", default=list, blank=True)
    carried_over = models.BooleanField("上月隐患未化解", default=False)
    verdict = models.CharField("判定", max_length=8, choices=Verdict.choices, blank=True, default="")
    hazard = models.TextField("隐患", blank=True)
    measure = models.CharField("措施", max_length=16, choices=Measure.choices, blank=True)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="排查人", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    marked_at = models.DateTimeField("排查时间", null=True, blank=True)
    resolved_at = models.DateTimeField("已化解时间", null=True, blank=True)
    is_key = models.BooleanField("重点案件", default=False)

    class Meta:
        verbose_name = "排查案件"
        verbose_name_plural = "排查案件"
        ordering = ["-risk_score", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "case"], name="screening_item_unique_case")]
        indexes = [
            models.Index(fields=["officer_no", "round"], name="screening_item_officer_idx"),
            # 民警清单（按风险取前 100 件）、单位排查页（同）与各排查的已查/隐患计数：几百万件时不整表排序。
            models.Index(fields=["officer_no", "-risk_score", "id"], name="screening_item_officer_risk"),
            models.Index(fields=["round", "-risk_score", "id"], name="screening_item_round_risk"),
            models.Index(fields=["round", "verdict"], name="screening_item_round_verdict"),
        ]


class ScreeningTally(models.Model):
    """每名民警每月排查的完成与及时情况（签字时写定，供考核）。"""

    round = models.ForeignKey(ScreeningRound, on_delete=models.CASCADE, related_name="tallies")
    officer_no = models.CharField("警号", max_length=20)
    total = models.PositiveIntegerField("案件数")
    marked = models.PositiveIntegerField("已排查")
    on_time = models.PositiveIntegerField("按时排查")

    class Meta:
        verbose_name = "民警排查完成情况"
        verbose_name_plural = "民警排查完成情况"
        constraints = [models.UniqueConstraint(fields=["round", "officer_no"], name="screening_tally_unique")]
