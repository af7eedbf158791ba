"""例行清理：过期会话、已过期的登录锁定、没有记录引用的上传文件。"""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import models

from xinfang.core import clock

# 只删这么久以前的孤立文件：文件先于记录写入，写到一半的事务还没提交时，它的文件看起来也是孤立的。
ORPHAN_GRACE = timedelta(days=1)


def purge_expired() -> dict[str, int]:
    from xinfang.org.lockout import purge_expired_locks

    sessions, _ = Session.objects.filter(expire_date__lt=clock.now()).delete()
    return {"sessions": sessions, "locks": purge_expired_locks()}


def _file_fields() -> list[tuple[type[models.Model], models.FileField]]:
    return [(model, field) for model in apps.get_models() for field in model._meta.get_fields()
            if isinstance(field, models.FileField) and isinstance(field.upload_to, str) and field.upload_to]


def purge_orphan_files() -> dict[str, int]:
    """删除上传目录（附件、文书、督办单、模板）里没有任何记录引用的文件。

    文书、附件在事务里先写文件再写记录；事务回滚时 core.storage 随即删掉文件，但进程在提交前被杀时
    文件还在、记录没了。这里按各 FileField 的上传目录
    逐个核对，只删一天以前的、没有记录引用的文件，返回删了几个。
    """
    root = Path(settings.MEDIA_ROOT)
    referenced: set[str] = set()
    folders: set[str] = set()
    for model, field in _file_fields():
        folders.add(field.upload_to.split("/", 1)[0])
        names = model._default_manager.exclude(**{field.name: ""}).values_list(field.name, flat=True)
        referenced.update(names.iterator(chunk_size=10_000))
    cutoff = time.time() - ORPHAN_GRACE.total_seconds()
    removed = 0
    for folder in sorted(folders):
        for path in (root / folder).rglob("*"):
            if path.is_file() and path.stat().st_mtime < cutoff and path.relative_to(root).as_posix() not in referenced:
                path.unlink()
                removed += 1
    return {"files": removed}
