"""登记：校验、集体访代表人数、附件、同一信访人的历史、终结后的重复信访。"""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from xinfang.audit.models import AuditEvent
from xinfang.petitions.actions.intake import PetitionerInput
from xinfang.petitions.models import Matter, Petition, Petitioner
from xinfang.petitions.testing import id_number, register
from xinfang.petitions.validators import id_number_problem, phone_problem, uscc_problem

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.parametrize(("value", "ok"), [
    (id_number("11010519491231002"), True),
    ("110105194912310020", False),          # 校验位错
    ("110105194902300021", False),          # 2 月 30 日
    ("1101051949123100", False),            # 位数不够
])
def test_id_numbers_are_checked_by_their_checksum(value, ok):
    assert (id_number_problem(value) is None) is ok


def test_unified_social_credit_codes_and_phones_are_checked():
    assert uscc_problem("91350100M000100Y43") is None
    assert uscc_problem("91350100M000100Y44") is not None
    assert phone_problem("13800138000") is None and phone_problem("0731-84567890") is None
    assert phone_problem("12345") is not None


def test_an_invalid_id_number_is_refused_naming_the_field_and_nothing_is_written(cast):
    before = (Matter.objects.count(), Petition.objects.count(), Petitioner.objects.count())
    with pytest.raises(ValidationError) as caught:
        register(cast.clerk, person=PetitionerInput(name="李四", id_number="430105198001011230"))
    assert "身份证号码校验位不正确" in caught.value.message_dict["id_number"][0]
    assert (Matter.objects.count(), Petition.objects.count(), Petitioner.objects.count()) == before


def test_a_collective_petition_with_six_representatives_is_refused_citing_the_article(cast):
    from xinfang.petitions.actions.intake import PetitionInput, register_petition
    from xinfang.core import clock

    people = [PetitionerInput(name=f"代表{i}", is_representative=True) for i in range(6)]
    with pytest.raises(ValidationError, match="第二十条"):
        register_petition(PetitionInput(channel="visit", received_at=clock.now(), content="集体反映",
                                        petitioners=people, head_count=30), by=cast.clerk)
    assert not Matter.objects.exists()


def test_a_collective_petition_records_its_head_count_and_five_representatives(cast):
    from xinfang.petitions.actions.intake import PetitionInput, register_petition
    from xinfang.core import clock

    people = [PetitionerInput(name=f"代表{i}", is_representative=True) for i in range(5)]
    petition = register_petition(PetitionInput(channel="visit", received_at=clock.now(), content="集体反映",
                                               petitioners=people, head_count=30, is_skip_level=True), by=cast.clerk)
    assert petition.is_collective and petition.head_count == 30 and petition.matter.is_collective
    assert petition.matter.is_skip_level


@pytest.mark.parametrize(("name", "content", "message"), [
    ("big.pdf", b"%PDF" + b"0" * (2 * 1024 * 1024), "超过"),
    ("run.exe", b"MZ....", "类型不允许"),
    ("fake.pdf", b"MZ....", "内容与扩展名不符"),
])
def test_bad_attachments_are_refused(cast, settings, name, content, message):
    settings.ATTACHMENT_MAX_MB = 1
    with pytest.raises(ValidationError, match=message):
        register(cast.clerk, attachments=[SimpleUploadedFile(name, content)])
    assert not Matter.objects.exists()


def test_an_attachment_is_kept_with_its_size_and_checksum(cast):
    import hashlib

    body = b"%PDF-1.4 test"
    m = register(cast.clerk, attachments=[SimpleUploadedFile("scan.pdf", body, content_type="application/pdf")])
    attachment = m.petitions.get().attachments.get()
    assert attachment.size == len(body) and attachment.sha256 == hashlib.sha256(body).hexdigest()


def test_the_same_person_is_one_petitioner_and_a_second_petition_on_a_matter_is_a_repeat(cast):
    first = register(cast.clerk, department=cast.brigade_a)
    again = register(cast.clerk, matter=first, person=PetitionerInput(name="张三", id_number=id_number(), phone="13900139000",
                                                                      update_contact=True))
    assert Petitioner.objects.count() == 1 and Petitioner.objects.get().phone == "13900139000"
    assert again.petition_count == 2 and again.petitions.last().is_repeat


def test_intake_history_shows_the_persons_earlier_petitions_and_audits_the_lookup(cast, login):
    register(cast.clerk, department=cast.brigade_a, title="扣车异议")
    client = login(cast.clerk)
    body = client.get("/petitions/intake/history/", {"id_number": id_number()}).content.decode()
    assert "扣车异议" in body and "并入此事项" in body
    assert AuditEvent.objects.filter(action="personal_data.read", actor=cast.clerk).exists()
    assert "未找到" in client.get("/petitions/intake/history/", {"phone": "13111111111"}).content.decode()


def test_intake_history_is_limited_to_what_the_user_may_see(cast, login):
    register(cast.clerk, department=cast.brigade_a, title="扣车异议")
    body = login(cast.handler_b).get("/petitions/intake/history/", {"id_number": id_number()}).content.decode()
    assert "扣车异议" not in body


def test_the_intake_page_registers_and_keeps_what_was_typed_on_error(cast, login):
    client = login(cast.clerk)
    form = {
        "p-TOTAL_FORMS": "1", "p-INITIAL_FORMS": "0", "p-MIN_NUM_FORMS": "1", "p-MAX_NUM_FORMS": "50",
        "p-0-name": "王五", "p-0-kind": "person", "p-0-id_number": "430105198001011230", "p-0-phone": "13800138000",
        "channel": "visit", "received_at": "2026-03-02T09:00", "content": "扣车后未出具凭证", "head_count": "1",
    }
    body = client.post("/petitions/intake/", form).content.decode()
    assert "身份证号码校验位不正确" in body and "扣车后未出具凭证" in body and not Matter.objects.exists()
    form["p-0-id_number"] = id_number()
    response = client.post("/petitions/intake/", form)
    matter = Matter.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/petitions/matters/{matter.pk}/"


def test_a_repeat_on_a_terminated_matter_is_registered_and_the_page_says_not_accepted_again(cast, login):
    m = register(cast.clerk, department=cast.brigade_a)
    Matter.objects.filter(pk=m.pk).update(status="terminated")
    client = login(cast.clerk)
    form = {
        "p-TOTAL_FORMS": "1", "p-INITIAL_FORMS": "0", "p-MIN_NUM_FORMS": "1", "p-MAX_NUM_FORMS": "50",
        "p-0-name": "张三", "p-0-kind": "person", "p-0-id_number": id_number(),
        "channel": "letter", "received_at": "2026-03-02T09:00", "content": "还是那件事", "head_count": "1",
        "attach_to": str(m.pk),
    }
    body = client.post("/petitions/intake/", form, follow=True).content.decode()
    assert "不再受理" in body and "出具不再受理告知书" in body
    assert Petition.objects.filter(matter=m).count() == 2


def test_only_intake_roles_may_open_the_intake_page(cast, login):
    assert login(cast.handler_a).get("/petitions/intake/").status_code == 404
    assert login(cast.clerk).get("/petitions/intake/").status_code == 200


def test_an_unverified_online_submission_cannot_change_an_existing_petitioners_contact(cast):
    register(cast.clerk, department=cast.brigade_a)
    register(None, department=cast.brigade_a, person=PetitionerInput(name="冒名", id_number=id_number(), phone="13700000000"))
    original = Petitioner.objects.filter(id_number=id_number()).order_by("pk").first()
    assert (original.name, original.phone) == ("张三", "13800138000")
    assert Petitioner.objects.filter(id_number=id_number()).count() == 2
