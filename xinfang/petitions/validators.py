"""身份证号、统一社会信用代码、电话、附件的校验。出错时给出指明字段的中文说明。"""

from __future__ import annotations

import hashlib
import re
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def id_number_problem(value: str) -> str | None:
    """18 位居民身份证号码（GB 11643）：格式、出生日期与校验码。正确时返回 None。"""
    value = value.strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return "身份证号码应为 18 位，前 17 位为数字，最后一位为数字或 X"
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "身份证号码中的出生日期不存在"
    if born.year < 1900:
        return "身份证号码中的出生日期不正确"
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS))
    if _ID_CHECK[total % 11] != value[17]:
        return "身份证号码校验位不正确，请核对是否有输错的数字"
    return None


def uscc_problem(value: str) -> str | None:
    """18 位统一社会信用代码（GB 32100）的校验码。"""
    value = value.strip().upper()
    if len(value) != 18 or any(c not in _USCC_CHARS for c in value):
        return "统一社会信用代码应为 18 位数字或大写字母（不含 I、O、Z、S、V）"
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(value[:17], _USCC_WEIGHTS))
    if _USCC_CHARS[(31 - total % 31) % 31] != value[17]:
        return "统一社会信用代码校验位不正确"
    return None


def phone_problem(value: str) -> str | None:
    digits = re.sub(r"[\s-]", "", value)
    if re.fullmatch(r"1[3-9]\d{9}", digits) or re.fullmatch(r"0\d{9,11}", digits) or re.fullmatch(r"\d{7,8}", digits):
        return None
    return "联系电话应为 11 位手机号或带区号的固定电话"


ALLOWED_ATTACHMENTS = {
    ".pdf": b"%PDF", ".jpg": b"\xff\xd8\xff", ".jpeg": b"\xff\xd8\xff", ".png": b"\x89PNG",
    ".docx": b"PK\x03\x04", ".xlsx": b"PK\x03\x04", ".doc": b"\xd0\xcf\x11\xe0", ".xls": b"\xd0\xcf\x11\xe0",
    ".txt": None, ".mp3": None, ".wav": b"RIFF", ".mp4": None,
}


def check_attachment(name: str, size: int, head: bytes) -> None:
    """附件的大小与类型（按扩展名，并核对文件头，防止改了扩展名的可执行文件）。"""
    limit = settings.ATTACHMENT_MAX_MB * 1024 * 1024
    if size > limit:
        raise ValidationError(f"附件“{name}”大小为 {size / 1048576:.1f} MB，超过 {settings.ATTACHMENT_MAX_MB} MB 的上限")
    if size == 0:
        raise ValidationError(f"附件“{name}”是空文件")
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if suffix not in ALLOWED_ATTACHMENTS:
        allowed = "、".join(s.lstrip(".") for s in ALLOWED_ATTACHMENTS)
        raise ValidationError(f"附件“{name}”的类型不允许，只接受：{allowed}")
    magic = ALLOWED_ATTACHMENTS[suffix]
    if magic is not None and not head.startswith(magic):
        raise ValidationError(f"附件“{name}”的内容与扩展名不符")


def sha256_of(uploaded) -> str:
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return digest.hexdigest()
