"""当事人证件号码的唯一入口：与信访人的证件号码一样加密存储（AES-GCM，core/crypto.py），另存盲索引（HMAC）
与遮蔽形式，从不存明文。

盲索引与密文都用数据密钥（XINFANG_DATA_KEYS 的第一把），不随 XINFANG_SECRET_KEY 变。换数据密钥后
`xinfang rotate-keys` 像处理信访人一样处理案件：解开旧密钥写的密文、用新密钥重新加密并重算盲索引
（PartyIdField.current_index）。换密钥未完成时按证件号码查找两把密钥的索引都查（index_values）。
"""

from __future__ import annotations

import hashlib
import hmac

from xinfang.core.crypto import DataKey, current_key, keyring
from xinfang.core.fields import EncryptedField


def _key(key: DataKey | None = None) -> bytes:
    return hashlib.sha256(b"xinfang.screening.party_id|" + (key or current_key()).mac).digest()


def normalize_party_id(raw: str) -> str:
    return (raw or "").strip().upper().replace(" ", "")


def party_id_index(raw: str, *, key: DataKey | None = None) -> str:
    """盲索引：同一证件号码总得到同一串，不能反推号码。空号码返回空串。"""
    value = normalize_party_id(raw)
    if not value:
        return ""
    return hmac.new(_key(key), value.encode(), hashlib.sha256).hexdigest()


def index_maker():
    """导入用：当前密钥下的盲索引函数（派生一次子密钥，逐行只算 HMAC）。"""
    mac = _key()
    new = hmac.new
    sha256 = hashlib.sha256

    def index(raw: str) -> str:
        value = raw.strip().upper().replace(" ", "") if raw else ""
        return new(mac, value.encode(), sha256).hexdigest() if value else ""

    return index


def mask_party_id(raw: str) -> str:
    """只留前 3 位与后 2 位：320************1X。"""
    value = normalize_party_id(raw)
    if len(value) <= 5:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 5) + value[-2:]


def protect_party_id(raw: str) -> tuple[str, str]:
    """(盲索引, 遮蔽形式)：案件只存这两项。"""
    return party_id_index(raw), mask_party_id(raw)


class PartyIdField(EncryptedField):
    """案件当事人证件号码：加密存储；盲索引列用本模块的索引（64 位十六进制，换密钥时由 rotate-keys 重算）。"""

    def index_values(self, value) -> list[str]:
        if not normalize_party_id(str(value or "")):
            return [""]
        return list(dict.fromkeys(party_id_index(str(value), key=k) for k in keyring()))

    def current_index(self, value) -> str:
        return party_id_index(str(value or ""))
