"""审计链是证据：每条记录接在前一条之后，改过、删过的记录被 `xinfang audit verify` 指出；
PostgreSQL 上应用的数据库账号改不了、删不掉审计记录；来源地址随请求记下。"""

import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction

from xinfang.audit import chain
from xinfang.audit.models import AuditChainHead, AuditEvent
from xinfang.audit.services import record
from xinfang.org import services

pytestmark = pytest.mark.django_db


def _tamper(sql: str, params=()) -> None:
    """像有数据库管理权限的人那样绕过触发器直接改表（触发器随测试事务回滚恢复）。"""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # 超级用户可让本事务不触发触发器；应用自己的账号做不到（这正是要防的）。
            cursor.execute("SET LOCAL session_replication_role = replica")
        else:
            cursor.execute("DROP TRIGGER audit_append_only")
        cursor.execute(sql, params)


def _some_rows(cast, n=4):
    for i in range(n):
        services.update_staff(cast.handler_b, by=cast.admin, phone=f"1390000000{i}")
    return list(AuditEvent.objects.order_by("pk"))


def test_each_row_holds_the_hash_of_the_one_before(cast):
    rows = _some_rows(cast)
    assert rows[0].prev_hash == ""
    for before, after in zip(rows, rows[1:]):
        assert after.prev_hash == before.hash and len(after.hash) == 64
    head = AuditChainHead.objects.get(pk=1)
    assert (head.last_id, head.last_hash) == (rows[-1].pk, rows[-1].hash)
    assert chain.verify().ok
    call_command("audit", "verify")


def test_verify_names_the_row_changed_by_hand(cast):
    rows = _some_rows(cast)
    victim = rows[len(rows) // 2]
    _tamper("UPDATE audit_auditevent SET actor_name = %s WHERE id = %s", ["别人", victim.pk])
    verdict = chain.verify()
    assert verdict.broken_id == victim.pk and "改过" in verdict.reason
    with pytest.raises(CommandError, match=f"第 {victim.pk} 号"):
        call_command("audit", "verify")


def test_verify_names_the_row_after_one_deleted_by_hand(cast):
    rows = _some_rows(cast)
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [rows[2].pk])
    verdict = chain.verify()
    assert verdict.broken_id == rows[3].pk and "前一行" in verdict.reason


def test_verify_notices_the_last_rows_deleted_by_hand(cast):
    rows = _some_rows(cast)
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [rows[-1].pk])
    verdict = chain.verify()
    assert not verdict.ok and "链头" in verdict.reason


def test_the_app_cannot_update_an_audit_row(cast):
    rows = _some_rows(cast, 1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=rows[0].pk).update(actor_name="别人")
    assert AuditEvent.objects.get(pk=rows[0].pk).actor_name == rows[0].actor_name


def test_the_app_cannot_delete_an_audit_row_on_postgresql(cast):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite 上只禁止 UPDATE：pytest-django 在 SQLite 上用 DELETE 清库；删除由哈希链查出（上一条测试）")
    rows = _some_rows(cast, 1)
    with pytest.raises(DatabaseError, match="只能追加"), transaction.atomic():
        AuditEvent.objects.filter(pk=rows[0].pk).delete()
    assert AuditEvent.objects.filter(pk=rows[0].pk).exists()


def test_a_staff_member_with_audit_rows_cannot_be_deleted_only_deactivated(cast):
    from django.db.models import ProtectedError

    _some_rows(cast, 1)  # 管理员改过人，留下以他为操作人的审计行
    with pytest.raises(ProtectedError), transaction.atomic():
        cast.admin.delete()
    assert AuditEvent.objects.filter(actor=cast.admin).exists()


@pytest.mark.django_db(transaction=True)
def test_two_transactions_appending_at_once_do_not_fork_the_chain(cast):
    # PostgreSQL 上真正并发；SQLite 上写事务整库串行，同样必须接成一条链。
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def append(i: int) -> None:
        try:
            start.wait(timeout=30)
            for j in range(5):
                with transaction.atomic():
                    record(actor=None, action="test.concurrent", object_type="t", object_id=f"{i}-{j}")
        except BaseException as exc:  # noqa: BLE001 交给主线程断言
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert AuditEvent.objects.filter(action="test.concurrent").count() == 20
    hashes = list(AuditEvent.objects.values_list("prev_hash", flat=True))
    assert len(hashes) == len(set(hashes)), "两行接在了同一行后面"
    assert chain.verify().ok


def test_reads_and_writes_through_pages_record_the_source_address_and_matter(cast, client):
    from xinfang.petitions.testing import register

    matter = register(cast.clerk, department=cast.brigade_a)
    client.force_login(cast.clerk)
    assert client.get(f"/petitions/matters/{matter.pk}/", REMOTE_ADDR="10.1.2.3").status_code == 200
    read = AuditEvent.objects.filter(action="personal_data.read").latest("pk")
    assert (read.ip, read.matter_number, read.actor) == ("10.1.2.3", matter.number, cast.clerk)
    client.force_login(cast.handler_a)  # 办理情况由牵头单位的承办人记（权限表）
    client.post(f"/petitions/matters/{matter.pk}/note/", {"text": "电话联系信访人"}, REMOTE_ADDR="10.1.2.4")
    note = AuditEvent.objects.filter(action="matter.note").latest("pk")
    assert (note.ip, note.matter_number) == ("10.1.2.4", matter.number)


def test_the_auditor_page_speaks_chinese_and_filters_by_matter_person_and_action(cast, client):
    from xinfang.petitions.testing import register

    one = register(cast.clerk, department=cast.brigade_a)
    other = register(cast.clerk, department=cast.brigade_b, content="对停车收费有异议")
    services.update_staff(cast.handler_b, by=cast.admin, phone="13900000009")
    client.force_login(cast.auditor)
    body = client.get("/audit/", {"matter_number": one.number}).content.decode()
    assert "登记信访" in body and one.number in body and other.number not in body
    assert '<td title="petition.register">登记信访</td>' in body
    body = client.get("/audit/", {"action": "修改人员", "actor": "管理员"}).content.decode()
    assert "13900000009" in body and "联系电话" in body
    assert one.number not in body
