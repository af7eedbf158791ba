"""责任追究：只有审计员与局领导看得到；认定须写理由、点名责任人与措施；集体访、越级访落在办理不当的事项上才提出。"""

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.http import Http404

from xinfang.audit.models import AuditEvent
from xinfang.petitions.actions.intake import PetitionerInput
from xinfang.petitions.testing import id_number, register
from xinfang.supervision import accountability
from xinfang.supervision.models import AccountabilityRecord, Ground, Measure, RecordStatus
from xinfang.supervision.sweep import run_sweep
from xinfang.supervision.testing import at, handled

pytestmark = pytest.mark.django_db


def overdue(cast):
    m = handled(cast)
    run_sweep(now=at("2026-05-07 09:00"))
    return m, AccountabilityRecord.objects.get(matter=m, ground=Ground.DEADLINE)


def crowd(n=5):
    return [PetitionerInput(name=f"群众{i}", id_number=id_number(f"4301051980010112{i}")) for i in range(n)]


def test_only_auditors_and_bureau_leaders_see_the_register_and_records(cast, login):
    _, item = overdue(cast)
    for name, person in cast.everyone().items():
        client = login(person)
        expected = 200 if name in ("auditor", "bureau") else 404
        assert client.get("/supervision/accountability/").status_code == expected, name
        assert client.get(f"/supervision/accountability/{item.pk}/").status_code == expected, name


def test_a_decision_without_a_reason_is_refused_and_nothing_changes(cast):
    _, item = overdue(cast)
    before = AuditEvent.objects.count()
    for decide in (lambda: accountability.dismiss_record(item, by=cast.auditor, reason="  "),
                   lambda: accountability.confirm_record(item, by=cast.auditor, reason="", responsible=[cast.handler_a],
                                                         measures=[Measure.CRITICISM])):
        with pytest.raises(ValidationError, match="请写明理由"):
            decide()
    assert AccountabilityRecord.objects.get(pk=item.pk).status == RecordStatus.PROPOSED
    assert AuditEvent.objects.count() == before


def test_confirming_names_the_responsible_people_and_measures_and_is_followed_to_completion(cast):
    _, item = overdue(cast)
    item = accountability.confirm_record(item, by=cast.auditor, reason="无正当理由超期。",
                                         responsible=[cast.handler_a, cast.head_a],
                                         measures=[Measure.CRITICISM, Measure.INTERVIEW])
    assert item.status == RecordStatus.CONFIRMED and set(item.responsible.all()) == {cast.handler_a, cast.head_a}
    assert item.measure_labels() == ["批评教育", "约谈"]
    with pytest.raises(ValidationError, match="不能再作此处理"):
        accountability.dismiss_record(item, by=cast.bureau, reason="改判")
    item = accountability.complete_record(item, by=cast.bureau, note="已约谈大队长。")
    assert item.status == RecordStatus.COMPLETED
    assert AuditEvent.objects.filter(action__startswith="accountability.").count() == 2


def test_people_outside_audit_cannot_decide(cast):
    _, item = overdue(cast)
    with pytest.raises(Http404):
        accountability.dismiss_record(item, by=cast.supervisor, reason="情有可原")


def test_the_decision_page_refuses_a_missing_reason_with_a_message(cast, login):
    _, item = overdue(cast)
    response = login(cast.auditor).post(f"/supervision/accountability/{item.pk}/", {
        "decide": "1", "d-decision": "dismiss", "d-reason": ""})
    assert response.status_code == 200 and "请写明理由" in response.content.decode()
    assert AccountabilityRecord.objects.get(pk=item.pk).status == RecordStatus.PROPOSED


def test_a_collective_visit_on_an_overdue_matter_is_proposed_for_accountability(cast):
    m, _ = overdue(cast)
    with time_machine.travel(at("2026-05-08 09:00"), tick=False):
        register(cast.clerk, matter=m, head_count=6,
                 person=PetitionerInput(name="群众代表", id_number=id_number("43010519800101129"), is_representative=True))
    assert accountability.scan_events() == 1
    assert AccountabilityRecord.objects.filter(matter=m, ground=Ground.COLLECTIVE).exists()


def test_a_skip_level_petition_on_a_matter_handled_well_proposes_nothing(cast):
    m = handled(cast)
    with time_machine.travel(at("2026-03-10 09:00"), tick=False):
        register(cast.clerk, matter=m, is_skip_level=True)
    assert accountability.scan_events() == 0


def test_a_skip_level_petition_after_a_dismissed_proposal_and_before_the_due_date_proposes_nothing(cast):
    m, item = overdue(cast)
    accountability.dismiss_record(item, by=cast.auditor, reason="因疫情封控延误，情有可原。")
    from xinfang.petitions.models import Matter

    Matter.objects.filter(pk=m.pk).update(current_due=None)  # 例如已答复：时钟停止
    with time_machine.travel(at("2026-05-08 09:00"), tick=False):
        register(cast.clerk, matter=m, is_skip_level=True)
    assert accountability.scan_events() == 0
