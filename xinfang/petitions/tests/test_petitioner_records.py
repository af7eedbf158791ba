"""信访人的记录不是公共可改的数据：范围外不改，范围内确认后改并留痕；登记后可经留痕的更正修改事项与信访件。"""

import pytest
from django.core.exceptions import ValidationError

from xinfang.audit.models import AuditEvent
from xinfang.petitions.actions.intake import PetitionerInput
from xinfang.petitions.models import Petition, Petitioner
from xinfang.petitions.testing import id_number, register

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def person(**kwargs):
    return PetitionerInput(**{"name": "张三", "id_number": id_number(), "phone": "13800138000", "address": "示范市",
                              **kwargs})


def test_a_clerk_cannot_change_the_contact_of_a_petitioner_from_another_department(cast):
    register(cast.handler_b, department=cast.brigade_b, person=person())  # 大队B的信访人
    counts = (Petition.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError, match="不在您可见范围内.*不能修改其已登记的联系方式"):
        register(cast.clerk_a, department=cast.brigade_a, person=person(phone="13911112222", update_contact=True))
    assert (Petition.objects.count(), AuditEvent.objects.count()) == counts  # 什么也没写
    assert Petitioner.objects.get().phone == "13800138000"


def test_without_asking_the_other_departments_record_stays_and_this_petition_keeps_its_own_contact(cast):
    register(cast.handler_b, department=cast.brigade_b, person=person())
    m = register(cast.clerk_a, department=cast.brigade_a, person=person(phone="13911112222", address="新地址"))
    original = Petitioner.objects.order_by("pk").first()
    assert (original.phone, original.address) == ("13800138000", "示范市")
    assert m.petitions.get().petitioners.get().phone == "13911112222"


def test_inside_the_clerks_scope_a_change_must_be_confirmed(cast):
    register(cast.clerk, department=cast.brigade_a, person=person())
    with pytest.raises(ValidationError, match="联系电话与已登记的不同。请勾选"):
        register(cast.clerk, department=cast.brigade_a, person=person(phone="13911112222"))
    assert Petitioner.objects.get().phone == "13800138000"


def test_a_confirmed_change_is_recorded_before_and_after(cast):
    register(cast.clerk, department=cast.brigade_a, person=person())
    register(cast.clerk, department=cast.brigade_a, person=person(phone="13911112222", update_contact=True))
    petitioner = Petitioner.objects.get()
    assert petitioner.phone == "13911112222"
    event = AuditEvent.objects.get(action="petitioner.update_contact")
    assert event.actor == cast.clerk and event.changes == {"phone": ["138****8000", "139****2222"]}  # 审计里不留完整号码


def test_the_same_contact_again_needs_no_confirmation(cast):
    register(cast.clerk, department=cast.brigade_a, person=person())
    register(cast.clerk, department=cast.brigade_a, person=person(phone=""))
    assert Petitioner.objects.count() == 1 and not AuditEvent.objects.filter(action="petitioner.update_contact").exists()


# -- 登记后的更正 ------------------------------------------------------------------------------


def test_a_matter_is_corrected_through_an_audited_edit_with_a_reason(cast):
    from xinfang.petitions.actions import corrections
    from xinfang.petitions.models import Matter, MatterEvent

    m = register(cast.clerk, department=cast.brigade_a, title="闯红灯异议")
    corrected = corrections.correct_matter(m, by=cast.clerk, reason="登记时事由写错", expected_version=m.version,
                                           title="超速处罚异议")
    assert Matter.objects.get(pk=m.pk).title == "超速处罚异议" and corrected.version == m.version + 1
    event = MatterEvent.objects.get(matter=m, action="correct")
    assert event.reason == "登记时事由写错" and event.data == {"fields": ["title"]}
    audit = AuditEvent.objects.get(action="matter.correct")
    assert audit.changes["title"] == ["闯红灯异议", "超速处罚异议"] and audit.actor == cast.clerk


def test_a_correction_without_a_reason_or_from_a_co_unit_writes_nothing(cast, login):
    from xinfang.petitions.actions import corrections, decisions
    from xinfang.petitions.models import Matter

    m = register(cast.clerk, department=cast.brigade_a, title="闯红灯异议")
    with pytest.raises(ValidationError, match="请写明更正理由"):
        corrections.correct_matter(m, by=cast.clerk, reason=" ", title="改")
    m = decisions.accept_matter(m, by=cast.clerk)
    m = decisions.assign_matter(m, by=cast.clerk, lead=cast.brigade_a, co=[cast.brigade_b])
    response = login(cast.head_b).post(f"/petitions/matters/{m.pk}/correct/", {
        "version": m.version, "title": "改", "summary": "改", "reason": "协办单位想改"})
    assert response.status_code == 403
    assert Matter.objects.get(pk=m.pk).title == "闯红灯异议"
    assert not AuditEvent.objects.filter(action="matter.correct").exists()


def test_a_petition_is_corrected_over_the_page_and_the_timeline_shows_it(cast, login):
    m = register(cast.clerk, department=cast.brigade_a)
    petition = m.petitions.get()
    client = login(cast.clerk)
    assert "更正此件" in client.get(f"/petitions/matters/{m.pk}/").content.decode()
    response = client.post(f"/petitions/petitions/{petition.pk}/correct/", {
        "channel": "letter", "content": petition.content, "requests": "", "involved_officer": "李四",
        "case_numbers": "", "reason": "涉及民警漏登"})
    assert response.status_code == 302
    petition.refresh_from_db()
    assert (petition.channel, petition.involved_officer) == ("letter", "李四")
    assert AuditEvent.objects.get(action="petition.correct").changes["involved_officer"] == ["", "李四"]
    assert "更正信访件" in client.get(f"/petitions/matters/{m.pk}/").content.decode()
