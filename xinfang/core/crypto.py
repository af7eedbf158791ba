"""个人资料的加密存储：AES-256-GCM 加密、HMAC 盲索引、脱敏显示。

一个密文写作 `密钥id$base64url(12 字节随机数 + 密文 + 认证标签)`，附加数据是"表.列"，密文搬到别的列就解不开。
每把配置的密钥经 HKDF 派生出加密用与盲索引用两把子密钥，同一串字节不兼作两用。
盲索引 = HMAC-SHA256(索引子密钥, 用途 + 规范化的值) 的前 32 位十六进制：相同的人得到相同的索引，
按索引精确查找，从索引推不出原值。换密钥期间一个值在每把密钥下各有一个索引，查找时都查（IN）。
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .keys import VARIABLE

NONCE_BYTES = 12
INDEX_CHARS = 32


class DataKeyError(Exception):
    """密文解不开：缺少写它的那把密钥、密钥不对，或密文被改动过。"""


@dataclass(frozen=True)
class DataKey:
    id: str
    aead: AESGCM
    mac: bytes


def _derive(key: bytes, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"xinfang/" + label).derive(key)


@lru_cache(maxsize=4)
def _keyring(configured: tuple[tuple[str, bytes], ...]) -> tuple[DataKey, ...]:
    return tuple(DataKey(key_id, AESGCM(_derive(key, b"aes-gcm")), _derive(key, b"blind-index"))
                 for key_id, key in configured)


def keyring() -> tuple[DataKey, ...]:
    """配置的全部密钥，第一把是当前写入用的。按配置值缓存（测试里改 settings 立即生效）。"""
    return _keyring(tuple((k, bytes(v)) for k, v in settings.DATA_KEYS))


def current_key() -> DataKey:
    return keyring()[0]


def key_id_of(token: str) -> str:
    """密文是用哪把密钥写的（空值为 ""）。"""
    return token.partition("$")[0] if token else ""


def encrypt(value: str, *, context: str) -> str:
    """加密一个值；空值仍存空串（空与非空本身不算秘密，登记时很多人不留电话）。"""
    if not value:
        return ""
    key = current_key()
    nonce = os.urandom(NONCE_BYTES)
    sealed = key.aead.encrypt(nonce, value.encode(), context.encode())
    return f"{key.id}${base64.urlsafe_b64encode(nonce + sealed).rstrip(b'=').decode()}"


def encrypter(context: str):
    """批量写入用：与 encrypt 相同的密文格式，当前密钥只取一次（导入几百万行时逐行取密钥环是瓶颈）。"""
    key = current_key()
    aead, prefix, data = key.aead, f"{key.id}$", context.encode()
    urandom, b64 = os.urandom, base64.urlsafe_b64encode

    def seal(value: str) -> str:
        if not value:
            return ""
        nonce = urandom(NONCE_BYTES)
        return prefix + b64(nonce + aead.encrypt(nonce, value.encode(), data)).rstrip(b"=").decode()

    return seal


def decrypt(token: str, *, context: str) -> str:
    if not token:
        return ""
    key_id, sep, body = token.partition("$")
    key = next((k for k in keyring() if k.id == key_id), None)
    if not sep or key is None:
        raise DataKeyError(f"{context} 的密文用的是密钥 {key_id!r}，{VARIABLE} 中没有它："
                           "换密钥时须保留旧密钥，直到 xinfang rotate-keys 完成")
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return key.aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()).decode()
    except (InvalidTag, ValueError) as exc:
        raise DataKeyError(f"{context} 解密失败：密钥 {key_id} 不对，或密文被改动过") from exc


def blind_index(value: str, *, context: str, key: DataKey | None = None) -> str:
    """规范化之后的值的盲索引（默认用当前密钥）；空值的索引为空串。"""
    if not value:
        return ""
    key = key or current_key()
    digest = hmac.new(key.mac, context.encode() + b"\x00" + value.encode(), hashlib.sha256).hexdigest()
    return digest[:INDEX_CHARS]


def blind_indexes(value: str, *, context: str) -> list[str]:
    """查找用：值在每把配置的密钥下的索引（换密钥未完成时，有的行还是旧密钥的索引）。"""
    if not value:
        return [""]
    return list(dict.fromkeys(blind_index(value, context=context, key=k) for k in keyring()))


# -- 规范化：同一个号码的不同写法得到同一个索引 --------------------------------------------

def normalise_id_number(value: str) -> str:
    """身份证号码、统一社会信用代码：去空白、字母大写（末位 x 与 X 是同一个人）。"""
    return re.sub(r"\s+", "", value or "").upper()


def normalise_phone(value: str) -> str:
    """电话：只留数字；去掉 +86 / 0086 国家码（13800138000 与 +86 138-0013-8000 是同一个号码）。"""
    digits = re.sub(r"\D", "", value or "")
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11 and digits[len(prefix)] == "1":
            return digits[len(prefix):]
    return digits


# -- 脱敏显示 -------------------------------------------------------------------------------

def mask_id_number(value: str) -> str:
    """4401**********1237：只显示前 4 位与后 4 位。"""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """138****5678：只显示前 3 位与后 4 位。"""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_address(value: str) -> str:
    """示范市芙蓉区****：只显示前 6 个字。"""
    if not value:
        return ""
    return value[:6] + "****" if len(value) > 6 else value[:2] + "****"


def require_production_keys() -> None:
    """生产环境（XINFANG_DEBUG=false 且 XINFANG_HTTPS=true）的 Web 服务与 Celery 启动时调用：
    加密密钥必须来自环境变量，不能是与数据库放在同一 var/ 目录下自动生成的开发密钥。"""
    if settings.DATA_KEYS_GENERATED and settings.HTTPS and not settings.DEBUG:
        raise ImproperlyConfigured(
            f"生产环境必须设置环境变量 {VARIABLE}（个人资料加密密钥，格式 密钥id:base64密钥）；"
            "自动生成在 var/ 下的开发密钥与数据库放在一起，起不到保护作用。"
            "开发或内网演示请设 XINFANG_HTTPS=false 或 XINFANG_DEBUG=true")
