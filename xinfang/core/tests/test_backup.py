"""备份与恢复：恢复后数据与上传文件回到备份时；被改动的备份、缺校验文件、密钥不对都拒绝且不写。"""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from xinfang.petitions.models import Petitioner
from xinfang.petitions.testing import id_number

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "attachments").mkdir(parents=True)
    (settings.MEDIA_ROOT / "attachments" / "scan.pdf").write_bytes(b"%PDF-1.4 original")
    return settings.MEDIA_ROOT


def make_backup(tmp_path) -> Path:
    out = io.StringIO()
    call_command("backup", "--out", str(tmp_path / "backups"), stdout=out)
    tars = sorted((tmp_path / "backups").glob("*.tar"))
    assert len(tars) == 1 and "已备份" in out.getvalue()
    return tars[0]


def test_restore_brings_back_the_database_and_the_uploaded_files(media, tmp_path):
    Petitioner.objects.create(name="张三", id_number=id_number(), phone="13800138000")
    path = make_backup(tmp_path)
    Petitioner.objects.create(name="李四", phone="13900139000")
    Petitioner.objects.filter(name="张三").delete()
    (media / "attachments" / "scan.pdf").write_bytes(b"changed")
    (media / "attachments" / "new.pdf").write_bytes(b"new")

    call_command("restore", str(path), "--yes", stdout=io.StringIO())

    assert list(Petitioner.objects.values_list("name", flat=True)) == ["张三"]
    assert Petitioner.objects.get(phone="13800138000").id_number == id_number()  # 密文与盲索引都在
    assert (media / "attachments" / "scan.pdf").read_bytes() == b"%PDF-1.4 original"
    assert not (media / "attachments" / "new.pdf").exists()
    assert list(media.parent.glob("media.before-restore-*/attachments/new.pdf"))  # 原目录保留着


def test_a_tampered_backup_is_refused_and_nothing_is_written(media, tmp_path):
    Petitioner.objects.create(name="张三")
    path = make_backup(tmp_path)
    Petitioner.objects.create(name="李四")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="SHA-256 与校验文件不符"):
        call_command("restore", str(path), "--yes")
    assert Petitioner.objects.count() == 2 and (media / "attachments" / "scan.pdf").exists()


def test_a_backup_without_its_checksum_file_or_confirmation_is_refused(media, tmp_path):
    path = make_backup(tmp_path)
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(path))
    path.with_name(path.name + ".sha256").unlink()
    with pytest.raises(CommandError, match="缺少校验文件"):
        call_command("restore", str(path), "--yes")


def test_a_backup_whose_data_keys_are_not_configured_is_refused(media, tmp_path, settings):
    settings.DATA_KEYS = [("a", bytes(range(32)))]
    Petitioner.objects.create(name="张三", phone="13800138000")
    path = make_backup(tmp_path)
    settings.DATA_KEYS = [("a", bytes(32))]  # 同名、不同的密钥
    with pytest.raises(CommandError, match="不是同一把"):
        call_command("restore", str(path), "--yes")
    settings.DATA_KEYS = [("b", bytes(32))]
    with pytest.raises(CommandError, match="密钥 a"):
        call_command("restore", str(path), "--yes")
    settings.DATA_KEYS = [("a", bytes(range(32)))]
    assert Petitioner.objects.get().phone == "13800138000"
