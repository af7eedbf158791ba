"""换数据密钥：案件当事人的证件号码与信访人的一样由 `xinfang rotate-keys` 重新加密，盲索引随之重算。"""

import os

from django.core.management import call_command
from django.db import connection

from xinfang.core import crypto
from xinfang.screening import risk
from xinfang.screening.importer import import_cases
from xinfang.screening.models import EnforcementCase
from xinfang.screening.privacy import party_id_index
from xinfang.screening.testing import sample_case, write_cases

KEY_A = ("a", bytes(range(32)))
KEY_B = ("b", bytes(range(100, 132)))


def raw(case_no: str) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT party_id_enc, party_id_index FROM screening_enforcementcase WHERE case_no = %s", [case_no])
        return cursor.fetchone()


def test_rotating_keys_re_encrypts_case_parties_and_re_indexes_them(coded, tmp_path, settings):
    settings.DATA_KEYS = [KEY_A]
    path = tmp_path / "c.csv"
    write_cases(path, [sample_case("C1"), sample_case("C2", party_id="32010219900101567X"),
                       sample_case("C3", party_id="")])
    import_cases(path)
    token, old_index = raw("C1")
    assert crypto.key_id_of(token) == "a" and "199001011234" not in token
    settings.DATA_KEYS = [KEY_B, KEY_A]  # 新密钥在前，旧密钥留着读
    assert EnforcementCase.objects.filter(party_id="320102199001011234").get().case_no == "C1"  # 两把的索引都查
    call_command("rotate-keys", "--batch", "2", stdout=open(os.devnull, "w"))
    settings.DATA_KEYS = [KEY_B]  # 旧密钥删去之后
    token, index = raw("C1")
    assert crypto.key_id_of(token) == "b" and index != old_index and index == party_id_index("320102199001011234")
    assert EnforcementCase.objects.get(case_no="C2").party_id == "32010219900101567X"
    assert EnforcementCase.objects.filter(party_id="320102199001011234").get().case_no == "C1"
    assert raw("C3") == ("", "")
    # 同一当事人的案件在新密钥下仍归为一组（"当事人此前有案件引发信访"要靠它）。
    columns = risk.load_columns()
    assert len(set(columns["party"].tolist())) == 3  # C1、C2 两个当事人，C3 无号码（-1）
    # 再导入同一文件：仍是"未变"（摘要按当前密钥的索引算，换过密钥的行也对得上）。
    again = import_cases(path).run
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
