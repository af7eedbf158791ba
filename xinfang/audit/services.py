"""The one way to write the audit trail. Every write path calls `record` inside its own transaction."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterable

from django.db import models, transaction

from xinfang.core import clock

from .models import AuditEvent

Changes = dict[str, list[Any]]


def plain(value: Any) -> Any:
    """把字段值变成可存入 JSON、人也读得懂的形式。"""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return sorted(plain(v) for v in value)
    return value


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """取实例若干字段当前的值（外键取其 id），供写之前/写之后比较。"""
    values = {}
    for name in fields:
        field = instance._meta.get_field(name)
        if field.many_to_many:
            values[name] = sorted(str(v) for v in getattr(instance, name).all()) if instance.pk else []
        elif field.is_relation:
            values[name] = getattr(instance, field.attname)
        else:
            values[name] = getattr(instance, name)
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> Changes:
    """两次快照之间变化了的字段：{字段: [之前, 之后]}。"""
    return {
        name: [plain(before.get(name)), plain(after[name])]
        for name in after
        if plain(before.get(name)) != plain(after[name])
    }


def record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_repr: str = "",
    changes: Changes | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """写一条审计记录。必须在调用方的事务之内调用，确保"改了就有记录，没记录就没改"。"""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record 必须在写操作的同一事务中调用")
    actor = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        at=clock.now(),
        actor=actor,
        actor_name=(actor.get_full_name() if actor else "系统"),
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        object_repr=object_repr[:200],
        changes=changes or {},
        ip=ip,
    )
