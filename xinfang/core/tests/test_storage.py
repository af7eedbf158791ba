"""事务里写下的文件：提交则留下，回滚（含保存点回滚）则删掉。"""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from xinfang.petitions.models import Attachment
from xinfang.petitions.testing import register

PDF = b"%PDF-1.4\n" + b"0" * 100

pytestmark = pytest.mark.django_db(transaction=True)


def scan(name="scan.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


class Boom(Exception):
    pass


def test_an_attachment_written_in_a_rolled_back_registration_is_removed(cast, settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(Boom):
        with transaction.atomic():
            matter = register(cast.clerk, attachments=[scan()])
            path = Path(matter.petitions.get().attachments.get().file.path)
            assert path.exists()
            raise Boom  # 登记之后、提交之前出错：整个事务回滚
    assert not Attachment.objects.exists()
    client.get("/healthz")  # 请求结束时清理
    assert not path.exists()


def test_a_committed_attachment_stays_and_a_rolled_back_savepoint_loses_only_its_own(cast, settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path
    with transaction.atomic():
        kept = register(cast.clerk, attachments=[scan("kept.pdf")])
        try:
            with transaction.atomic():
                gone = register(cast.clerk, attachments=[scan("gone.pdf")])
                gone_path = Path(gone.petitions.get().attachments.get().file.path)
                raise Boom
        except Boom:
            pass
    kept_path = Path(kept.petitions.get().attachments.get().file.path)
    client.get("/healthz")
    assert kept_path.exists() and not gone_path.exists()
    assert list(Attachment.objects.values_list("name", flat=True)) == ["kept.pdf"]
