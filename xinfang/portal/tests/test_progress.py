"""凭编号与查询码查进度：只见本人事项、不见工作人员；错码锁定；限流；评价；复查期限。"""

import re
from datetime import timedelta

import pytest
import time_machine

from xinfang.core import clock
from xinfang.petitions.actions import decisions, handling
from xinfang.petitions.models import Document, DocumentKind, MatterEvent, Status
from xinfang.portal import security
from xinfang.portal.models import ReturnVisit, Satisfaction
from xinfang.portal.testing import reply, submit

pytestmark = pytest.mark.django_db


def look(client, number, code):
    return client.post("/portal/query/", {"number": number, "code": code})


def test_the_right_code_opens_the_progress_page_without_staff_or_internal_notes(client, cast):
    matter, code = submit(department=cast.brigade_a)
    matter = reply(cast, matter)
    handling_note = "内部：此人曾多次来访"
    MatterEvent.objects.create(matter=matter, at=clock.now(), actor=cast.handler_a, action="note", reason=handling_note)
    response = look(client, matter.number, security.format_code(code).lower())
    assert response.status_code == 302 and response["Location"] == "/portal/progress/"
    html = client.get("/portal/progress/").content.decode()
    assert "已答复" in html and "处理意见书" in html and "受理告知书" in html
    for secret in (cast.handler_a.name, cast.head_a.name, cast.clerk.name, handling_note, "答复待审批"):
        assert secret not in html


def test_a_wrong_code_gets_the_same_answer_whether_the_number_exists_or_not(client, cast):
    matter, _ = submit()
    real = look(client, matter.number, "ABCD-EFGH-JKMN").content.decode()
    fake = look(client, "XF209900000001", "ABCD-EFGH-JKMN").content.decode()
    assert "事项编号或查询码不正确" in real and "事项编号或查询码不正确" in fake
    strip = lambda html: html.replace(matter.number, "").replace("XF209900000001", "")  # noqa: E731
    assert _body(strip(real)) == _body(strip(fake))


def _body(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_a_code_never_reveals_another_petition(client, cast):
    mine, my_code = submit(department=cast.brigade_a, name="甲", id17="43010519800101123")
    theirs, their_code = submit(department=cast.brigade_b, name="乙", id17="11010119900307001",
                                content="乙的事项：扣车未返还")
    reply(cast, mine)
    # 自己的码配别人的编号：不行
    assert "不正确" in look(client, theirs.number, my_code).content.decode()
    assert look(client, mine.number, my_code).status_code == 302
    html = client.get("/portal/progress/").content.decode()
    assert theirs.number not in html and "乙的事项" not in html
    # 会话里是自己的事项：拿别人的文书编号去下载，一律 404
    decisions.accept_matter(theirs, by=cast.clerk)
    other_doc = Document.objects.get(matter=theirs)
    assert client.get(f"/portal/progress/documents/{other_doc.pk}/").status_code == 404
    own_doc = Document.objects.filter(matter=mine, kind=DocumentKind.REPLY).get()
    response = client.get(f"/portal/progress/documents/{own_doc.pk}/")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]


def test_documents_not_addressed_to_the_petitioner_are_not_offered(client, cast):
    matter, code = submit(department=cast.brigade_a)
    matter = reply(cast, matter)
    Document.objects.filter(matter=matter, kind=DocumentKind.ACCEPTANCE).update(to_petitioner=False)
    hidden = Document.objects.get(matter=matter, kind=DocumentKind.ACCEPTANCE)
    look(client, matter.number, code)
    assert "受理告知书" not in client.get("/portal/progress/").content.decode()
    assert client.get(f"/portal/progress/documents/{hidden.pk}/").status_code == 404


def test_without_a_code_the_progress_page_and_documents_are_closed(client, cast):
    matter, _ = submit(department=cast.brigade_a)
    reply(cast, matter)
    doc = Document.objects.filter(matter=matter).first()
    assert client.get("/portal/progress/")["Location"] == "/portal/query/"
    assert client.get(f"/portal/progress/documents/{doc.pk}/")["Location"] == "/portal/query/"


def test_repeated_wrong_codes_lock_the_number_until_the_lock_expires(client, cast, settings):
    settings.PORTAL_WRONG_CODES, settings.PORTAL_LOCK_MINUTES = 3, 30
    matter, code = submit()
    start = clock.now()
    with time_machine.travel(start, tick=False):
        for _ in range(3):
            assert "不正确" in look(client, matter.number, "WRONG-CODE-0000").content.decode()
        # 锁定后连正确的码也不受理，且不泄露编号是否存在（不存在的编号同样会被锁）
        assert "查询已暂停" in look(client, matter.number, code).content.decode()
        for _ in range(3):
            look(client, "XF209900000009", "WRONG-CODE-0000")
        assert "查询已暂停" in look(client, "XF209900000009", "WRONG-CODE-0000").content.decode()
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        assert look(client, matter.number, code).status_code == 302


def test_lookups_are_limited_per_address_and_per_code(client, cast, settings):
    settings.PORTAL_REQUESTS_PER_HOUR = 4
    matter, code = submit()
    for i in range(4):
        look(client, f"XF20990000000{i}", code)
    assert look(client, matter.number, code).status_code == 429
    # 另一来源用同一个查询码也被限：查询码的计数与来源无关
    other = client.__class__(REMOTE_ADDR="10.0.0.9")
    assert "过于频繁" in look(other, matter.number, code).content.decode()


def test_the_petitioner_rates_the_reply_and_an_unsatisfied_rating_needs_a_reason(client, cast):
    matter, code = submit(department=cast.brigade_a)
    reply(cast, matter)
    look(client, matter.number, code)
    response = client.post("/portal/progress/rate/", {"rating": Satisfaction.UNSATISFIED, "reason": ""})
    assert response.status_code == 400 and "请写明不满意的理由" in response.content.decode()
    assert not ReturnVisit.objects.filter(online_rating__gt="").exists()
    client.post("/portal/progress/rate/", {"rating": Satisfaction.UNSATISFIED, "reason": "罚款未退"})
    visit = ReturnVisit.objects.get(matter=matter)
    assert visit.online_rating == Satisfaction.UNSATISFIED and visit.needs_attention
    again = client.post("/portal/progress/rate/", {"rating": Satisfaction.SATISFIED})
    assert "已评价过" in again.content.decode()


def test_before_the_reply_there_is_nothing_to_rate(client, cast):
    matter, code = submit()
    look(client, matter.number, code)
    assert "评价答复" not in client.get("/portal/progress/").content.decode()
    response = client.post("/portal/progress/rate/", {"rating": Satisfaction.SATISFIED})
    assert "尚未答复" in response.content.decode()


def test_a_review_request_within_the_window_starts_the_review(client, cast):
    matter, code = submit(department=cast.brigade_a)
    reply(cast, matter)
    look(client, matter.number, code)
    assert "请求复查" in client.get("/portal/progress/").content.decode()
    # 第一步只是让信访人核对理由：什么也不改。
    page = client.post("/portal/progress/review/", {"reason": "认定事实不清"}).content.decode()
    assert "请确认您的复查请求" in page and "认定事实不清" in page
    matter.refresh_from_db()
    assert matter.status == Status.REPLIED and matter.review_requested_on is None
    client.post("/portal/progress/review/", {"reason": "认定事实不清", "confirm": "1"})
    matter.refresh_from_db()
    assert matter.status == Status.REVIEWING and matter.review_requested_on == clock.today()
    assert matter.events.filter(action="request_review", actor=None, data__via="portal").exists()


@time_machine.travel("2025-05-12 10:00 +0800", tick=False)
def test_a_review_request_after_the_window_is_registered_and_answered_with_a_notice(client, cast):
    # 固定在节假日安排已公布的年份：期限届满日若落在未公布的年份只是暂定，逾期请求照常受理（test_law 另有用例）。
    matter, code = submit(department=cast.brigade_a)
    matter = reply(cast, matter)
    closes = matter.review_request_closes
    with time_machine.travel(clock.now() + timedelta(days=(closes - clock.today()).days + 2), tick=False):
        look(client, matter.number, code)
        html = client.get("/portal/progress/").content.decode()
        assert f"{closes.year}年{closes.month}月{closes.day}日 届满" in html
        client.post("/portal/progress/review/", {"reason": "晚了，但事实不清", "confirm": "1"})
    matter.refresh_from_db()
    # 逾期请求不默默拒收：登记下来，出具写明期限届满日的不予受理告知书（《信访工作条例》第三十五条）。
    assert matter.status == Status.REPLIED and matter.review_requested_on is None
    request = matter.appeal_requests.get()
    assert request.is_late and request.window_closes == closes
    assert request.refusal_document.kind == "late_appeal"


def test_codes_survive_a_secret_key_change_while_the_old_key_is_a_fallback(client, cast, settings):
    matter, code = submit(department=cast.brigade_a)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-that-is-long-enough-for-django-0123456789"
    assert "事项编号或查询码不正确" in look(client, matter.number, code).content.decode()
    settings.SECRET_KEY_FALLBACKS = [old_key]
    response = look(client, matter.number, code)
    assert response.status_code == 302 and response["Location"] == "/portal/progress/"


def test_a_review_request_needs_a_reason_and_going_back_keeps_what_was_written(client, cast):
    matter, code = submit(department=cast.brigade_a)
    reply(cast, matter)
    look(client, matter.number, code)
    for reason in ("", "   "):
        response = client.post("/portal/progress/review/", {"reason": reason, "confirm": "1"})
        assert response.status_code == 400
        assert "请求复查（复核）的理由：请写明理由" in response.content.decode()
    page = client.post("/portal/progress/review/", {"reason": "事故认定未听取我方陈述", "edit": "1"}).content.decode()
    assert "事故认定未听取我方陈述</textarea>" in page
    matter.refresh_from_db()
    assert matter.status == Status.REPLIED and not matter.appeal_requests.exists()


def test_the_progress_page_labels_each_reason_box_once(client, cast):
    matter, code = submit(department=cast.brigade_a)
    reply(cast, matter)
    look(client, matter.number, code)
    page = client.get("/portal/progress/").content.decode()
    assert page.count('for="rating_reason"') == 1 and page.count('for="review_reason"') == 1
    assert 'id="id_reason"' not in page


def test_the_reply_reads_on_the_page_and_reading_it_delivers_like_a_download(client, cast):
    from xinfang.petitions.models import Opinion, Petition

    matter, code = submit(department=cast.brigade_a)
    matter = decisions_to_draft(cast, matter, text="经核查，抓拍设备当日故障，撤销处罚。")
    Petition.objects.filter(matter=matter).update(consents_electronic_delivery=True)
    matter = handling.approve_reply(matter, by=cast.head_a, approval_note="同意。")
    look(client, matter.number, code)
    doc = Document.objects.get(matter=matter, kind="reply")
    assert f"/portal/progress/documents/{doc.pk}/read/" in client.get("/portal/progress/").content.decode()
    page = client.get(f"/portal/progress/documents/{doc.pk}/read/").content.decode()
    assert "抓拍设备当日故障" in page and "下载 Word 文件" in page
    opinion = Opinion.objects.get(matter=matter)
    assert opinion.delivered_on == clock.today() and opinion.delivery_proof.startswith("门户在线阅读")
    # 送达之后，进度页上直接写着结论与全文。
    progress = client.get("/portal/progress/").content.decode()
    assert 'id="opinions"' in progress and "抓拍设备当日故障" in progress


def test_another_matters_document_cannot_be_read(client, cast):
    mine, code = submit(department=cast.brigade_a)
    other, _ = submit(department=cast.brigade_a, name="赵六", id17="43010519800101124")
    reply(cast, other)
    look(client, mine.number, code)
    doc = Document.objects.filter(matter=other).first()
    assert client.get(f"/portal/progress/documents/{doc.pk}/read/").status_code == 404


def decisions_to_draft(cast, matter, *, text):
    matter = decisions.accept_matter(matter, by=cast.clerk)
    matter = decisions.assign_matter(matter, by=cast.clerk, lead=cast.brigade_a, handler=cast.handler_a)
    matter = handling.start_handling(matter, by=cast.handler_a)
    return handling.draft_reply(matter, by=cast.handler_a, outcome="support", text=text)
