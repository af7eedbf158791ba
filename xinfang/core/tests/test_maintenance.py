"""例行清理：事务回滚后留下的文书文件被清掉；有记录的、刚写的文件不动。"""

import os
import time
from pathlib import Path

import pytest
from django.db import transaction

from xinfang.core.maintenance import purge_orphan_files
from xinfang.petitions.documents import issue_document
from xinfang.petitions.models import Document, DocumentKind
from xinfang.petitions.testing import register

pytestmark = pytest.mark.django_db


class RolledBack(Exception):
    pass


def files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def test_a_document_file_left_by_a_rolled_back_transaction_is_removed_after_a_day(settings, tmp_path, cast):
    settings.MEDIA_ROOT = tmp_path
    matter = register(cast.clerk, department=cast.brigade_a)
    with transaction.atomic():
        kept = issue_document(matter, DocumentKind.ACCEPTANCE, by=cast.clerk)
    with pytest.raises(RolledBack), transaction.atomic():
        issue_document(matter, DocumentKind.ACCEPTANCE, by=cast.clerk)
        raise RolledBack
    assert Document.objects.count() == 1
    kept_path = tmp_path / kept.file.name
    orphan = (files(tmp_path) - {kept_path}).pop()

    assert purge_orphan_files() == {"files": 0}  # 刚写的：可能属于还没提交的事务，不动
    day_ago = time.time() - 2 * 86400
    for path in (kept_path, orphan):
        os.utime(path, (day_ago, day_ago))
    fresh = tmp_path / "documents" / "still-being-written.docx"
    fresh.write_bytes(b"")

    assert purge_orphan_files() == {"files": 1}
    assert files(tmp_path) == {kept_path, fresh}
