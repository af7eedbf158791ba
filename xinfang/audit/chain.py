"""审计记录的哈希链：每行的哈希由前一行的哈希与本行内容算出；核对时从第一行起逐行重算。

哈希不含行号（id 要插入后才知道，而审计行插入后不许再改）；删掉一行，下一行记着的"前一行哈希"
就对不上，删掉最后几行则与链头记下的最后一行对不上。
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = ""  # 第一行的"前一行哈希"


def _moment(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def row_hash(prev_hash: str, *, at: datetime, actor_id: int | None, actor_name: str, action: str,
             object_type: str, object_id: str, object_repr: str, changes: Any, ip: str | None,
             matter_number: str) -> str:
    """本行的 SHA-256（十六进制）。内容按固定顺序、键排序的 JSON 排列，数据库读回后算出的一样。"""
    payload = json.dumps(
        [prev_hash, _moment(at), actor_id, actor_name, action, object_type, object_id, object_repr,
         changes, ip or "", matter_number],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def hash_of(event, prev_hash: str) -> str:
    return row_hash(prev_hash, at=event.at, actor_id=event.actor_id, actor_name=event.actor_name,
                    action=event.action, object_type=event.object_type, object_id=event.object_id,
                    object_repr=event.object_repr, changes=event.changes, ip=event.ip,
                    matter_number=event.matter_number)


@dataclass(frozen=True)
class Verdict:
    checked: int
    broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None and not self.reason


def verify(*, chunk: int = 5000) -> Verdict:
    """从第一行核对到最后一行；返回核对了几行、第一处断开的行与原因（中文）。"""
    from .models import AuditChainHead, AuditEvent

    expected_prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        rows = list(AuditEvent.objects.filter(pk__gt=last_id).order_by("pk")[:chunk])
        if not rows:
            break
        for event in rows:
            if event.prev_hash != expected_prev:
                return Verdict(checked, event.pk, f"第 {event.pk} 号记录的前一行哈希与上一条记录不符（其前有记录被删除、插入或修改）")
            actual = hash_of(event, event.prev_hash)
            if event.hash != actual:
                return Verdict(checked, event.pk, f"第 {event.pk} 号记录的内容与其哈希不符（记录被改过）")
            expected_prev = event.hash
            checked += 1
        last_id = rows[-1].pk
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.last_id != last_id or head.last_hash != expected_prev):
        return Verdict(checked, head.last_id or None,
                       f"链头记着最后一条是第 {head.last_id} 号，实际最后一条是第 {last_id} 号（末尾的记录被删除或改过）")
    return Verdict(checked)
