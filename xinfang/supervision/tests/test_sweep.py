"""期限扫描：黄牌、红牌与逐级升级在正确的那一天出现（跨劳动节、春节与调休周六），重复扫描不重复提醒。"""

import io
import json
from datetime import date

import pytest
import time_machine
from django.core.management import call_command

from xinfang.audit.models import AuditEvent
from xinfang.org.services import update_department
from xinfang.petitions.actions import handling
from xinfang.petitions.models import Matter
from xinfang.petitions.testing import register
from xinfang.supervision.models import AccountabilityRecord, Ground, Kind, Light, MatterWarning
from xinfang.supervision.sweep import escalation_level, run_sweep
from xinfang.supervision.testing import at, handled, inbox

pytestmark = pytest.mark.django_db


def sweep(when: str) -> dict:
    return run_sweep(now=at(when)).as_dict()


def test_the_handling_due_date_of_the_fixture_is_may_6_after_the_may_day_holiday(cast):
    assert handled(cast).handling_due == date(2026, 5, 6)


def test_a_matter_stays_green_until_three_working_days_before_its_due_date_across_may_day(cast):
    handled(cast)
    # 4 月 27 日之后的三个工作日是 28、29、30 日，仍早于 5 月 6 日：绿。
    assert sweep("2026-04-27 09:00") == {"yellow": 0, "red": 0, "escalated": 0, "notifications": 0}
    # 4 月 28 日之后的三个工作日是 29、30 日与（五天假期后的）5 月 6 日：黄。
    assert sweep("2026-04-28 09:00") == {"yellow": 1, "red": 0, "escalated": 0, "notifications": 1}
    [note] = inbox(cast.handler_a)
    assert note.kind == Kind.YELLOW and note.matter_id is not None and "即将到期" in note.title


def test_a_matter_is_still_yellow_on_its_due_date_and_turns_red_the_day_after(cast):
    m = handled(cast)
    sweep("2026-04-28 09:00")
    assert sweep("2026-05-06 18:00")["red"] == 0
    result = sweep("2026-05-07 09:00")
    # 承办人的红牌、一把手与分管领导的升级提醒，加上审计员与局领导的追责线索提醒。
    assert result == {"yellow": 0, "red": 1, "escalated": 1, "notifications": 5}
    assert [n.kind for n in inbox(cast.handler_a)] == [Kind.YELLOW, Kind.RED]
    assert [n.kind for n in inbox(cast.head_a)] == [Kind.ESCALATION]
    assert [n.kind for n in inbox(cast.leader)] == [Kind.ESCALATION]
    warning = MatterWarning.objects.get(matter=m)
    assert (warning.light, warning.level, warning.due) == (Light.RED, 1, date(2026, 5, 6))


def test_escalation_climbs_one_level_after_three_more_working_days_counting_the_adjusted_saturday(cast):
    update_department(cast.detachment, by=None, head=cast.bureau)
    handled(cast)
    sweep("2026-05-07 09:00")
    assert sweep("2026-05-08 09:00")["escalated"] == 0
    # 5 月 6 日之后的第三个工作日是 5 月 9 日（调休上班的星期六）。
    result = sweep("2026-05-09 09:00")
    assert result == {"yellow": 0, "red": 1, "escalated": 1, "notifications": 1}
    [note] = inbox(cast.bureau, Kind.ESCALATION)
    assert "升级" in note.title
    # 到了根部门就不再上升。
    assert sweep("2026-06-30 09:00")["escalated"] == 0


def test_a_second_sweep_at_the_same_moment_sends_nothing_new(cast):
    handled(cast)
    first = sweep("2026-05-07 09:00")
    second = sweep("2026-05-07 09:00")
    assert first["notifications"] == 5
    assert second == {"yellow": 0, "red": 1, "escalated": 0, "notifications": 0}


def test_the_sweep_command_prints_one_json_line_and_is_idempotent(cast):
    handled(cast)
    outputs = []
    for _ in range(2):
        out = io.StringIO()
        call_command("sweep", "--now", "2026-05-07T09:00", stdout=out)
        outputs.append(out.getvalue())
    assert [len(o.strip().splitlines()) for o in outputs] == [1, 1]
    assert json.loads(outputs[0]) == {"yellow": 0, "red": 1, "escalated": 1, "notifications": 5}
    assert json.loads(outputs[1])["notifications"] == 0


def test_a_matter_in_a_hearing_keeps_its_handling_clock_and_turns_red_when_overdue(cast):
    # 办理期间的听证不停60日办理期限（《信访工作条例》第三十四条）；只有复核的听证不计入期限（第三十六条）。
    m = handled(cast)
    with time_machine.travel(at("2026-04-20 09:00"), tick=False):
        handling.start_hearing(m, by=cast.head_a)
    assert Matter.objects.get(pk=m.pk).current_due == date(2026, 5, 6)
    assert sweep("2026-06-01 09:00")["red"] == 1


def test_a_matter_that_is_answered_leaves_the_board_and_its_warning_is_cleared(cast):
    m = handled(cast)
    sweep("2026-04-28 09:00")
    with time_machine.travel(at("2026-04-29 09:00"), tick=False):
        m = handling.draft_reply(m, by=cast.handler_a, outcome="support", text="支持。")
        handling.approve_reply(m, by=cast.head_a)
    assert sweep("2026-04-29 10:00")["yellow"] == 0
    assert not MatterWarning.objects.exists()


def test_acceptance_deadline_over_spring_festival_warns_the_unit_head_when_nobody_handles_it(cast):
    with time_machine.travel(at("2026-02-01 09:00"), tick=False):
        m = register(cast.clerk, department=cast.brigade_a)
    # 2 月 1 日起 15 日为 2 月 16 日，春节假期顺延到 2 月 24 日。
    assert m.acceptance_due == date(2026, 2, 24)
    # 2 月 11 日之后的三个工作日：12、13 日与调休上班的 14 日（周六）——仍早于 24 日。
    assert sweep("2026-02-11 09:00")["yellow"] == 0
    assert sweep("2026-02-12 09:00")["yellow"] == 1
    [note] = inbox(cast.head_a)  # 尚未交办、没有承办人：提醒单位一把手
    assert note.kind == Kind.YELLOW
    assert sweep("2026-02-24 09:00")["red"] == 0
    assert sweep("2026-02-25 09:00")["red"] == 1


def test_a_newly_overdue_matter_is_proposed_for_accountability_once(cast):
    m = handled(cast)
    sweep("2026-05-07 09:00")
    sweep("2026-05-09 09:00")
    sweep("2026-05-09 09:00")
    [proposal] = AccountabilityRecord.objects.filter(matter=m)
    assert proposal.ground == Ground.DEADLINE and proposal.department == cast.brigade_a
    assert inbox(cast.auditor, Kind.ACCOUNTABILITY) and inbox(cast.bureau, Kind.ACCOUNTABILITY)


def test_every_sweep_leaves_one_audit_event_with_its_counts(cast):
    handled(cast)
    sweep("2026-05-07 09:00")
    event = AuditEvent.objects.get(action="supervision.sweep")
    assert event.changes["result"][1]["red"] == 1


def test_escalation_levels_count_working_days_after_the_due_date():
    from xinfang.core.workcalendar import WorkCalendar

    calendar = WorkCalendar()
    due = date(2026, 9, 30)  # 国庆前一天
    assert escalation_level(due, date(2026, 9, 30), calendar=calendar, step=3, cap=5) == 0
    assert escalation_level(due, date(2026, 10, 1), calendar=calendar, step=3, cap=5) == 1
    # 国庆、中秋连休到 10 月 7 日；之后的工作日 8、9 日与调休上班的 10 日（周六）。
    assert escalation_level(due, date(2026, 10, 9), calendar=calendar, step=3, cap=5) == 1
    assert escalation_level(due, date(2026, 10, 10), calendar=calendar, step=3, cap=5) == 2
    assert escalation_level(due, date(2027, 10, 10), calendar=calendar, step=3, cap=3) == 3
