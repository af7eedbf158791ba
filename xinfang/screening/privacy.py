"""当事人证件号码的唯一入口：只存盲索引（HMAC）与遮蔽形式，从不存明文。

盲索引用与信访人资料同一把数据密钥（XINFANG_DATA_KEYS 的第一把，见 core/crypto.py），不随
XINFANG_SECRET_KEY 变。注意：换数据密钥后（xinfang rotate-keys 只重算信访人），案件的索引要重新导入才能对上。
"""

from __future__ import annotations

import hashlib
import hmac

from xinfang.core.crypto import current_key


def _key() -> bytes:
    return hashlib.sha256(b"xinfang.screening.party_id|" + current_key().mac).digest()


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
