"""The one way to write the audit trail. Every write path calls `record` inside its own transaction."""

from __future__ import annotations

import ipaddress
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterable

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction

from xinfang.core import clock

from . import chain, context
from .models import AuditChainHead, AuditEvent

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


def _ip(value: str | None) -> str | None:
    """规范化来源地址；不是合法 IP 的（如 "unknown"）存为空，免得 PostgreSQL 的 inet 列拒收。"""
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _matter_number(obj: models.Model | None) -> str:
    """写操作涉及的事项编号：对象本身是事项，或它有一个指向事项的外键。不导入 petitions（它依赖本模块）。"""
    if obj is None:
        return ""
    if obj._meta.label_lower == "petitions.matter":
        return obj.number or ""
    try:
        field = obj._meta.get_field("matter")
    except Exception:
        return ""
    if not field.is_relation or field.related_model._meta.label_lower != "petitions.matter":
        return ""
    if not getattr(obj, field.attname, None):
        return ""
    return getattr(obj.matter, "number", "") or ""


def _fit(value: str, field: str) -> str:
    return (value or "")[: AuditEvent._meta.get_field(field).max_length]


def _head() -> AuditChainHead:
    # 锁链头：PostgreSQL 上两个同时追加的事务排队，后一个等前一个提交后接在它后面；
    # SQLite 的写事务本来就整库串行（IMMEDIATE）。链头行在迁移中建好；测试清库后这里补建。
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditChainHead.objects.get_or_create(pk=1)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def _event(*, actor, action: str, obj: models.Model | None, object_type: str, object_id: str | int,
           object_repr: str, changes: Changes | None, ip: str | None, matter_number: str) -> AuditEvent:
    """一条尚未接链、尚未保存的审计记录。"""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)
        matter_number = matter_number or _matter_number(obj)
    actor = actor if getattr(actor, "is_authenticated", False) else None
    # 先按数据库读回的样子规范化字段变化（元组变列表、日期变字符串），算出的哈希与日后核对时一致。
    normalized = json.loads(json.dumps(changes or {}, cls=DjangoJSONEncoder))
    return AuditEvent(
        at=clock.now(),
        actor=actor,
        actor_name=_fit(actor.get_full_name() if actor else "系统", "actor_name"),
        action=_fit(action, "action"),
        object_type=_fit(object_type, "object_type"),
        object_id=_fit(str(object_id or ""), "object_id"),
        object_repr=_fit(object_repr, "object_repr"),
        changes=normalized,
        ip=_ip(ip if ip is not None else context.current_ip()),
        matter_number=_fit(matter_number, "matter_number"),
    )


def _in_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record 必须在写操作的同一事务中调用")


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
    matter_number: str = "",
) -> AuditEvent:
    """写一条审计记录并接到哈希链上。必须在调用方的事务之内调用，确保"改了就有记录，没记录就没改"。

    未给 ip 时取当前请求的来源地址（audit.context，由中间件设置）；后台任务没有请求，地址为空。
    """
    _in_transaction()
    event = _event(actor=actor, action=action, obj=obj, object_type=object_type, object_id=object_id,
                   object_repr=object_repr, changes=changes, ip=ip, matter_number=matter_number)
    head = _head()
    event.prev_hash = head.last_hash
    event.hash = chain.hash_of(event, event.prev_hash)
    event.save(force_insert=True)
    head.last_id, head.last_hash = event.pk, event.hash
    head.save(update_fields=["last_id", "last_hash"])
    return event


def record_many(*, actor, action: str, entries: Iterable[tuple[models.Model, Changes]],
                matter_numbers: dict[int, str] | None = None) -> int:
    """同一动作的一批审计记录，按给出的顺序接到哈希链上，一次写入（批量任务用：与逐条 `record` 得到的链相同）。

    ``entries`` 是 (对象, 字段变化)；``matter_numbers`` 可按对象 id 给出事项编号，免得逐条去查事项。
    须在调用方的事务之内调用。返回写了几条。
    """
    _in_transaction()
    matter_numbers = matter_numbers or {}
    events = [_event(actor=actor, action=action, obj=obj, object_type="", object_id="", object_repr="",
                     changes=changes, ip=None, matter_number=matter_numbers.get(obj.pk, ""))
              for obj, changes in entries]
    if not events:
        return 0
    head = _head()
    prev = head.last_hash
    for event in events:
        event.prev_hash = prev
        event.hash = prev = chain.hash_of(event, prev)
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    head.last_id, head.last_hash = events[-1].pk, prev  # SQLite ≥ 3.35 与 PostgreSQL 的批量插入都回填 id
    head.save(update_fields=["last_id", "last_hash"])
    return len(events)
