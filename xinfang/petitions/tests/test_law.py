"""法律模型（《信访工作条例》2022）：机关与复查、复核机关，意见行，送达，逾期请求，落实，逐项决定，
日期检查；一次完整办理的文书用 python-docx 打开，核对决定、机关、文号与所引条款。"""

from __future__ import annotations

import io
import re
from datetime import date

import docx
import pytest
import time_machine
from django.core.exceptions import ValidationError

from xinfang.core import clock
from xinfang.org.models import DepartmentKind, RoleCode, Staff
from xinfang.org.services import create_department, create_staff, update_department
from xinfang.org.testing import PASSWORD
from xinfang.petitions import appeal_status, organs, workflow
from xinfang.petitions.actions import appeals, decisions, handling, opinions
from xinfang.petitions.actions.opinions import RequestDecision
from xinfang.petitions.models import (
    AppealRequest, DeliveryMethod, Document, DocumentKind, ExecutionItem, Matter, Opinion, OpinionKind, Outcome,
    Petition, ReviewOutcome, Status,
)
from xinfang.petitions.testing import register
from xinfang.supervision import orders

pytestmark = pytest.mark.django_db

DETACHMENT_FULL = "示范市公安局交通警察支队"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def reload(cast):
    """部门改了以后重新取人物与部门（路径、全称都在内存对象上）。"""
    for name, person in cast.everyone().items():
        setattr(cast, name, Staff.objects.get(pk=person.pk))
    for name in ("detachment", "office", "leadership", "brigade_a", "squadron_a1", "brigade_b"):
        getattr(cast, name).refresh_from_db()


@pytest.fixture
def named(cast):
    """支队有全称，上级公安局在系统外。"""
    update_department(cast.detachment, by=None, full_name=DETACHMENT_FULL, superior_external_name="示范市公安局")
    reload(cast)
    return cast


def text_of(document: Document) -> str:
    with document.file.open("rb") as handle:
        doc = docx.Document(io.BytesIO(handle.read()))
    parts = [p.text for p in doc.paragraphs]
    for section in doc.sections:
        parts += [p.text for p in section.footer.paragraphs]
    return "\n".join(parts)


def handled(cast, department=None, handler=None) -> Matter:
    department = department or cast.brigade_a
    m = register(cast.clerk, department=department)
    m = decisions.accept_matter(m, by=cast.clerk)
    m = decisions.assign_matter(m, by=cast.clerk, lead=department, handler=handler or cast.handler_a)
    return handling.start_handling(m, by=handler or cast.handler_a)


def replied(cast, m=None, *, outcome=Outcome.REJECT, deliver=True, **remedies) -> Matter:
    m = m or handled(cast)
    m = handling.draft_reply(m, by=cast.handler_a, outcome=outcome, text="经调查核实，答复如下。", **remedies)
    m = handling.approve_reply(m, by=cast.head_a)
    if deliver:
        m = opinions.record_delivery(m, by=cast.clerk, method=DeliveryMethod.IN_PERSON, delivered_on=clock.today(),
                                     proof="签收")
    return m


# -- 1. 机关 ----------------------------------------------------------------------------


def test_a_squadron_acts_in_its_brigades_name_and_documents_carry_the_full_organ_name(named):
    cast = named
    assert organs.organ_of(cast.squadron_a1) == cast.brigade_a
    assert organs.organ_of(cast.office) == cast.detachment
    assert organs.full_name(cast.squadron_a1) == f"{DETACHMENT_FULL}大队A"
    assert organs.superior_organ(cast.brigade_a) == cast.detachment
    assert organs.superior_organ(cast.detachment) == organs.ExternalOrgan("示范市公安局")
    m = register(cast.clerk, department=cast.squadron_a1)
    m = decisions.accept_matter(m, by=cast.clerk)
    doc = m.documents.get()
    assert doc.number == f"{DETACHMENT_FULL}大队A信访〔{clock.today().year}〕1号"
    assert doc.department == cast.brigade_a
    text = text_of(doc)
    assert f"{DETACHMENT_FULL}大队A" in text and "中队A1" not in text


def test_document_numbers_are_unique_across_the_system_even_for_same_named_squadrons(named):
    cast = named
    one_a = create_department(by=None, name="一中队", kind=DepartmentKind.SQUADRON, parent=cast.brigade_a)
    one_b = create_department(by=None, name="一中队", kind=DepartmentKind.SQUADRON, parent=cast.brigade_b)
    numbers = [decisions.accept_matter(register(cast.clerk, department=d), by=cast.clerk).documents.get().number
               for d in (one_a, one_b, one_a)]
    assert len(set(numbers)) == 3
    assert numbers[0].startswith(f"{DETACHMENT_FULL}大队A信访") and numbers[1].startswith(f"{DETACHMENT_FULL}大队B信访")


def test_only_the_superior_organ_may_decide_the_review_never_the_replying_unit(named):
    cast = named
    m = appeals.request_review(replied(cast), by=cast.clerk)
    assert organs.review_organ(m) == cast.detachment
    assert organs.may_decide(cast.leader, m)  # 支队领导（支队机关）
    assert not organs.may_decide(cast.head_a, m)  # 大队A一把手：原办理机关
    assert not organs.may_decide(cast.head_b, m)  # 另一个大队的负责人也不是支队
    before = Matter.objects.get(pk=m.pk).version
    with pytest.raises(workflow.ActionNotAllowed, match="原办理机关的人员不能作出（《信访工作条例》第三十五条）"):
        appeals.issue_review(m, by=cast.head_a, review_outcome=ReviewOutcome.UPHOLD, text="维持。")
    assert Matter.objects.get(pk=m.pk).version == before and not m.opinions.filter(kind="review").exists()


# -- 系统外的复查、复核机关：转送并登记答复 --------------------------------------------------


def test_a_reply_by_the_detachment_is_forwarded_by_name_to_the_external_bureau_for_review_and_re_review(named):
    cast = named
    office_head = create_staff(by=None, username="office_head", name="信访科长", password=PASSWORD,
                               department=cast.office, roles=[RoleCode.UNIT_HEAD, RoleCode.HANDLER])
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False) as traveller:
        m = handled(cast, department=cast.office, handler=office_head)
        m = handling.draft_reply(m, by=office_head, outcome=Outcome.REJECT, text="不予支持。")
        m = handling.approve_reply(m, by=office_head, delivered_on=date(2026, 3, 2))
        assert m.opinions.get().deciding_organ == cast.detachment
        reply_doc = m.documents.get(kind=DocumentKind.REPLY)
        assert "向示范市公安局请求复查" in text_of(reply_doc)
        m = appeals.request_review(m, by=cast.clerk)
        assert m.deciding_organ is None and organs.pending_organ(m) == organs.ExternalOrgan("示范市公安局")
        with pytest.raises(workflow.ActionNotAllowed, match="示范市公安局"):  # 支队自己的人不能复查支队的意见
            appeals.issue_review(m, by=office_head, review_outcome=ReviewOutcome.UPHOLD, text="维持。")
        traveller.move_to("2026-03-04 09:00 +0800")
        m = appeals.forward_review(m, by=cast.clerk, forwarded_on=date(2026, 3, 3))
        assert m.status == Status.REVIEW_FORWARDED and m.current_due is None  # 期限在系统外机关
        with pytest.raises(ValidationError, match="作出日期.*不能早于转送日期"):
            appeals.record_external_review(m, by=cast.clerk, review_outcome=ReviewOutcome.UPHOLD, text="维持。",
                                           decided_on=date(2026, 3, 1))
        traveller.move_to("2026-03-20 09:00 +0800")
        m = appeals.record_external_review(m, by=cast.clerk, review_outcome=ReviewOutcome.UPHOLD, text="维持。",
                                           decided_on=date(2026, 3, 18), delivered_on=date(2026, 3, 19))
        assert m.status == Status.REVIEWED and m.re_review_request_closes == date(2026, 4, 20)
        review = m.opinions.get(kind=OpinionKind.REVIEW)
        assert (review.external_organ, review.document, review.decision) == ("示范市公安局", None, Outcome.REJECT)
        m = appeals.request_re_review(m, by=cast.clerk)
        assert organs.pending_organ(m) == organs.ExternalOrgan("示范市公安局的上一级机关")
        m = appeals.forward_re_review(m, by=cast.clerk)
        m = appeals.record_external_re_review(m, by=cast.clerk, review_outcome=ReviewOutcome.UPHOLD, text="维持。",
                                              decided_on=clock.today())
    assert m.status == Status.TERMINATED
    assert [o.kind for o in m.opinions.order_by("decided_on", "id")] == ["reply", "review", "re_review"]


def test_a_request_to_an_organ_inside_the_system_is_not_forwarded(named):
    m = appeals.request_review(replied(named), by=named.clerk)
    with pytest.raises(workflow.ActionNotAllowed, match="在本系统内"):
        appeals.forward_review(m, by=named.clerk)


# -- 2./3. 意见行与逐项决定 ----------------------------------------------------------------


def test_several_requests_are_decided_one_by_one_and_the_reply_says_which_part_is_supported(named):
    cast = named
    m = handled(cast)
    items = [RequestDecision("撤销罚款", Outcome.SUPPORT, "撤销罚款200元中的超额部分100元"),
             RequestDecision("赔偿误工费", Outcome.REJECT)]
    with pytest.raises(ValidationError, match="总的决定应为“予以支持”"):
        handling.draft_reply(m, by=cast.handler_a, outcome=Outcome.REJECT, text="答复。", items=items)
    with pytest.raises(ValidationError, match="第三十二条"):
        opinions.parse_items("撤销罚款｜部分支持")
    parsed = opinions.parse_items("撤销罚款｜予以支持｜撤销罚款200元中的超额部分100元\n赔偿误工费｜不予支持")
    assert parsed == items
    m = handling.draft_reply(m, by=cast.handler_a, outcome=Outcome.SUPPORT, text="答复。", items=parsed)
    m = handling.approve_reply(m, by=cast.head_a)
    reply = m.opinions.get()
    assert [(i.request, i.decision) for i in reply.items.all()] == [("撤销罚款", "support"), ("赔偿误工费", "reject")]
    text = text_of(reply.document)
    assert "1. 撤销罚款：予以支持（支持的部分：撤销罚款200元中的超额部分100元）；2. 赔偿误工费：不予支持" in text
    assert "部分支持" not in text.replace("支持的部分", "")


def test_remedies_go_only_with_support(cast):
    with pytest.raises(ValidationError, match="只能随“予以支持”"):
        handling.draft_reply(handled(cast), by=cast.handler_a, outcome=Outcome.EXPLAIN, text="解释。", apology=True)


def test_the_decision_types_are_exactly_the_three_of_article_32():
    assert dict(Outcome.choices) == {"support": "予以支持", "explain": "解释说明", "reject": "不予支持"}


# -- 4. 送达 -------------------------------------------------------------------------------


def test_the_review_window_starts_only_when_delivery_is_recorded(cast):
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False) as traveller:
        m = replied(cast, deliver=False)
        assert m.review_request_closes is None
        panel = appeal_status.panel(m, clock.today())
        assert [w.text for w in panel["windows"]] == ["请求期限尚未起算（意见尚未登记送达）"]
        traveller.move_to("2026-03-10 09:00 +0800")
        with pytest.raises(ValidationError, match=r"送达日期（2026-03-01）不能早于处理意见作出日期（2026-03-02）"):
            opinions.record_delivery(m, by=cast.clerk, method=DeliveryMethod.POST, delivered_on=date(2026, 3, 1),
                                     proof="挂号信")
        with pytest.raises(ValidationError, match="送达日期不能晚于今天.*第三十五条"):
            opinions.record_delivery(m, by=cast.clerk, method=DeliveryMethod.POST, delivered_on=date(2026, 3, 11),
                                     proof="挂号信")
        with pytest.raises(ValidationError, match="未同意电子送达"):
            opinions.record_delivery(m, by=cast.clerk, method=DeliveryMethod.ELECTRONIC,
                                     delivered_on=date(2026, 3, 5), proof="短信")
        with pytest.raises(ValidationError, match="送达凭证"):
            opinions.record_delivery(m, by=cast.clerk, method=DeliveryMethod.POST, delivered_on=date(2026, 3, 5),
                                     proof=" ")
        assert Opinion.objects.get(matter=m).delivered_on is None
        m = opinions.record_delivery(m, by=cast.clerk, method=DeliveryMethod.POST, delivered_on=date(2026, 3, 9),
                                     proof="挂号信 XA1")
    assert m.reply_delivered_on == date(2026, 3, 9) and m.review_request_closes == date(2026, 4, 8)
    with pytest.raises(workflow.ActionNotAllowed, match="没有待送达的意见"):
        opinions.record_delivery(m, by=cast.clerk, method=DeliveryMethod.POST, delivered_on=date(2026, 3, 9),
                                 proof="再来一次")


def test_a_portal_download_delivers_only_where_the_petitioner_chose_electronic_delivery(cast):
    m = replied(cast, deliver=False)
    reply_doc = m.documents.get(kind=DocumentKind.REPLY)
    assert opinions.delivered_by_download(reply_doc) is None
    assert Opinion.objects.get(matter=m).delivered_on is None
    Petition.objects.filter(matter=m).update(consents_electronic_delivery=True)
    opinions.delivered_by_download(reply_doc)
    reply = Opinion.objects.get(matter=m)
    assert reply.delivered_on == clock.today() and reply.delivery_method == DeliveryMethod.ELECTRONIC
    assert Matter.objects.get(pk=m.pk).review_request_closes is not None


# -- 5./6./11. 听证、请求期限、日期 --------------------------------------------------------


def test_a_hearing_started_in_1999_is_refused_naming_the_field_and_the_article(cast):
    m = handled(cast)
    with pytest.raises(ValidationError, match=r"听证开始日期（1999-05-01）不能早于受理日期.*第三十四条"):
        handling.start_hearing(m, by=cast.head_a, on=date(1999, 5, 1))
    assert Matter.objects.get(pk=m.pk).status == Status.IN_PROGRESS


def test_a_long_hearing_is_flagged_while_the_handling_clock_runs_on(cast, settings):
    settings.HEARING_FLAG_DAYS = 10
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False) as traveller:
        m = handled(cast)
        due = m.handling_due
        m = handling.start_hearing(m, by=cast.head_a)
        assert m.current_due == due
        traveller.move_to("2026-03-12 09:00 +0800")
        assert appeal_status.panel(m, clock.today())["hearing_overlong"] is None
        traveller.move_to("2026-03-13 09:00 +0800")
        assert appeal_status.panel(m, clock.today())["hearing_overlong"] == 11


def test_an_extension_is_refused_once_the_handling_deadline_has_passed(cast):
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False) as traveller:
        m = handled(cast)
        traveller.move_to("2026-05-07 09:00 +0800")  # 办理期限 5 月 6 日
        with pytest.raises(workflow.ActionNotAllowed, match="2026-05-06 届满，不能再延期.*第三十四条"):
            handling.extend_matter(m, by=cast.head_a, days=10, reason="复杂")
    assert Matter.objects.get(pk=m.pk).extension_days == 0


def test_a_late_re_review_request_is_registered_and_answered_with_a_notice_naming_the_closing_date(named):
    cast = named
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False) as traveller:
        m = appeals.request_review(replied(cast), by=cast.clerk)
        m = appeals.issue_review(m, by=cast.leader, review_outcome=ReviewOutcome.UPHOLD, text="维持。")
        m = opinions.record_delivery(m, by=cast.clerk, method=DeliveryMethod.IN_PERSON, delivered_on=clock.today(),
                                     proof="签收")
        m = appeals.close_review(m, by=cast.clerk)
        assert m.re_review_request_closes == date(2026, 4, 1)
        traveller.move_to("2026-04-03 09:00 +0800")
        m = appeals.request_re_review(m, by=cast.clerk, reason="不服")
    assert m.status == Status.CLOSED and m.re_review_requested_on is None
    request = AppealRequest.objects.get(matter=m, kind=OpinionKind.RE_REVIEW)
    assert request.is_late and request.requested_on == date(2026, 4, 3)
    notice = request.refusal_document
    assert notice.kind == DocumentKind.LATE_APPEAL
    text = text_of(notice)
    assert "请求复核的期限已于2026年4月1日届满" in text and "第三十六条" in text
    # 复核机关（支队的上级公安局）在系统外：告知书由收到请求的复查机关发出。
    assert notice.number.startswith(f"{DETACHMENT_FULL}信访")


def test_closing_a_matter_does_not_cut_off_a_re_review_window_still_open(named):
    cast = named
    m = appeals.request_review(replied(cast), by=cast.clerk)
    m = appeals.issue_review(m, by=cast.leader, review_outcome=ReviewOutcome.UPHOLD, text="维持。")
    m = opinions.record_delivery(m, by=cast.clerk, method=DeliveryMethod.IN_PERSON, delivered_on=clock.today(),
                                 proof="签收")
    m = appeals.close_review(m, by=cast.clerk)
    m = appeals.request_re_review(m, by=cast.clerk)
    assert m.status == Status.RE_REVIEWING


def test_a_request_is_never_refused_against_a_provisional_date(cast):
    # 2030 年的放假安排尚未录入：期限届满日暂定，过了暂定日期的请求也受理，并标记待核。
    with time_machine.travel("2030-03-01 09:00 +0800", tick=False) as traveller:
        m = replied(cast)
        closes = m.review_request_closes
        traveller.move_to(f"{closes + (date(2030, 1, 3) - date(2030, 1, 1))} 09:00 +0800")
        m = appeals.request_review(m, by=cast.clerk)
    assert m.status == Status.REVIEWING
    request = AppealRequest.objects.get(matter=m)
    assert request.window_provisional and not request.is_late and request.refusal_document is None


# -- 7. 落实 -----------------------------------------------------------------------------


def test_support_with_remedies_stays_unresolved_until_every_remedy_is_done_with_evidence(cast):
    m = replied(cast, outcome=Outcome.SUPPORT, apology=True, correction=True)
    items = list(ExecutionItem.objects.filter(matter=m).order_by("id"))
    assert [i.remedy for i in items] == ["apology", "correction"] and all(i.is_open for i in items)
    assert not orders.is_resolved(m)
    with pytest.raises(ValidationError, match="落实证据"):
        opinions.complete_execution_item(items[0], by=cast.handler_a, done_on=clock.today(), evidence="")
    with pytest.raises(ValidationError, match="落实日期.*不能早于意见作出日期"):
        opinions.complete_execution_item(items[0], by=cast.handler_a, done_on=date(2020, 1, 1), evidence="道歉信")
    opinions.complete_execution_item(items[0], by=cast.handler_a, done_on=clock.today(), evidence="当面道歉，有录像")
    assert not orders.is_resolved(Matter.objects.get(pk=m.pk))
    opinions.complete_execution_item(items[1], by=cast.handler_a, done_on=clock.today(), evidence="撤销决定书")
    assert orders.is_resolved(Matter.objects.get(pk=m.pk))
    with pytest.raises(workflow.ActionNotAllowed, match="已于"):
        opinions.complete_execution_item(items[1], by=cast.handler_a, done_on=clock.today(), evidence="again")


def test_an_execution_item_is_recorded_from_the_matter_page(cast, login):
    m = replied(cast, outcome=Outcome.SUPPORT, compensation=True)
    item = ExecutionItem.objects.get(matter=m)
    client = login(cast.handler_a)
    page = client.get(f"/petitions/matters/{m.pk}/").content.decode()
    assert "未落实" in page and "赔偿" in page
    client.post(f"/petitions/matters/{m.pk}/execution/{item.pk}/",
                {"done_on": clock.today().isoformat(), "evidence": "转账凭证"})
    assert ExecutionItem.objects.get(pk=item.pk).evidence == "转账凭证"
    assert login(cast.handler_b).post(f"/petitions/matters/{m.pk}/execution/{item.pk}/", {}).status_code == 404


# -- 复查撤销、重新办理 --------------------------------------------------------------------


def test_a_review_that_quashes_the_reply_sends_it_back_for_handling_with_a_new_clock(named):
    cast = named
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False) as traveller:
        m = appeals.request_review(replied(cast), by=cast.clerk)
        traveller.move_to("2026-03-10 09:00 +0800")
        m = appeals.issue_review(m, by=cast.leader, review_outcome=ReviewOutcome.QUASH, text="事实不清。")
        review_doc = m.documents.get(kind=DocumentKind.REVIEW)
        assert f"撤销原处理意见，责令{DETACHMENT_FULL}大队A重新办理" in text_of(review_doc)
        m = appeals.rehandle(m, by=cast.head_a)
    assert m.status == Status.IN_PROGRESS and m.accepted_on == date(2026, 3, 10)
    # 3 月 10 日起 60 日为 5 月 9 日（劳动节调休上班的星期六，是工作日）。
    assert m.handling_due == date(2026, 5, 9) and m.reply_delivered_on is None
    with time_machine.travel("2026-03-20 09:00 +0800", tick=False):
        m = replied(cast, m)
        assert appeals.request_review(m, by=cast.clerk).status == Status.REVIEWING


def test_rehandling_needs_a_quashing_review(named):
    m = appeals.request_review(replied(named), by=named.clerk)
    m = appeals.issue_review(m, by=named.leader, review_outcome=ReviewOutcome.UPHOLD, text="维持。")
    with pytest.raises(workflow.ActionNotAllowed, match="撤销原处理意见"):
        appeals.rehandle(m, by=named.head_a)


# -- 一次完整办理的文书 --------------------------------------------------------------------

ARTICLE = re.compile(r"《信访工作条例》(第[一二三四五六七八九十]+条)")


def test_the_documents_of_a_full_walk_name_the_right_decision_organ_number_and_articles(named):
    cast = named
    bureau = create_department(by=None, name="示范市公安局", kind=DepartmentKind.OTHER, is_organ=True,
                               full_name="示范市公安局")
    update_department(cast.detachment, by=None, parent=bureau, superior_external_name="")
    reload(cast)
    chief = create_staff(by=None, username="chief", name="局法制负责人", password=PASSWORD, department=bureau,
                         roles=[RoleCode.UNIT_HEAD])
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False):
        m = replied(cast, outcome=Outcome.REJECT)
        m = appeals.request_review(m, by=cast.clerk)
        m = appeals.issue_review(m, by=cast.leader, review_outcome=ReviewOutcome.VARY, decision=Outcome.SUPPORT,
                                 text="经复查，抓拍设备当日故障。", correction=True)
        m = opinions.record_delivery(m, by=cast.clerk, method=DeliveryMethod.IN_PERSON, delivered_on=clock.today(),
                                     proof="签收")
        m = appeals.request_re_review(m, by=cast.clerk)
        m = appeals.issue_re_review(m, by=chief, review_outcome=ReviewOutcome.UPHOLD, text="维持复查意见。")
    docs = {d.kind: d for d in m.documents.all()}
    numbers = [d.number for d in m.documents.all()]
    assert len(numbers) == len(set(numbers))

    reply = text_of(docs[DocumentKind.REPLY])
    assert docs[DocumentKind.REPLY].number == f"{DETACHMENT_FULL}大队A信访〔2026〕2号"
    assert reply.startswith(f"{DETACHMENT_FULL}大队A\n信访事项处理意见书")
    assert "对你（单位）的投诉请求不予支持" in reply and f"向{DETACHMENT_FULL}请求复查" in reply
    assert set(ARTICLE.findall(reply)) == {"第三十二条", "第三十五条"}

    review = text_of(docs[DocumentKind.REVIEW])
    assert docs[DocumentKind.REVIEW].number == f"{DETACHMENT_FULL}信访〔2026〕1号"
    assert review.startswith(f"{DETACHMENT_FULL}\n信访事项复查意见书")
    assert "复查意见：变更原处理意见，对你（单位）的投诉请求予以支持。本机关决定：纠正相关执法行为。" in review
    assert "经复查，抓拍设备当日故障。" in review and "不予支持" not in review
    assert "向示范市公安局请求复核" in review
    assert set(ARTICLE.findall(review)) == {"第三十五条", "第三十六条"}

    re_review = text_of(docs[DocumentKind.RE_REVIEW])
    assert docs[DocumentKind.RE_REVIEW].number == "示范市公安局信访〔2026〕1号"
    assert "复核意见：维持复查意见（予以支持）" in re_review
    assert set(ARTICLE.findall(re_review)) == {"第三十六条"}
    assert [(o.kind, o.deciding_organ.name, o.decision) for o in m.opinions.order_by("decided_on", "id")] == [
        ("reply", "大队A", "reject"), ("review", "测试支队", "support"), ("re_review", "示范市公安局", "support")]
    # 变更为支持并纠正：复查机关的意见开出落实事项，落实前不算解决。
    assert ExecutionItem.objects.get(matter=m).opinion.kind == OpinionKind.REVIEW


def test_open_remedies_appear_on_the_supervision_board_until_done(cast, login):
    m = replied(cast, outcome=Outcome.SUPPORT, apology=True)
    board = login(cast.supervisor).get("/supervision/").content.decode()
    assert "待落实的补救措施（1）" in board and m.number in board
    opinions.complete_execution_item(ExecutionItem.objects.get(matter=m), by=cast.handler_a, done_on=clock.today(),
                                     evidence="道歉信已签收")
    assert "待落实的补救措施（0）" in login(cast.supervisor).get("/supervision/").content.decode()


def test_delivery_is_recorded_through_the_action_form(cast, login):
    m = replied(cast, deliver=False)
    client = login(cast.clerk)
    assert "请求期限尚未起算" in client.get(f"/petitions/matters/{m.pk}/").content.decode()
    response = client.post(f"/petitions/matters/{m.pk}/deliver/", {
        "version": m.version, "method": DeliveryMethod.POST, "delivered_on": "2000-01-01", "proof": "挂号信"})
    assert "不能早于处理意见作出日期" in response.content.decode()
    client.post(f"/petitions/matters/{m.pk}/deliver/", {
        "version": m.version, "method": DeliveryMethod.POST, "delivered_on": clock.today().isoformat(),
        "proof": "挂号信"})
    assert Matter.objects.get(pk=m.pk).reply_delivered_on == clock.today()


# -- 9. 登记与交办时能看出来的规则 ----------------------------------------------------------


def test_a_visit_of_five_or_more_must_name_its_representatives(cast):
    from xinfang.petitions.actions.intake import PetitionerInput

    with pytest.raises(ValidationError, match="应当推选代表.*第二十条"):
        register(cast.clerk, department=cast.brigade_a, head_count=8, person=PetitionerInput(name="群众甲"))
    six = [PetitionerInput(name=f"代表{i}", is_representative=True) for i in range(6)]
    from xinfang.petitions.actions.intake import PetitionInput, register_petition
    with pytest.raises(ValidationError, match="不超过 5 人.*第二十条"):
        register_petition(PetitionInput(channel="visit", received_at=clock.now(), content="集体反映",
                                        petitioners=six, head_count=8), by=cast.clerk)
    m = register(cast.clerk, department=cast.brigade_a, head_count=8,
                 person=PetitionerInput(name="代表甲", is_representative=True))
    assert m.is_collective
    # 来信不是走访：没有推选代表的要求。
    assert register(cast.clerk, department=cast.brigade_a, head_count=8, channel="letter",
                    person=PetitionerInput(name="联名人")).is_collective


def test_the_officer_complained_about_may_not_handle_the_matter(cast):
    m = register(cast.clerk, department=cast.brigade_a, involved_officer="承办人A（警号001）")
    m = decisions.accept_matter(m, by=cast.clerk)
    with pytest.raises(ValidationError, match="应当回避.*第二十八条"):
        decisions.assign_matter(m, by=cast.clerk, lead=cast.brigade_a, handler=cast.handler_a)
    assert Matter.objects.get(pk=m.pk).status == Status.ACCEPTED
    m = decisions.assign_matter(m, by=cast.clerk, lead=cast.brigade_a, handler=cast.squad_handler)
    assert m.handler == cast.squad_handler


# -- 8. 事项类别 ---------------------------------------------------------------------------


def test_only_complaints_run_the_sixty_days_and_carry_review_rights(cast):
    from xinfang.petitions.models import MatterType

    with pytest.raises(ValidationError, match="纪检监察"):
        decisions.accept_matter(register(cast.clerk, department=cast.brigade_a), by=cast.clerk,
                                matter_type=MatterType.ACCUSATION)
    accusation = decisions.accept_matter(register(cast.clerk, department=cast.brigade_a), by=cast.clerk,
                                         matter_type=MatterType.ACCUSATION, discipline_body="示范市公安局督察支队")
    assert accusation.discipline_body == "示范市公安局督察支队" and accusation.handling_due is None
    suggestion = decisions.accept_matter(register(cast.clerk, department=cast.brigade_a), by=cast.clerk,
                                         matter_type=MatterType.SUGGESTION)
    assert suggestion.handling_due is None and suggestion.current_due is None
    suggestion = decisions.assign_matter(suggestion, by=cast.clerk, lead=cast.brigade_a, handler=cast.handler_a)
    suggestion = handling.start_handling(suggestion, by=cast.handler_a)
    suggestion = replied(cast, suggestion, outcome=Outcome.EXPLAIN)
    with pytest.raises(workflow.ActionNotAllowed, match="建议意见类事项没有复查"):
        appeals.request_review(suggestion, by=cast.clerk)
    complaint = decisions.accept_matter(register(cast.clerk, department=cast.brigade_a), by=cast.clerk)
    assert complaint.matter_type == MatterType.COMPLAINT and complaint.handling_due is not None
