"""录入某年的国务院放假通知：格式与校验、`xinfang calendar import`、后台表单、录入后所有事项的期限重算。

文中的 2027 年通知是测试用的假设安排（国务院尚未发布），日期都是字面值：
元旦 1月1日至3日放假；春节 2月5日至12日放假，2月20日（周六）上班；其余法定假日各放当天。
"""

from __future__ import annotations

import copy
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Q
import time_machine
from django.core.management import CommandError, call_command

from xinfang.audit.models import AuditEvent
from xinfang.core.models import CalendarYear, Holiday
from xinfang.core.notice import NoticeError, format_notice, parse_notice
from xinfang.petitions import clocks
from xinfang.petitions.generate import generate
from xinfang.petitions.models import Matter, Status
from xinfang.petitions.testing import register

NOTICE_2027 = """\
# 国务院办公厅关于2027年部分节假日安排的通知（测试用假设）
年份 2027
通知: 国办发明电〔2026〕99号
2027-01-01 至 2027-01-03 放假 元旦
2027-02-05 至 2027-02-12 放假 春节
2027-02-20 上班 春节调休
2027-04-05 放假 清明节
2027-05-01 至 2027-05-04 放假 劳动节
2027-06-09 放假 端午节
2027-09-15 放假 中秋节
2027-10-01 至 2027-10-07 放假 国庆节
2027-10-09 上班 国庆调休
"""
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def fresh_calendar():
    """进程内的日历缓存不随测试数据库回滚：每个测试从空表装配。"""
    from django.core.cache import cache

    from xinfang.core import calendar

    calendar._cached = None
    cache.delete(calendar._VERSION_KEY)
    yield
    calendar._cached = None
    cache.delete(calendar._VERSION_KEY)


def test_a_notice_is_read_into_days_off_and_working_days() -> None:
    notice = parse_notice(NOTICE_2027)
    assert notice.year == 2027 and notice.notice == "国办发明电〔2026〕99号"
    assert notice.days[date(2027, 2, 12)] == (False, "春节")
    assert notice.days[date(2027, 2, 20)] == (True, "春节调休")
    assert len(notice.days) == 3 + 8 + 1 + 1 + 4 + 1 + 1 + 7 + 1
    assert parse_notice(format_notice(notice)).days == notice.days


@pytest.mark.parametrize(("text", "message"), [
    ("2027-01-01 放假 元旦", "缺少“年份”行"),
    ("年份 27\n", "年份“27”无效"),
    ("年份 2027\n2027-02-30 放假", "第 2 行：日期“2027-02-30”无效"),
    ("年份 2027\n2027-01-01 休息 元旦", "第 2 行：“休息”不是放假或上班"),
    ("年份 2027\n2028-01-01 放假 元旦", "第 2 行：2028-01-01 不在 2027 年内"),
    ("年份 2027\n2027-01-05 至 2027-01-01 放假", "结束日 2027-01-01 早于开始日 2027-01-05"),
    ("年份 2027\n2027-01-01 放假\n2027-01-01 上班", "第 3 行：2027-01-01 已经写过一次"),
    ("年份 2027\n春节放假七天", "第 2 行：无法识别"),
    ("年份 2027\n2027-01-01 放假 元旦", "没有把这些法定假日列为放假（《全国年节及纪念日放假办法》第二条）：2027-02-05（春节）"),
])
def test_a_wrong_notice_is_refused_naming_the_line_and_the_rule(text: str, message: str) -> None:
    with pytest.raises(NoticeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_notice(text)


def test_the_adjusted_working_day_of_new_year_may_lie_in_the_previous_december() -> None:
    notice = parse_notice(NOTICE_2027 + "2026-12-26 上班 元旦调休\n")
    assert notice.days[date(2026, 12, 26)] == (True, "元旦调休")


@pytest.fixture
def notice_file(tmp_path):
    path = tmp_path / "2027.txt"
    path.write_text(NOTICE_2027, encoding="utf-8")
    return path


def test_the_deadline_command_counts_the_fallback_holidays_until_the_notice_is_entered(
        db, notice_file, capsys, django_capture_on_commit_callbacks):
    # 2027-01-22 +15 = 02-06（初一）：推算春节 2月5日至8日、补假 9、10 日 → 02-11，暂定。
    call_command("deadline", "acceptance", "2027-01-22")
    assert capsys.readouterr().out.strip() == "2027-02-11 provisional"
    with django_capture_on_commit_callbacks(execute=True):  # 日历缓存在提交后失效
        call_command("calendar", "import", str(notice_file))
    assert "已录入 2027 年放假通知（国办发明电〔2026〕99号）：27 天" in capsys.readouterr().out
    # 通知：春节放到 2月12日（周五），13、14 日周末 → 02-15，不再暂定。
    call_command("deadline", "acceptance", "2027-01-22")
    assert capsys.readouterr().out.strip() == "2027-02-15"
    # 2028 年仍未录入：2027-12-17 +15 = 2028-01-01（周六，元旦），补假 01-03 → 01-04，暂定。
    call_command("deadline", "acceptance", "2027-12-17")
    assert capsys.readouterr().out.strip() == "2028-01-04 provisional"
    assert CalendarYear.objects.get(pk=2027).notice == "国办发明电〔2026〕99号"
    assert Holiday.objects.get(day=date(2027, 2, 20)).is_workday
    assert AuditEvent.objects.filter(action="calendar_year.enter_notice").count() == 1


def test_a_bad_notice_file_changes_nothing(db, tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("年份 2027\n2027-01-01 放假 元旦\n", encoding="utf-8")
    with pytest.raises(CommandError, match="bad.txt：.*2027-02-05（春节）"):
        call_command("calendar", "import", str(path))
    with pytest.raises(CommandError, match="找不到通知文件"):
        call_command("calendar", "import", str(tmp_path / "none.txt"))
    assert not Holiday.objects.exists() and not CalendarYear.objects.exists()


def test_entering_a_notice_recomputes_every_clock_of_matters_in_every_state(
        db, notice_file, django_capture_on_commit_callbacks):
    # 造数的"今天"在 2027 年：五年存量里有每一种状态，期限跨 2022—2027 年。
    generate(80, seed=3, today=date(2027, 3, 10))
    # 造数没有系统外的上级机关，所以没有"已转送上级机关"两种状态；也不造转送、交办来文的异议（"已提出异议""已交还"，
    # 要有来文记录）；其余每种都有。
    forwarded = {Status.REVIEW_FORWARDED, Status.RE_REVIEW_FORWARDED, Status.OBJECTED, Status.RETURNED}
    assert set(Matter.objects.values_list("status", flat=True)) == set(Status.values) - forwarded
    provisional_before = Matter.objects.exclude(provisional_dues="").count()
    assert provisional_before > 0
    with django_capture_on_commit_callbacks(execute=True):
        call_command("calendar", "import", str(notice_file))
    for matter in Matter.objects.all():
        fresh = clocks.recompute(copy.copy(matter))
        for name in ("acceptance_due", "handling_due", "review_request_closes", "review_due",
                     "re_review_request_closes", "re_review_due", "current_due", "due_provisional",
                     "provisional_dues"):
            assert getattr(matter, name) == getattr(fresh, name), (matter.number, matter.status, name)
        # 2027 年已录入、2028 年未录入：只有落到 2028 年的期限还暂定。
        for name in clocks.provisional_clocks(matter):
            assert getattr(matter, name).year >= 2028, (matter.number, name)
    # 已办结（终结）事项的申请截止日也重算过（哪一件落在 2027 年随造数的随机序列而定，两种办结状态都算）。
    closed = Matter.objects.filter(status__in=(Status.CLOSED, Status.TERMINATED), provisional_dues="")
    assert closed.filter(Q(review_request_closes__year=2027) | Q(re_review_request_closes__year=2027)).exists()


def test_provisional_is_kept_per_clock_and_the_badge_follows_the_running_one(cast):
    # 2026-12-10 收到：告知受理期限 12-25（2026 年，已覆盖）确定；当前期限就是它，不暂定。
    with time_machine.travel(datetime(2026, 12, 10, 10, tzinfo=SHANGHAI), tick=False):
        matter = register(cast.clerk, department=cast.brigade_a)
    assert matter.acceptance_due == date(2026, 12, 25) and not matter.due_provisional
    matter.accepted_on = date(2026, 12, 20)
    matter.status = Status.ACCEPTED
    clocks.recompute(matter)
    # 办理期限 60 日：2027-02-18，落在未录入的 2027 年 → 只有这个时钟暂定。
    assert clocks.provisional_clocks(matter) == {"handling_due"}
    assert matter.due_provisional


def test_the_admin_form_enters_a_year_and_recomputes(cast, login):
    with time_machine.travel(datetime(2027, 1, 25, 10, tzinfo=SHANGHAI), tick=False):
        matter = register(cast.clerk, department=cast.brigade_a,
                          received_at=datetime(2027, 1, 22, 9, tzinfo=SHANGHAI))
    assert (matter.acceptance_due, matter.due_provisional) == (date(2027, 2, 11), True)
    client = login(cast.admin)
    body = NOTICE_2027.split("\n", 3)[3]
    response = client.post("/admin/core/calendaryear/add/", {"year": "2027", "notice": "", "days": "2027-01-01 放假 元旦"})
    assert response.status_code == 200
    assert "没有把这些法定假日列为放假" in response.content.decode()
    assert not CalendarYear.objects.exists()
    response = client.post("/admin/core/calendaryear/add/", {"year": "2027", "notice": "国办发明电〔2026〕99号", "days": body})
    assert response.status_code == 302
    matter.refresh_from_db()
    assert (matter.acceptance_due, matter.due_provisional, matter.provisional_dues) == (date(2027, 2, 15), False, "")
    page = client.get("/admin/core/calendaryear/2027/change/").content.decode()
    assert "2027-02-20 上班 春节调休" in page
