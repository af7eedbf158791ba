"""信访人的身份证号、电话、地址：页面上脱敏，需要时看完整的并记审计；迁移把已有明文加密。"""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from xinfang.audit.models import AuditEvent
from xinfang.petitions.models import Petitioner
from xinfang.petitions.testing import id_number, register


@pytest.fixture
def matter(cast):
    return register(cast.clerk, department=cast.brigade_a)


def test_the_matter_page_shows_masked_numbers_only(cast, matter, login):
    html = login(cast.handler_a).get(f"/petitions/matters/{matter.pk}/").content.decode()
    assert "138****8000" in html and "4301**********" in html
    assert "13800138000" not in html and id_number() not in html and "显示完整" in html


def test_showing_the_full_numbers_is_a_post_and_is_audited(cast, matter, login):
    person = Petitioner.objects.get()
    url = f"/petitions/matters/{matter.pk}/petitioners/{person.pk}/full/"
    client = login(cast.handler_a)
    assert client.get(url).status_code == 405  # GET 不写审计，所以也不给看
    response = client.post(url)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert "13800138000" in html and id_number() in html and "示范市" in html
    event = AuditEvent.objects.filter(action="personal_data.read", actor=cast.handler_a,
                                      object_type="petitions.petitioner").get()
    assert event.changes["matter"] == [None, matter.number]
    assert event.changes["fields"] == [None, ["id_number", "phone", "address"]]


@pytest.mark.parametrize("who", ["handler_b", "auditor", "supervisor"])
def test_people_outside_the_matter_or_without_a_contact_role_cannot_see_full_numbers(cast, matter, login, who):
    person = Petitioner.objects.get()
    response = login(getattr(cast, who)).post(f"/petitions/matters/{matter.pk}/petitioners/{person.pk}/full/")
    assert response.status_code in (403, 404)  # 看不到事项：404；看得到但无权：403（权限表）
    assert not AuditEvent.objects.filter(object_type="petitions.petitioner", actor=getattr(cast, who)).exists()


def test_a_petitioner_of_another_matter_cannot_be_opened_through_this_one(cast, matter, login):
    from xinfang.petitions.actions.intake import PetitionerInput

    register(cast.clerk, department=cast.brigade_a, person=PetitionerInput(name="李四", phone="13700000000"))
    stranger = Petitioner.objects.get(name="李四")
    url = f"/petitions/matters/{matter.pk}/petitioners/{stranger.pk}/full/"
    assert login(cast.handler_a).post(url).status_code == 404


def test_the_intake_history_lookup_finds_the_person_by_id_number_and_phone(cast, matter, login):
    client = login(cast.clerk)
    assert matter.number in client.get("/petitions/intake/history/", {"id_number": id_number().lower()}).content.decode()
    assert matter.number in client.get("/petitions/intake/history/", {"phone": "13800138000"}).content.decode()
    reprs = list(AuditEvent.objects.filter(action="personal_data.read", object_type="petitions.petitioner")
                 .order_by("pk").values_list("object_repr", flat=True))
    assert reprs == ["4301**********" + id_number()[-4:], "138****8000"]


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_existing_plain_rows_and_drops_the_plain_columns():
    executor = MigrationExecutor(connection)
    executor.migrate([("petitions", "0009_matter_discipline_body_matter_matter_type")])
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO petitions_petitioner (kind, name, id_number, phone, address, created_at) "
            "VALUES ('person', %s, %s, %s, %s, '2026-01-01 00:00:00+00:00')",
            [(f"人{i}", id_number(f"4301051980010{i:04d}"), f"1390013{i:04d}", f"示范市{i}号") for i in range(2_500)])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    with connection.cursor() as cursor:
        columns = {c.name for c in connection.introspection.get_table_description(cursor, "petitions_petitioner")}
        cursor.execute("SELECT phone_enc FROM petitions_petitioner ORDER BY id LIMIT 1")
        raw = cursor.fetchone()[0]
    assert {"id_number", "phone", "address"}.isdisjoint(columns) and {"id_number_enc", "phone_index"} <= columns
    assert "1390013" not in raw
    found = Petitioner.objects.get(phone="13900132400")
    assert (found.name, found.id_number, found.address) == ("人2400", id_number("43010519800102400"), "示范市2400号")
    assert Petitioner.objects.filter(id_number=id_number("43010519800100007")).get().name == "人7"
