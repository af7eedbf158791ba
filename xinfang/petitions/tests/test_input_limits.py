"""输入都有边界：超长的页码、请求头、编号、整数得到中文的 400 或字段错误，而不是 500；
每个字段的错误都显示出来；附件按内容核对（每种允许的类型），改名为 .docx 的 zip 炸弹被拒；
工作人员能打开附件，有访问检查，记审计。"""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from xinfang.audit.models import AuditEvent
from xinfang.petitions.models import Attachment, Matter
from xinfang.petitions.testing import id_number, register

pytestmark = pytest.mark.django_db
BIG = "9" * 20


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.parametrize("url", ["/petitions/", "/audit/", "/org/lockouts/", "/supervision/"])
def test_a_twenty_digit_page_number_gets_a_chinese_400(cast, login, url):
    response = login(cast.bureau).get(url, {"page": BIG})
    assert response.status_code == 400 and "页码须是 1 到 100000 之间的整数" in response.content.decode()
    assert login(cast.bureau).get(url, {"page": "-1"}).status_code == 400


def test_a_150_character_content_type_gets_a_chinese_400_and_no_write(cast, login):
    client = login(cast.clerk)
    response = client.post("/petitions/intake/", data=b"x=1", content_type="multipart/form-data; boundary=" + "b" * 120)
    assert response.status_code == 400 and "请求头 Content-Type 过长" in response.content.decode()
    assert not Matter.objects.exists()


def test_an_overlong_query_string_is_refused(cast, login):
    response = login(cast.clerk).get("/petitions/", {"q": "字" * 3000})
    assert response.status_code == 400 and "查询条件过长" in response.content.decode()


@pytest.mark.parametrize("url", [f"/petitions/matters/{BIG}/", f"/petitions/documents/{BIG}/",
                                 f"/petitions/attachments/{BIG}/", f"/supervision/orders/{BIG}/"])
def test_an_id_beyond_the_database_range_is_not_found(cast, login, url):
    assert login(cast.bureau).get(url).status_code == 404


def intake_form(**overrides):
    form = {
        "p-TOTAL_FORMS": "1", "p-INITIAL_FORMS": "0", "p-MIN_NUM_FORMS": "1", "p-MAX_NUM_FORMS": "50",
        "p-0-name": "王五", "p-0-kind": "person", "p-0-id_number": id_number(), "p-0-phone": "13800138000",
        "channel": "visit", "received_at": "2026-03-02T09:00", "content": "扣车后未出具凭证", "head_count": "1",
    }
    form.update(overrides)
    return form


@pytest.mark.parametrize("field, value, message", [
    ("head_count", BIG, "人数：确保该值小于或等于100000"),
    ("attach_to", BIG, "并入已有事项："),
    ("p-0-phone", "12", "联系电话"),
    ("channel", "pigeon", "渠道：选择一个有效的选项"),
    ("received_at", "昨天", "收到时间"),
])
def test_every_intake_field_shows_its_error_and_nothing_is_written(cast, login, field, value, message):
    body = login(cast.clerk).post("/petitions/intake/", intake_form(**{field: value})).content.decode()
    assert message in body, body[body.find("alert"):][:800]
    assert not Matter.objects.exists()


def docx(extra: dict | None = None, *, compress=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compress) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def xlsx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 40
GOOD = {
    "a.pdf": b"%PDF-1.7\n...", "a.jpg": b"\xff\xd8\xff\xe0JFIF", "a.jpeg": b"\xff\xd8\xff\xe1Exif",
    "a.png": b"\x89PNG\r\n\x1a\n....", "a.docx": docx(), "a.xlsx": xlsx(), "a.doc": OLE, "a.xls": OLE,
    "a.txt": "情况说明：当日在人民路口。".encode("gb18030"), "a.mp3": b"ID3\x04\0\0\0\0", "a.wav": b"RIFF\x24\0\0\0WAVEfmt ",
    "a.mp4": b"\0\0\0\x18ftypmp42\0\0\0\0",
}


@pytest.mark.parametrize("name", sorted(GOOD))
def test_every_allowed_type_is_accepted_by_its_content_and_refused_when_it_is_something_else(cast, name):
    matter = register(cast.clerk, attachments=[SimpleUploadedFile(name, GOOD[name], content_type="x" * 150)])
    stored = matter.petitions.get().attachments.get()
    assert len(stored.content_type) <= 100 and "x" * 10 not in stored.content_type  # 不存浏览器给的类型
    impostor = b"MZ\x90\0" + b"\0" * 60 if not name.endswith(".txt") else b"MZ\x90\0\0\0"
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match=name):
        register(cast.clerk, attachments=[SimpleUploadedFile(name, impostor)])


def test_a_zip_bomb_named_docx_is_refused_in_chinese(cast, login):
    bomb = docx({"word/media/fill.bin": b"\0" * (120 * 1024 * 1024)})
    assert len(bomb) < 1024 * 1024  # 压缩后不到 1 MB
    body = login(cast.clerk).post("/petitions/intake/", intake_form(
        attachments=SimpleUploadedFile("报告.docx", bomb))).content.decode()
    assert "解压后" in body and "压缩炸弹" in body
    assert not Matter.objects.exists()


def test_a_zip_that_is_not_a_document_is_refused(cast):
    from django.core.exceptions import ValidationError

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.exe", b"MZ")
    with pytest.raises(ValidationError, match="不是有效的 Word/Excel 文档"):
        register(cast.clerk, attachments=[SimpleUploadedFile("a.docx", buffer.getvalue())])


def test_staff_open_attachments_they_may_see_and_each_opening_is_audited(cast, login):
    matter = register(cast.clerk, department=cast.brigade_a,
                      attachments=[SimpleUploadedFile("身份证复印件.pdf", b"%PDF-1.4 scan")])
    attachment = Attachment.objects.get()
    response = login(cast.clerk).get(f"/petitions/attachments/{attachment.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 scan"
    assert "attachment" in response["Content-Disposition"] and response["Cache-Control"] == "no-store, private"
    event = AuditEvent.objects.get(action="attachment.read")
    assert (event.actor, event.matter_number) == (cast.clerk, matter.number)
    page = login(cast.clerk).get(f"/petitions/matters/{matter.pk}/").content.decode()
    assert f"/petitions/attachments/{attachment.pk}/" in page


def test_an_attachment_of_another_departments_matter_is_not_found_and_not_audited(cast, login):
    register(cast.clerk, department=cast.brigade_a, attachments=[SimpleUploadedFile("a.pdf", b"%PDF-1.4")])
    attachment = Attachment.objects.get()
    assert login(cast.handler_b).get(f"/petitions/attachments/{attachment.pk}/").status_code == 404
    assert not AuditEvent.objects.filter(action="attachment.read").exists()
