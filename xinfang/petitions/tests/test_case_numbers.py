"""信访件的关联执法案件编号存入有索引的表：登记、成批登记、更正、造数与迁移都写它，检索按它查。"""

from __future__ import annotations

import importlib
from datetime import date
from types import SimpleNamespace

import pytest
from django.db import connection, transaction

from xinfang.core import clock
from xinfang.petitions import case_numbers, selectors
from xinfang.petitions.actions import corrections
from xinfang.petitions.actions.intake import PetitionerInput, PetitionInput, register_new_petitions
from xinfang.petitions.models import Channel, Petition, PetitionCaseNumber
from xinfang.petitions.testing import id_number, register

pytestmark = pytest.mark.django_db


def rows(petition) -> list[str]:
    return sorted(PetitionCaseNumber.objects.filter(petition=petition).values_list("number", flat=True))


def found(user, q: str) -> list[str]:
    page = selectors.matter_page(user, selectors.MatterFilter(q=q), today=date.today(), page=1, size=30)
    return [m.number for m in page.rows]


def test_parse_splits_normalises_and_deduplicates():
    assert case_numbers.parse(" 2026a00042，２０２６Ａ00042；湘公交决字2026-7 / X-1\n") == [
        "2026A00042", "湘公交决字2026-7", "X-1"]
    assert case_numbers.parse("") == []


def test_registration_stores_each_case_number_and_the_list_finds_it_by_the_index(cast):
    m = register(cast.clerk, department=cast.brigade_a, case_numbers="2026A00042、2026b00077")
    other = register(cast.clerk, department=cast.brigade_a, case_numbers="2026A000421")
    assert rows(m.petitions.get()) == ["2026A00042", "2026B00077"]
    assert found(cast.clerk, "2026A00042") == [m.number]
    assert found(cast.clerk, "2026b00077") == [m.number]
    assert found(cast.clerk, "2026A000421") == [other.number]  # 整个编号对上，不是包含
    assert found(cast.head_b, "2026A00042") == []  # 大队B看不到


def test_a_search_with_a_separator_needs_every_part(cast):
    m = register(cast.clerk, department=cast.brigade_a, case_numbers="2026/0815")
    register(cast.clerk, department=cast.brigade_a, case_numbers="2026A1")
    assert found(cast.clerk, "2026/0815") == [m.number]


def test_a_correction_rewrites_the_rows(cast):
    m = register(cast.clerk, department=cast.brigade_a, case_numbers="2026A00042")
    petition = m.petitions.get()
    corrections.correct_petition(petition, by=cast.clerk, reason="编号登错", case_numbers="2026A00043")
    assert rows(petition) == ["2026A00043"]
    assert found(cast.clerk, "2026A00042") == []
    assert found(cast.clerk, "2026A00043") == [m.number]
    corrections.correct_petition(petition, by=cast.clerk, reason="无关联案件", case_numbers="")
    assert rows(petition) == []


def test_batch_registration_stores_the_rows(cast):
    items = [PetitionInput(channel=Channel.LETTER, received_at=clock.now(), content=f"第{i}件：对处罚决定不服",
                           case_numbers=f"2026C{i:05d}", involved_department=cast.brigade_a,
                           petitioners=[PetitionerInput(name=f"钱{i}", id_number=id_number(), phone="13800138000")])
             for i in range(3)]
    with transaction.atomic():
        petitions = register_new_petitions(items, by=cast.clerk)
    assert [rows(p) for p in petitions] == [[f"2026C{i:05d}"] for i in range(3)]
    assert found(cast.clerk, "2026C00001") == [petitions[1].matter.number]


def test_the_migration_fills_the_rows_for_existing_petitions(cast, monkeypatch):
    a = register(cast.clerk, department=cast.brigade_a, case_numbers="2026A00042,2026a00042 X-1")
    b = register(cast.clerk, department=cast.brigade_a, case_numbers="")
    expected = {p.pk: rows(p) for p in Petition.objects.all()}
    PetitionCaseNumber.objects.all().delete()
    migration = importlib.import_module("xinfang.petitions.migrations.0015_petition_case_numbers")
    monkeypatch.setattr(migration, "BATCH", 1)  # 逐批走到底
    migration.fill(None, SimpleNamespace(connection=connection))  # fill 只用 schema_editor.connection
    assert {p.pk: rows(p) for p in Petition.objects.all()} == expected
    assert expected[a.petitions.get().pk] == ["2026A00042", "X-1"] and expected[b.petitions.get().pk] == []


def test_generated_petitions_have_their_rows(db):
    from xinfang.petitions.generate import generate

    generate(40, seed=3, today=date(2026, 3, 2), batch_size=15)
    with_numbers = Petition.objects.exclude(case_numbers="")
    assert with_numbers.exists()
    for petition in with_numbers:
        assert rows(petition) == sorted(case_numbers.parse(petition.case_numbers))
    assert PetitionCaseNumber.objects.count() == sum(len(case_numbers.parse(p.case_numbers)) for p in with_numbers)
