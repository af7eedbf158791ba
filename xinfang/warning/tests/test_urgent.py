"""重大紧急事项（《信访工作条例》第二十五条）：登记、办理记录与情况标记经事件发现，立即报一把手与分管领导
（站内信与短信，免打扰时段不拦），确认后停止；无人确认的到时逐级上报；重复运行不重复报告。时间冻结。"""

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from xinfang.audit.models import AuditEvent
from xinfang.petitions.actions import handling
from xinfang.petitions.actions.intake import PetitionerInput
from xinfang.petitions.models import Channel, MatterEvent
from xinfang.petitions.testing import id_number, register
from xinfang.supervision import notifications
from xinfang.supervision.models import Kind, Notification, NotificationPreference
from xinfang.warning import urgent
from xinfang.warning.models import UrgentGround, UrgentRecipient, UrgentReport, Warning, WarningKind, WarningStatus

pytestmark = pytest.mark.django_db

NIGHT = timezone.make_aware(datetime(2026, 3, 4, 23, 10))  # 两会期间的深夜：免打扰时段内


def _people(n: int) -> list[PetitionerInput]:
    return [PetitionerInput(name=f"代表{i}", id_number=id_number(f"43010519800101{i:03d}"), is_representative=True)
            for i in range(1, n + 1)]


def _collective(cast, heads: int, **kwargs):
    return register(cast.clerk_a, department=cast.brigade_a, head_count=heads, person=_people(1)[0],
                    content="三十余名驾驶人对停车场收费集体反映。", **kwargs)


@pytest.fixture
def phones(cast):
    for staff, phone in ((cast.head_a, "13900000001"), (cast.leader, "13900000002"), (cast.bureau, "13900000003")):
        staff.phone = phone
        staff.save(update_fields=["phone"])
    # 一把手设了免打扰（22:00—07:00）并关了短信：第二十五条的报告照样立即发短信。
    NotificationPreference.objects.create(staff=cast.head_a, sms=False, quiet_start=time(22), quiet_end=time(7))


def test_the_phrase_list_matches_words_not_parts_of_other_words():
    assert urgent.extreme_signals("再不解决我就从交警大队楼上跳楼") == ["跳楼"]
    assert urgent.extreme_signals("扬言要浇汽油自焚") == ["自焚", "浇汽油"]
    assert urgent.extreme_signals("商场跳楼价促销，车被扣在停车场") == []
    assert urgent.extreme_signals("我不会自杀，只想讨个说法") == []
    assert urgent.extreme_signals("加了汽油以后车就被拖走了") == []
    assert urgent.extreme_signals("他 说 不 想 活 了") == ["不想活了"]


def test_a_large_collective_visit_is_reported_at_once_to_head_and_leader_by_sms_despite_quiet_hours(
        cast, phones, settings):
    settings.URGENT_COLLECTIVE_SIZE = 20
    with time_machine.travel(NIGHT, tick=False):
        matter = _collective(cast, 30)
        _collective(cast, 8)  # 8 人：集体访，但不到报告线
        assert urgent.scan_events() == 1
        assert urgent.scan_events() == 0  # 重复运行不重复报告
        report = UrgentReport.objects.get()
        assert report.matter == matter and report.grounds == [UrgentGround.COLLECTIVE]
        assert {r.staff for r in report.recipients.all()} == {cast.head_a, cast.leader}
        rows = Notification.objects.filter(kind=Kind.URGENT)
        assert all("sms" in n.channels and n.deliver_after == NIGHT for n in rows)
        assert notifications.deliver_pending() == 2
    sms = settings.SMS_LOG_FILE.read_text(encoding="utf-8")
    assert "13900000001" in sms and matter.number in sms and "规模较大的集体访" in sms
    warning = report.warning
    assert warning.kind == WarningKind.MAJOR_URGENT and "30 人" in warning.detail and "第二十五条" in warning.detail
    assert MatterEvent.objects.filter(matter=matter, action="urgent_report").exists()
    assert AuditEvent.objects.filter(action="warning.urgent.report", object_id=str(report.pk)).exists()


def test_unacknowledged_reports_climb_the_chain_once_per_interval_and_stop_when_acknowledged(cast, phones, settings):
    settings.URGENT_ACK_MINUTES = 30
    with time_machine.travel(NIGHT, tick=False):
        _collective(cast, 40)
        urgent.scan_events()
    report = UrgentReport.objects.get()
    with time_machine.travel(NIGHT + timedelta(minutes=29), tick=False):
        assert urgent.escalate_unacknowledged() == 0
    with time_machine.travel(NIGHT + timedelta(minutes=31), tick=False):
        assert urgent.escalate_unacknowledged() == 1
        assert urgent.escalate_unacknowledged() == 0  # 同一时刻再跑：不重复上报
    report.refresh_from_db()
    # 支队没有设一把手：越过它，下一级是局领导；已到顶，不再升级。
    assert report.level == 2 and report.escalate_at is None
    assert set(UrgentRecipient.objects.filter(report=report, level=2).values_list("staff", flat=True)) == {cast.bureau.pk}
    assert Notification.objects.filter(recipient=cast.bureau, kind=Kind.URGENT, title__startswith="（未确认").exists()

    with time_machine.travel(NIGHT + timedelta(hours=1), tick=False):
        _collective(cast, 25)
        urgent.scan_events()
        second = UrgentReport.objects.latest("pk")
        urgent.acknowledge(second, by=cast.head_a)
    with time_machine.travel(NIGHT + timedelta(hours=3), tick=False):
        assert urgent.escalate_unacknowledged() == 0
    second.refresh_from_db()
    assert second.level == 1 and second.warning.acknowledged_by == cast.head_a
    assert second.warning.status == WarningStatus.ACKNOWLEDGED


def test_a_handling_note_with_a_danger_signal_is_reported_once_while_the_report_is_open(cast):
    from xinfang.petitions.actions import decisions

    matter = register(cast.clerk, department=cast.brigade_a)
    matter = decisions.assign_matter(decisions.accept_matter(matter, by=cast.clerk), by=cast.clerk,
                                     lead=cast.brigade_a, handler=cast.handler_a)
    urgent.scan_events()
    handling.add_note(matter, by=cast.handler_a, text="信访人电话中扬言要去大队门口自焚，已稳控情绪并报告。")
    handling.add_note(matter, by=cast.handler_a, text="信访人再次称要自焚。")
    handling.add_note(matter, by=cast.handler_a, text="已约见信访人，商场跳楼价的说法与本案无关。")
    assert urgent.scan_events() == 1
    report = UrgentReport.objects.get()
    assert report.grounds == [UrgentGround.EXTREME] and "自焚" in report.warning.detail


def test_a_superior_referral_from_the_national_bureau_is_reported_as_brought_to_national_level(cast):
    register(cast.clerk, department=cast.brigade_b, channel=Channel.SUPERIOR,
             content="国家信访局交办：反映大队B事故认定不公。")
    register(cast.clerk, department=cast.brigade_b, channel=Channel.LETTER, content="来信提到要去找国家信访局。")
    assert urgent.scan_events() == 1
    report = UrgentReport.objects.get()
    assert report.grounds == [UrgentGround.NATIONAL]
    assert {r.staff for r in report.recipients.all()} == {cast.head_b}  # 大队B没有分管领导


def test_staff_flag_media_attention_over_http_and_the_report_shows_who_acknowledged_when(cast, login):
    matter = register(cast.clerk, department=cast.brigade_a)
    urgent.scan_events()
    client = login(cast.handler_a)
    assert login(cast.handler_b).post(f"/warning/matters/{matter.pk}/flag/",
                                      {"kind": "media", "note": "外地媒体来电"}).status_code == 404
    client = login(cast.handler_a)
    bad = client.post(f"/warning/matters/{matter.pk}/flag/", {"kind": "media", "note": ""})
    assert "说明：请写明情况来源" in bad.content.decode()
    client.post(f"/warning/matters/{matter.pk}/flag/", {"kind": "media", "note": "市电视台记者来电采访此事"})
    again = client.post(f"/warning/matters/{matter.pk}/flag/", {"kind": "media", "note": "又有记者来电"})
    assert "已标记“媒体关注”" in again.content.decode()
    assert urgent.scan_events() == 1
    report = UrgentReport.objects.get()
    assert report.grounds == [UrgentGround.MEDIA]
    head = login(cast.head_a)
    page = head.get(f"/warning/urgent/{report.pk}/").content.decode()
    assert "尚未确认" in page and "大队长A" in page and "分管领导" in page
    moment = timezone.localtime(timezone.now()).replace(second=0, microsecond=0) + timedelta(minutes=7)
    with time_machine.travel(moment, tick=False):
        head.post(f"/warning/urgent/{report.pk}/acknowledge/")
        page = head.get(f"/warning/urgent/{report.pk}/").content.decode()
    assert f"大队长A，{moment:%Y-%m-%d %H:%M}" in page
    assert login(cast.head_b).get(f"/warning/urgent/{report.pk}/").status_code == 404
    assert Warning.objects.get(pk=report.warning_id).status == WarningStatus.ACKNOWLEDGED


def test_the_first_run_does_not_report_old_history_as_if_it_just_happened(cast, settings):
    settings.URGENT_COLLECTIVE_SIZE = 10
    with time_machine.travel(timezone.make_aware(datetime(2026, 1, 5, 10)), tick=False):
        _collective(cast, 50)
    with time_machine.travel(timezone.make_aware(datetime(2026, 3, 4, 10)), tick=False):
        assert urgent.scan_events() == 0
        _collective(cast, 12)
        assert urgent.scan_events() == 1
