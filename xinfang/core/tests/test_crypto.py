"""个人资料加密：密文、盲索引、换密钥、错密钥、缺密钥、被改动的密文、脱敏。"""

import base64
import os
import subprocess
import sys

import pytest
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection

from xinfang.core import crypto
from xinfang.petitions.models import Petitioner
from xinfang.petitions.testing import id_number

KEY_A = ("a", bytes(range(32)))
KEY_B = ("b", bytes(range(100, 132)))


def raw_row(pk: int) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number_enc, id_number_index, phone_enc, phone_index, address_enc "
                       "FROM petitions_petitioner WHERE id = %s", [pk])
        return dict(zip(("id_number", "id_number_index", "phone", "phone_index", "address"), cursor.fetchone()))


def person(**kwargs) -> Petitioner:
    values = {"name": "张三", "id_number": id_number(), "phone": "13800138000", "address": "示范市人民路1号"} | kwargs
    return Petitioner.objects.create(**values)


def test_the_database_holds_ciphertext_and_python_sees_the_plain_value(db):
    p = person()
    row = raw_row(p.pk)
    for name in ("id_number", "phone", "address"):
        assert getattr(p, name) not in row[name] and "$" in row[name]
    fresh = Petitioner.objects.get(pk=p.pk)
    assert (fresh.id_number, fresh.phone, fresh.address) == (id_number(), "13800138000", "示范市人民路1号")
    # 随机数：同一个号码两次加密得到不同的密文，但盲索引相同（这样才能找到同一个人）
    other = raw_row(person().pk)
    assert other["id_number"] != row["id_number"] and other["id_number_index"] == row["id_number_index"]


def test_same_person_is_found_by_the_blind_index_whatever_the_spelling(db):
    p = person(id_number=id_number("11010519491231002"), phone="13800138000")
    assert p.id_number.endswith("X")
    assert list(Petitioner.objects.filter(id_number=p.id_number.lower())) == [p]
    assert list(Petitioner.objects.filter(phone="+86 138-0013-8000")) == [p]
    assert list(Petitioner.objects.filter(phone__in=["13900000000", "138 0013 8000"])) == [p]
    assert not Petitioner.objects.filter(phone="13800138001").exists()


def test_saving_only_the_phone_also_updates_its_index(db):
    p = person()
    p.phone = "13911112222"
    p.save(update_fields=["phone"])
    assert list(Petitioner.objects.filter(phone="13911112222")) == [p]
    assert not Petitioner.objects.filter(phone="13800138000").exists()


def test_lookups_that_cannot_work_on_ciphertext_are_refused_not_silently_empty(db):
    with pytest.raises(FieldError, match="精确查找"):
        list(Petitioner.objects.filter(phone__contains="138"))
    with pytest.raises(FieldError):
        list(Petitioner.objects.filter(id_number__startswith="4301"))


def test_rotate_keys_moves_every_row_to_the_first_key_and_old_key_can_then_go(db, settings):
    settings.DATA_KEYS = [KEY_A]
    people = [person(id_number=id_number(f"4301051980010{i:04d}"), phone=f"1380013{i:04d}") for i in range(5)]
    settings.DATA_KEYS = [KEY_B, KEY_A]  # 新密钥在前，旧密钥留着读
    assert Petitioner.objects.get(pk=people[0].pk).phone == "13800130000"
    assert Petitioner.objects.filter(phone="13800130003").get() == people[3]  # 查找时两把密钥的索引都查
    call_command("rotate-keys", "--batch", "2", stdout=open(os.devnull, "w"))
    assert {crypto.key_id_of(raw_row(p.pk)[f]) for p in people for f in ("id_number", "phone", "address")} == {"b"}
    settings.DATA_KEYS = [KEY_B]
    assert [p.phone for p in Petitioner.objects.order_by("pk")] == [f"1380013{i:04d}" for i in range(5)]
    assert Petitioner.objects.filter(id_number=people[4].id_number).get() == people[4]


def test_a_wrong_key_or_a_missing_key_fails_loudly_naming_the_key(db, settings):
    settings.DATA_KEYS = [KEY_A]
    p = person()
    settings.DATA_KEYS = [("a", bytes(32))]  # 同一 id、不同的密钥
    with pytest.raises(crypto.DataKeyError, match="密钥 a 不对"):
        Petitioner.objects.get(pk=p.pk)
    settings.DATA_KEYS = [KEY_B]
    with pytest.raises(crypto.DataKeyError, match="XINFANG_DATA_KEYS 中没有它"):
        Petitioner.objects.get(pk=p.pk)


def test_a_tampered_or_moved_ciphertext_is_refused(db):
    p, q = person(), person(phone="13911112222")
    token = raw_row(p.pk)["phone"]
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE petitions_petitioner SET phone_enc = %s WHERE id = %s", [flipped, p.pk])
        # 把别的列的密文搬过来（附加数据是"表.列"）：也解不开
        cursor.execute("UPDATE petitions_petitioner SET address_enc = %s WHERE id = %s", [raw_row(q.pk)["phone"], q.pk])
    with pytest.raises(crypto.DataKeyError, match="被改动"):
        Petitioner.objects.get(pk=p.pk)
    with pytest.raises(crypto.DataKeyError):
        Petitioner.objects.get(pk=q.pk)


def test_masks_show_only_the_ends():
    assert crypto.mask_id_number("440106198001011237") == "4401**********1237"
    assert crypto.mask_phone("13812345678") == "138****5678"
    assert crypto.mask_phone("") == "" and crypto.mask_id_number("123") == "***"


def _start(tmp_path, code: str, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("XINFANG_")}
    environment.update({"XINFANG_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "xinfang.settings", **env})
    done = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=180)
    return done.returncode, done.stdout + done.stderr


@pytest.mark.parametrize("value", ["nokey", "a:c2hvcnQ=", "bad id:" + base64.b64encode(bytes(32)).decode(),
                                   "a:" + base64.b64encode(bytes(32)).decode() + ",a:" + base64.b64encode(bytes(32)).decode()])
def test_a_bad_data_keys_value_stops_start_up_naming_the_variable(tmp_path, value):
    code, out = _start(tmp_path, "import django; django.setup()", XINFANG_DATA_KEYS=value)
    assert code != 0 and "XINFANG_DATA_KEYS" in out, out


def test_production_web_start_up_without_data_keys_is_refused_naming_the_variable(tmp_path):
    code, out = _start(tmp_path, "import xinfang.wsgi", XINFANG_DEBUG="false", XINFANG_HTTPS="true")
    assert code != 0 and "ImproperlyConfigured" in out and "XINFANG_DATA_KEYS" in out, out
    key = "k1:" + base64.b64encode(os.urandom(32)).decode()
    code, out = _start(tmp_path, "import xinfang.wsgi; print('started')", XINFANG_HTTPS="true", XINFANG_DATA_KEYS=key)
    assert code == 0 and "started" in out, out


def test_development_generates_a_private_key_file_once(tmp_path):
    code, out = _start(tmp_path, "import django; django.setup(); from django.conf import settings as s; "
                                 "print(s.DATA_KEYS[0][0], s.DATA_KEYS_GENERATED)", XINFANG_HTTPS="false")
    assert code == 0 and out.split() == ["dev", "True"], out
    assert (tmp_path / "data_keys").stat().st_mode & 0o777 == 0o600
