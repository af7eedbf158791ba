"""节假日表：管理员录入的放假与调休安排，覆盖 chinesecalendar 随包提供的数据；后台任务的游标。"""

from django.db import models


class Holiday(models.Model):
    day = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("上班", default=False, help_text="勾选表示调休上班日；不勾选表示放假。")
    name = models.CharField("名称", max_length=40, blank=True)

    class Meta:
        verbose_name = "节假日调整"
        verbose_name_plural = "节假日调整"
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {'上班' if self.is_workday else '放假'} {self.name}"


class CalendarYear(models.Model):
    """已按国务院办公厅通知录入完毕的年份：该年期限不再标为暂定。"""

    year = models.PositiveSmallIntegerField("年份", primary_key=True)
    notice = models.CharField("通知文号或说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "已录入年份"
        verbose_name_plural = "已录入年份"
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class JobCursor(models.Model):
    """后台任务的进度与互斥，每个任务一行（见 core/cursors.py）：读办理记录的任务记下读到的记录 id，
    扫描类任务锁住这一行，防止两个进程同时扫描。"""

    name = models.CharField("任务", max_length=40, primary_key=True)
    position = models.BigIntegerField("读到的记录 id", default=0)
    ran_at = models.DateTimeField("上次运行", null=True, blank=True)

    class Meta:
        verbose_name = "任务游标"
        verbose_name_plural = "任务游标"

    def __str__(self) -> str:
        return f"{self.name} @ {self.position}"
