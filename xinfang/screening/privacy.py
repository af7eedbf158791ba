"""当事人证件号码的唯一入口：只存盲索引（HMAC）与遮蔽形式，从不存明文。

信访人证件号码的加密（AES-GCM + HMAC 盲索引）由平台另行实现；届时把 `protect_party_id`
换成同一套密钥与索引函数即可，调用方不变。注意：更换 XINFANG_SECRET_KEY 后盲索引会变，
"同一当事人的其他案件"需要重新导入才能对上。
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings


def _key() -> bytes:
    return hashlib.sha256(b"xinfang.screening.party_id|" + settings.SECRET_KEY.encode()).digest()


def normalize_party_id(raw: str) -> str:
    return (raw or "").strip().upper().replace(" ", "")


def party_id_index(raw: str) -> str:
    """盲索引：同一证件号码总得到同一串，不能反推号码。空号码返回空串。"""
    value = normalize_party_id(raw)
    if not value:
        return ""
    return hmac.new(_key(), value.encode(), hashlib.sha256).hexdigest()


def mask_party_id(raw: str) -> str:
    """只留前 3 位与后 2 位：320************1X。"""
    value = normalize_party_id(raw)
    if len(value) <= 5:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 5) + value[-2:]


def protect_party_id(raw: str) -> tuple[str, str]:
    """(盲索引, 遮蔽形式)：案件只存这两项。"""
    return party_id_index(raw), mask_party_id(raw)
