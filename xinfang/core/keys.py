"""读取个人资料加密密钥（XINFANG_DATA_KEYS）。settings 在启动时调用；这里不导入 Django 的其它部分。

格式：`新id:base64密钥,旧id:base64密钥`。第一把用于新写入和盲索引，其余只用于读旧数据（换密钥的过渡期），
`xinfang rotate-keys` 把旧数据改用第一把后即可删去旧的。每把密钥 32 字节（AES-256-GCM）。
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

VARIABLE = "XINFANG_DATA_KEYS"
KEY_FILE = "data_keys"
_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,16}")


def _decode(material: str) -> bytes:
    material = material.strip()
    padded = material + "=" * (-len(material) % 4)
    for altchars in (None, b"-_"):
        try:
            return base64.b64decode(padded, altchars=altchars, validate=True)
        except (binascii.Error, ValueError):
            continue
    return b""


def parse(raw: str) -> list[tuple[str, bytes]]:
    """把配置文本解析成 [(密钥 id, 32 字节密钥)]；不合格式即 ImproperlyConfigured，并指出变量名。"""
    keys: list[tuple[str, bytes]] = []
    for item in filter(None, (part.strip() for part in raw.split(","))):
        key_id, sep, material = item.partition(":")
        key_id = key_id.strip()
        if not sep or not _KEY_ID.fullmatch(key_id):
            raise ImproperlyConfigured(f"环境变量 {VARIABLE} 每项须写作 密钥id:base64密钥（密钥 id 为 1–16 位字母、数字、"
                                       f"- 或 _），当前有一项的密钥 id 为 {key_id!r}")
        key = _decode(material)
        if len(key) != 32:
            raise ImproperlyConfigured(
                f"环境变量 {VARIABLE} 中的密钥 {key_id} 须是 32 字节（AES-256）的 base64，当前为 {len(key)} 字节；"
                "可用 python3 -c \"import os,base64;print(base64.b64encode(os.urandom(32)).decode())\" 生成")
        if any(key_id == k for k, _ in keys):
            raise ImproperlyConfigured(f"环境变量 {VARIABLE} 中密钥 id {key_id} 出现了两次")
        keys.append((key_id, key))
    if not keys:
        raise ImproperlyConfigured(f"环境变量 {VARIABLE} 至少需要一把密钥")
    return keys


def load_data_keys(raw: str, var_dir: Path) -> tuple[list[tuple[str, bytes]], bool]:
    """返回 (密钥表, 是否取自自动生成的开发密钥文件)。

    未设置变量时（开发、测试）在 var/data_keys 生成一把（权限 0600），以后沿用；这把密钥与数据库放在一起，
    挡不住拿到整个 var/ 的人，所以生产环境启动时拒绝它（core.crypto.require_production_keys）。
    """
    if raw.strip():
        return parse(raw), False
    text = generated_once(var_dir / KEY_FILE, lambda: "dev:" + base64.b64encode(secrets.token_bytes(32)).decode() + "\n")
    return parse(text), True


def generated_once(path: Path, make) -> str:
    """var/ 下只生成一次的秘密文件（0600）：不存在就用 make() 写一份，返回文件内容。"""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL：两个进程同时首次启动时只有一个写入，另一个读它写下的值。
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(make())
    return path.read_text()
