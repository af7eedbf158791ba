"""附件按内容核对：每种允许的类型都看文件本身（不信扩展名，也不信浏览器给的 Content-Type），
Word/Excel（.docx/.xlsx，本质是 zip）另核对解压后的总大小，挡住改名为 .docx 的 zip 炸弹。"""

from __future__ import annotations

import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError

from .validators import check_attachment

# 保存的 Content-Type 由这里按扩展名给出（内容已核对过），不用浏览器送来的那个（可长可假）。
CONTENT_TYPES = {
    ".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".doc": "application/msword", ".xls": "application/vnd.ms-excel", ".txt": "text/plain",
    ".mp3": "audio/mpeg", ".wav": "audio/wav", ".mp4": "video/mp4",
}
# zip 文档解压后至多这么大、这么多个成员；正常的公文、表格远小于此。
MAX_EXPANDED_MB = 100
MAX_ZIP_MEMBERS = 5000
MAX_RATIO = 200  # 单个成员的压缩比上限：文本 XML 一般 5–20 倍，炸弹上千倍
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_PARTS = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml"}


def suffix_of(name: str) -> str:
    return ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""


def _bad(name: str, why: str) -> ValidationError:
    return ValidationError(f"附件“{name}”{why}")


def _check_zip_document(upload, name: str, suffix: str) -> None:
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _bad(name, "不是有效的 Word/Excel 文档（文件已损坏或内容与扩展名不符）") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise _bad(name, f"内含 {len(members)} 个部件，超过 {MAX_ZIP_MEMBERS} 个的上限")
        names = {m.filename for m in members}
        if "[Content_Types].xml" not in names or ZIP_PARTS[suffix] not in names:
            raise _bad(name, "不是有效的 Word/Excel 文档（内容与扩展名不符）")
        expanded = sum(m.file_size for m in members)
        if expanded > MAX_EXPANDED_MB * 1024 * 1024:
            raise _bad(name, f"解压后有 {expanded / 1048576:.0f} MB，超过 {MAX_EXPANDED_MB} MB 的上限（疑为压缩炸弹）")
        for m in members:
            if m.compress_size and m.file_size / m.compress_size > MAX_RATIO and m.file_size > 1024 * 1024:
                raise _bad(name, f"中的部件 {m.filename[:60]} 压缩比异常（{m.file_size // m.compress_size} 倍，疑为压缩炸弹）")


def _check_text(upload, name: str) -> None:
    data = upload.read(settings.ATTACHMENT_MAX_MB * 1024 * 1024 + 1)
    if b"\x00" in data:
        raise _bad(name, "不是文本文件（含二进制内容）")
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
            return
        except UnicodeDecodeError:
            continue
    raise _bad(name, "不是 UTF-8 或 GB18030 编码的文本文件")


def _check_head(name: str, suffix: str, head: bytes) -> None:
    ok = {
        ".pdf": head.startswith(b"%PDF-"),
        ".jpg": head.startswith(b"\xff\xd8\xff"), ".jpeg": head.startswith(b"\xff\xd8\xff"),
        ".png": head.startswith(b"\x89PNG\r\n\x1a\n"),
        ".doc": head.startswith(OLE), ".xls": head.startswith(OLE),
        ".docx": head.startswith(b"PK\x03\x04"), ".xlsx": head.startswith(b"PK\x03\x04"),
        ".wav": head[:4] == b"RIFF" and head[8:12] == b"WAVE",
        ".mp3": head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0),
        ".mp4": head[4:8] == b"ftyp",
        ".txt": True,
    }[suffix]
    if not ok:
        raise _bad(name, "的内容与扩展名不符")


def check_upload(upload) -> str:
    """核对一个上传文件的大小、类型与内容；通过时返回要保存的 Content-Type，不通过抛出中文的 ValidationError。"""
    name = upload.name or ""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    check_attachment(name, upload.size, head)  # 大小、扩展名白名单
    suffix = suffix_of(name)
    try:
        _check_head(name, suffix, head)
        if suffix in ZIP_PARTS:
            _check_zip_document(upload, name, suffix)
        elif suffix == ".txt":
            _check_text(upload, name)
    finally:
        upload.seek(0)
    return CONTENT_TYPES[suffix]


def open_attachment(user, pk: int):
    """工作人员打开附件：只取其可见事项（xinfang.org.access 的范围）下的附件，看不到的答 404；
    每次打开都在审计中记一笔（附件常含身份证复印件、现场照片等个人信息）。"""
    from django.db import transaction
    from django.http import Http404

    from xinfang.audit.services import record
    from xinfang.org import permissions

    from .models import Attachment
    from .selectors import visible_matters

    attachment = (Attachment.objects.filter(pk=pk, petition__matter__in=visible_matters(user))
                  .select_related("petition__matter").first())
    if attachment is None:
        raise Http404("附件不存在")
    permissions.check(user, "attachment.open", attachment.petition.matter)
    with transaction.atomic():
        record(actor=user, action="attachment.read", obj=attachment, matter_number=attachment.petition.matter.number,
               object_repr=attachment.name, changes={"purpose": [None, "查看附件"]})
    return attachment
