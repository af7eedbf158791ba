"""组织机构：部门树、人员、角色、分管关系、登录锁定。"""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models


class DepartmentKind(models.TextChoices):
    DETACHMENT = "detachment", "支队"
    BRIGADE = "brigade", "大队"
    SQUADRON = "squadron", "中队"
    OFFICE = "office", "科室"
    OTHER = "other", "其他"


ORGAN_KINDS = frozenset({DepartmentKind.DETACHMENT, DepartmentKind.BRIGADE})


class Department(models.Model):
    """部门树中的一个节点。`path` 形如 "/1/5/12/"，以前缀查询整棵子树。"""

    name = models.CharField("名称", max_length=100)
    # 执法系统里的单位代码：导入执法案件时按它找到办案单位（未填的部门不能被导入文件引用）。
    code = models.CharField("单位代码", max_length=32, null=True, blank=True, unique=True)
    kind = models.CharField("类型", max_length=16, choices=DepartmentKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级部门", null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    # 由 services 维护，勿直接赋值：新建与移动部门时连同整棵子树一起更新。
    path = models.CharField("路径", max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField("层级", default=0, editable=False)
    sort_order = models.PositiveIntegerField("排序", default=0)
    head = models.ForeignKey(
        "org.Staff", verbose_name="一把手（第一责任人）", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="headed_departments",
    )
    petition_leader = models.ForeignKey(
        "org.Staff", verbose_name="分管信访领导", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="led_departments",
    )
    is_active = models.BooleanField("启用", default=True)
    # 机关（《信访工作条例》第三十五条、第三十六条的"机关、单位"）：以自己的名义作出处理意见、复查、复核意见。
    # 空＝按类型：支队、大队是机关；中队、科室以所属机关的名义办理。个别部门可由管理员改定。
    is_organ = models.BooleanField("机关", null=True, blank=True,
                                   help_text="空：按类型判断（支队、大队为机关，中队、科室以所属机关名义办理）")
    full_name = models.CharField("机关全称", max_length=150, blank=True, default="",
                                 help_text="文书落款用，如“示范市公安局交通警察支队”；空则由上级机关全称加本名称组成")
    superior_external_name = models.CharField(
        "系统外的上级机关", max_length=150, blank=True, default="",
        help_text="本机关在系统内没有上级机关时（如支队的上级公安局），复查、复核请求转送该机关，写全称")

    class Meta:
        verbose_name = "部门"
        verbose_name_plural = "部门"
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="department_unique_name_under_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def acts_as_organ(self) -> bool:
        """是否以自己的名义作出决定（见 is_organ）。"""
        if self.is_organ is not None:
            return self.is_organ
        return self.kind in ORGAN_KINDS

    def ancestor_ids(self) -> list[int]:
        """从根到自身的部门 id（含自身）。"""
        return [int(part) for part in self.path.strip("/").split("/") if part]


class RoleCode(models.TextChoices):
    CLERK = "clerk", "登记员"
    HANDLER = "handler", "承办人"
    UNIT_HEAD = "unit_head", "单位负责人"
    LEADER = "leader", "分管领导"
    SUPERVISOR = "supervisor", "督办员"
    BUREAU_LEADER = "bureau_leader", "局领导"
    AUDITOR = "auditor", "审计员"
    ADMIN = "admin", "系统管理员"


class Role(models.Model):
    code = models.CharField("代码", max_length=32, primary_key=True, choices=RoleCode.choices)

    class Meta:
        verbose_name = "角色"
        verbose_name_plural = "角色"

    def __str__(self) -> str:
        return self.get_code_display()


class StaffManager(UserManager):
    def get_queryset(self):
        return super().get_queryset().select_related("department")


class Staff(AbstractUser):
    """民警或工作人员的账号。一人可兼多个角色；领导可分管多个部门。"""

    name = models.CharField("姓名", max_length=50)
    police_number = models.CharField("警号", max_length=20, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    department = models.ForeignKey(
        Department, verbose_name="所属部门", null=True, blank=True,
        on_delete=models.PROTECT, related_name="staff",
    )
    roles = models.ManyToManyField(Role, verbose_name="角色", blank=True, related_name="staff")
    oversees = models.ManyToManyField(
        Department, verbose_name="分管部门", blank=True, related_name="overseers",
        help_text="分管领导、督办员可被授权查看多个部门（含其下级）。",
    )

    # 别人（管理员）设的初始密码或重置的密码：本人登录后须先改密码才能用系统（见 org/middleware.py）。
    must_change_password = models.BooleanField("须在登录后修改密码", default=False)

    objects = StaffManager()
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        ordering = ["department__path", "username"]

    def __str__(self) -> str:
        return self.name or self.username

    def get_full_name(self) -> str:
        return self.name or self.username


class ThrottleKind(models.TextChoices):
    ACCOUNT = "account", "账号"
    IP = "ip", "IP 地址"


class LoginThrottle(models.Model):
    """登录失败计数与锁定：每个账号一行、每个来源 IP 一行。"""

    kind = models.CharField("类型", max_length=8, choices=ThrottleKind.choices)
    key = models.CharField("账号或 IP", max_length=150)
    failures = models.PositiveIntegerField("失败次数", default=0)
    first_failure_at = models.DateTimeField("首次失败时间", null=True, blank=True)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = "登录锁定"
        verbose_name_plural = "登录锁定"
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="login_throttle_unique_key")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key}"
