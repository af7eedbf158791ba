"""敏感时期（两会）：时间冻结走过一个时期——日报中午到中午，零报告、迟报、未报，汇总 Word 的数字；
时期设置的校验，更敏感的预警线，重点事项的每日研判，一把手本人的接访记录。"""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone
from docx import Document

from xinfang.audit.models import AuditEvent
from xinfang.petitions.models import Channel, Matter
from xinfang.petitions.actions.intake import PetitionerInput
from xinfang.petitions.testing import id_number, register
from xinfang.warning import periods, reports, urgent
from xinfang.warning.models import (
    ConsolidatedReport, DailyReport, KeyMatter, SensitivePeriod, UrgentReport, Warning, WarningKind, WarningStatus,
)

pytestmark = pytest.mark.django_db


REPRESENTATIVE = PetitionerInput(name="代表甲", id_number=id_number("43010519800101301"), is_representative=True)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime(2026, 3, day, hour, minute))


def two_sessions(cast, **kwargs) -> SensitivePeriod:
    with time_machine.travel(at(1, 9), tick=False):
        return periods.create_period(by=cast.admin, name="全国两会", starts_on=date(2026, 3, 4),
                                     ends_on=date(2026, 3, 6), **kwargs)


def submit(cast, who, period, day, *, zero=False, content="收到信访一件，已登记交办，无其他情况。"):
    return reports.submit_daily_report(period=period, by=getattr(cast, who), day=day, is_zero=zero,
                                       content="" if zero else content, signed=True)


def docx_numbers(row: ConsolidatedReport) -> tuple[dict[str, list[str]], str]:
    doc = Document(row.docx.open("rb"))
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells][:5] == ["单位", "报送情况", "值班人", "报送时间", "信访件"]
    units = {r.cells[0].text: [c.text for c in r.cells[1:]] for r in table.rows[1:]}
    return units, "\n".join(p.text for p in doc.paragraphs)


def test_a_period_that_ends_before_it_starts_is_refused_in_chinese_and_nothing_is_written(cast, login):
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        periods.create_period(by=cast.admin, name="省两会", starts_on=date(2026, 1, 20), ends_on=date(2026, 1, 15))
    assert "结束日期（2026-01-15）早于开始日期（2026-01-20）" in caught.value.message_dict["ends_on"][0]
    response = login(cast.admin).post("/warning/periods/new/", {
        "name": "省两会", "starts_on": "2026-01-20", "ends_on": "2026-01-15", "scope": "whole"}, follow=True)
    assert "早于开始日期" in response.content.decode()
    assert SensitivePeriod.objects.count() == 0 and AuditEvent.objects.count() == before
    assert login(cast.head_a).post("/warning/periods/new/", {"name": "x"}).status_code == 404


def test_walking_a_period_zero_day_late_report_missing_day_and_the_consolidated_word_report(cast):
    period = two_sessions(cast)
    units = [u.name for u in periods.reporting_units(period)]
    assert units == ["测试支队", "大队A", "大队B"]  # 机关：信访科、支队领导以支队名义报送，中队A1 以大队A
    with time_machine.travel(at(3, 15), tick=False):
        first = register(cast.clerk_a, department=cast.brigade_a, content="对扣车决定不服。")
    with time_machine.travel(at(4, 12, 30), tick=False):  # 属于 3 月 5 日的窗口（中午到中午）
        second = register(cast.clerk_a, department=cast.squadron_a1, content="对违停罚款有异议。")

    # 3 月 4 日：大队A 报零报告被拒（点名窗口内的信访件），如实报告；大队B 零报告；支队未报。
    with time_machine.travel(at(4, 9), tick=False):
        with pytest.raises(ValidationError) as refused:
            submit(cast, "clerk_a", period, date(2026, 3, 4), zero=True)
        message = refused.value.message_dict["is_zero"][0]
        assert first.number in message and second.number not in message and "收到信访 1 件" in message
        assert DailyReport.objects.count() == 0
        a = submit(cast, "clerk_a", period, date(2026, 3, 4))
        assert not a.late and a.petition_count == 1 and a.duty_officer == cast.clerk_a
        with pytest.raises(ValidationError, match="已报送"):
            submit(cast, "clerk_a", period, date(2026, 3, 4))
    with time_machine.travel(at(4, 10), tick=False):
        assert submit(cast, "handler_b", period, date(2026, 3, 4), zero=True).is_zero
    with time_machine.travel(at(4, 11, 59), tick=False):
        assert reports.run_cutoff() == {"missing": 0, "consolidated": 0}  # 还没到截止
    with time_machine.travel(at(4, 12, 5), tick=False):
        assert reports.run_cutoff() == {"missing": 1, "consolidated": 1}
        assert reports.run_cutoff() == {"missing": 0, "consolidated": 0}  # 重复运行不重复
    missing = Warning.objects.get(kind=WarningKind.DAILY_REPORT_MISSING)
    assert missing.department == cast.detachment and missing.status == WarningStatus.OPEN
    auto = ConsolidatedReport.objects.get(automatic=True, day=date(2026, 3, 4))
    table, text = docx_numbers(auto)
    assert table["测试支队"][:4] == ["未报", "—", "—", "0"]
    assert table["大队A"][0] == "已报" and table["大队A"][1] == "大队A登记员" and table["大队A"][3] == "1"
    assert table["大队B"][0] == "零报告" and table["大队B"][3] == "0"
    assert "应报单位 3 个，按时报送 2 个，迟报 0 个，未报 1 个（其中零报告 1 个）。收到信访 1 件" in text
    assert "未报：测试支队。" in text
    assert auto.summary["missing"] == 1 and auto.summary["petitions"] == 1

    # 支队下午补报：照收，标迟报，未报提示随之关闭；局里再生成一份，迟报的单位写明。
    with time_machine.travel(at(4, 14), tick=False):
        late = submit(cast, "clerk", period, date(2026, 3, 4), content="支队机关无信访，补报。")
        assert late.late
        again = reports.consolidate(period, date(2026, 3, 4), by=cast.bureau)
    missing.refresh_from_db()
    assert missing.status == WarningStatus.CLOSED and "已补报" in missing.outcome
    table, text = docx_numbers(again)
    assert table["测试支队"][0] == "已报（迟报）" and table["测试支队"][1] == "登记员甲"
    assert "按时报送 2 个，迟报 1 个，未报 0 个" in text and "迟报：测试支队。" in text

    # 3 月 5 日：大队A 的零报告被拒（中午后登记的那件属于今天的窗口）；谁也没报：三个单位都未报。
    with time_machine.travel(at(5, 11), tick=False):
        with pytest.raises(ValidationError, match=second.number):
            submit(cast, "clerk_a", period, date(2026, 3, 5), zero=True)
    with time_machine.travel(at(5, 12, 1), tick=False):
        assert reports.run_cutoff() == {"missing": 3, "consolidated": 1}
    table, text = docx_numbers(ConsolidatedReport.objects.get(automatic=True, day=date(2026, 3, 5)))
    assert [v[0] for v in table.values()] == ["未报", "未报", "未报"] and table["大队A"][3] == "1"
    assert "未报 3 个" in text

    # 3 月 6 日：零报告日，三个单位都按时零报告。
    with time_machine.travel(at(6, 8), tick=False):
        for who in ("clerk", "clerk_a", "handler_b"):
            submit(cast, who, period, date(2026, 3, 6), zero=True)
    with time_machine.travel(at(6, 12, 0), tick=False):
        reports.run_cutoff()
    zero_day = ConsolidatedReport.objects.get(automatic=True, day=date(2026, 3, 6))
    assert zero_day.summary == {**zero_day.summary, "units": 3, "on_time": 3, "zero": 3, "missing": 0, "petitions": 0}
    # 时期结束后不再要求日报
    with time_machine.travel(at(7, 12, 30), tick=False):
        assert reports.run_cutoff() == {"missing": 0, "consolidated": 0}
        with pytest.raises(ValidationError, match="不在“全国两会”"):
            submit(cast, "clerk_a", period, date(2026, 3, 7), zero=True)
    assert Warning.objects.filter(kind=WarningKind.DAILY_REPORT_MISSING).count() == 4


def test_only_the_units_own_duty_officer_reports_and_the_signature_is_required(cast):
    period = two_sessions(cast, whole_bureau=False, departments=[cast.brigade_a])
    assert [u.name for u in periods.reporting_units(period)] == ["大队A"]
    with time_machine.travel(at(4, 9), tick=False):
        with pytest.raises(ValidationError, match="不在“全国两会”的日报范围内"):
            submit(cast, "handler_b", period, date(2026, 3, 4), zero=True)
        with pytest.raises(ValidationError, match="值班人签名"):
            reports.submit_daily_report(period=period, by=cast.clerk_a, day=date(2026, 3, 4), is_zero=True,
                                        content="", signed=False)
        with pytest.raises(ValidationError, match="报送窗口还没开始"):
            submit(cast, "clerk_a", period, date(2026, 3, 5), zero=True)
    with time_machine.travel(at(4, 13), tick=False):  # 截止后，明天的窗口已经开始
        assert not submit(cast, "clerk_a", period, date(2026, 3, 5), zero=True).late


def test_during_the_period_a_smaller_collective_visit_is_major_and_urgent(cast, settings):
    settings.URGENT_COLLECTIVE_SIZE = 20
    two_sessions(cast, collective_size=8)
    assert periods.thresholds(cast.brigade_a.pk, date(2026, 3, 5)).collective_size == 8
    assert periods.thresholds(cast.brigade_a.pk, date(2026, 3, 8)).collective_size == 20
    with time_machine.travel(at(3, 10), tick=False):
        register(cast.clerk_a, department=cast.brigade_a, head_count=10, content="十名驾驶人集体反映停车收费。",
                 person=REPRESENTATIVE)
        assert urgent.scan_events() == 0  # 时期开始前：10 人不到 20 人的报告线
    with time_machine.travel(at(5, 10), tick=False):
        matter = register(cast.clerk_a, department=cast.brigade_a, head_count=10, content="十名驾驶人再次集体反映。",
                          person=REPRESENTATIVE)
        assert urgent.scan_events() == 1
    assert UrgentReport.objects.get().matter == matter
    key = KeyMatter.objects.get(matter=matter)  # 重大紧急事项自动列入本时期的重点事项
    assert "重大紧急事项" in key.reason


def test_the_rise_detector_uses_the_periods_lower_threshold(cast):
    from xinfang.warning import detectors
    from xinfang.warning.tests.test_warning import LAST_WEEK, TODAY, _at, _history

    _history(cast, cast.brigade_a, spike=15, seed=3)
    with time_machine.travel(_at(TODAY, 6), tick=False):
        assert detectors.run_rise_detection() == 0
    Warning.objects.all().delete()
    with time_machine.travel(_at(LAST_WEEK, 6), tick=False):
        periods.create_period(by=cast.admin, name="全国两会", starts_on=TODAY - timedelta(days=3),
                              ends_on=TODAY + timedelta(days=7), rise_alpha=0.2)
    with time_machine.travel(_at(TODAY, 6), tick=False):
        assert detectors.run_rise_detection() == 1


def test_key_matters_are_reviewed_daily_and_internal_targets_leave_statutory_deadlines_alone(cast, login):
    period = two_sessions(cast, internal_accept_days=3)
    with time_machine.travel(at(1, 10), tick=False):
        matter = register(cast.clerk_a, department=cast.brigade_a)
    due = matter.acceptance_due
    with time_machine.travel(at(4, 8), tick=False):
        assert periods.sync_key_matters() == 1
        assert periods.sync_key_matters() == 0
        key = KeyMatter.objects.get(period=period, matter=matter)
        assert "超过内部目标" in key.reason and "法定期限不变" in key.reason
        assert Matter.objects.get(pk=matter.pk).acceptance_due == due
        client = login(cast.head_a)
        client.post(f"/warning/key/{key.pk}/review/", {"note": "已约信访人面谈，明日前告知受理。"})
        repeat = client.post(f"/warning/key/{key.pk}/review/", {"note": "再研判一次。"}, follow=True)
        assert "今天（2026-03-04）已研判" in repeat.content.decode()
        page = client.get(f"/warning/periods/{period.pk}/").content.decode()
        assert "已研判" in page and "大队长A" in page
        assert login(cast.head_b).post(f"/warning/key/{key.pk}/review/", {"note": "看不到的事项"}).status_code == 404
    with time_machine.travel(at(5, 8), tick=False):
        periods.review_key_matter(key, by=cast.leader, note="已告知受理，继续跟踪。")
    assert list(key.reviews.values_list("day", "reviewed_by__username")) == [
        (date(2026, 3, 5), "leader"), (date(2026, 3, 4), "head_a")]


def test_the_head_records_the_reception_in_person_linked_to_the_petitions_received(cast, login):
    period = two_sessions(cast)
    with time_machine.travel(at(3, 10), tick=False):
        reception = periods.schedule_reception(by=cast.head_a, department=cast.brigade_a, leader=cast.head_a,
                                               day=date(2026, 3, 5), place="大队A群众接待室", period=period)
        with pytest.raises(ValidationError, match="已经过去"):
            periods.schedule_reception(by=cast.head_a, department=cast.brigade_a, leader=cast.leader,
                                       day=date(2026, 3, 2), place="接待室", period=period)
    with time_machine.travel(at(5, 9, 30), tick=False):
        visit = register(cast.clerk_a, department=cast.brigade_a, channel=Channel.VISIT, content="当面反映事故赔偿。")
        petition = visit.petitions.get()
        with pytest.raises(ValidationError, match="本人登记"):
            periods.record_reception(reception, by=cast.leader, petition_ids=[petition.pk], note="代登记")
        client = login(cast.head_a)
        client.post(f"/warning/receptions/{reception.pk}/", {"petitions": [petition.pk], "note": "当面听取诉求。"})
    reception.refresh_from_db()
    assert reception.held_at == at(5, 9, 30) and reception.by_head
    assert list(reception.petitions.all()) == [petition]
    event = AuditEvent.objects.get(action="warning.reception.record")
    assert event.actor_id == cast.head_a.pk
    with time_machine.travel(at(5, 10), tick=False):
        data = reports.summary(period, date(2026, 3, 6))
    assert [r.pk for r in data["receptions"]] == [reception.pk]
