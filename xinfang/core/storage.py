"""上传与生成的文件：在事务里写下的文件，事务回滚后删掉。

Django 只有 on_commit，没有 on_rollback。这里的做法：在事务里写文件时把它记进本连接的"待定"表，并登记一个
on_commit 回调把它从表里划掉；事务（或它所在的保存点）回滚时 Django 丢弃这个回调，文件就一直留在表里。
连接回到自动提交（不在任何事务里）之后，表里还剩的文件就是回滚了的：下一次写文件时、每个请求结束时
（request_finished）删掉它们。进程在提交前被杀留下的文件，仍由 core.maintenance.purge_orphan_files 清理。
"""

from __future__ import annotations

import logging

from django.core.files.storage import FileSystemStorage
from django.core.signals import request_finished
from django.db import DEFAULT_DB_ALIAS, connections, transaction

log = logging.getLogger(__name__)
_PENDING = "_xinfang_files_pending_commit"


def _pending(connection) -> list:
    return connection.__dict__.setdefault(_PENDING, [])


def track(storage, name: str, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """记下一个刚写入的文件：所在事务提交则保留，回滚则删除。"""
    connection = connections[using]
    discard_rolled_back_files(using=using)
    if not connection.in_atomic_block:
        return  # 自动提交：记录随后自己提交，没有可回滚的
    entry = (storage, name)
    pending = _pending(connection)
    pending.append(entry)

    def committed() -> None:
        if entry in pending:
            pending.remove(entry)

    transaction.on_commit(committed, using=using)


def discard_rolled_back_files(*, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """连接不在事务中时：删掉写于已回滚事务里的文件，返回删了哪些。"""
    connection = connections[using]
    pending = connection.__dict__.get(_PENDING)
    if not pending or connection.in_atomic_block:
        return []
    removed = []
    while pending:
        storage, name = pending.pop()
        try:
            storage.delete(name)
            removed.append(name)
        except OSError:
            log.warning("事务回滚后删除文件 %s 失败，留给孤立文件清理", name, exc_info=True)
    return removed


class TransactionalFileSystemStorage(FileSystemStorage):
    """默认存储：与 FileSystemStorage 相同，另把事务里写下的文件交给 track。"""

    def _save(self, name, content):
        name = super()._save(name, content)
        track(self, name)
        return name


def _after_request(**kwargs) -> None:
    for connection in connections.all(initialized_only=True):
        discard_rolled_back_files(using=connection.alias)


request_finished.connect(_after_request, dispatch_uid="xinfang.core.storage")
