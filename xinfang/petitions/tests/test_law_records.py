"""法律模型的其余部分（《信访工作条例》2022）：

- 第十九条：下级在期限内办理的事项又到上级，提示不予受理并写明办理单位与期限；第二十三条：来访当场受理、当场打印受理告知书；
- 第二十二条、第二十三条：转送、交办来的事项5个工作日内提出异议（说明理由），核实同意交还、不同意继续办理；交办的办结报告；
- 第三十条：检举控告交纪检监察（督察）机关，一行记录与其答复；
- 第三十七条：终结后的帮扶救助、教育疏导；第四十条：建议与书面反馈，逾期可见；
- 第三十五条：门户提交时勾选电子送达，下载才算送达。
"""

from __future__ import annotations

import io
import re
from datetime import date

import docx
import pytest
import time_machine
from django.core.exceptions import ValidationError

from xinfang.core import clock
from xinfang.petitions import workflow
from xinfang.petitions.actions import appeals, decisions, followup, handling, opinions, referrals
from xinfang.petitions.actions.intake import PetitionerInput
from xinfang.petitions.models import (
    AftercareRecord, DeliveryMethod, DisciplineReferral, DocumentKind, Matter, MatterEvent, MatterType, OpinionKind,
    Outcome, Recommendation, Referral, ReferralKind, ReviewOutcome, Status,
)
from xinfang.petitions.testing import id_number, register

pytestmark = pytest.mark.django_db
ARTICLE = re.compile(r"第[一二三四五六七八九十]+条")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def text_of(document) -> str:
    with document.file.open("rb") as handle:
        doc = docx.Document(io.BytesIO(handle.read()))
    return "\n".join(p.text for p in doc.paragraphs)


def fresh(m: Matter) -> Matter:
    return Matter.objects.get(pk=m.pk)


# -- 第十九条与第二十三条：登记时 ------------------------------------------------------------


def test_a_matter_a_lower_unit_is_handling_in_time_brought_to_the_superior_is_offered_a_decline_naming_it(cast, login):
    person = id_number("43010519800101123")
    lower = register(cast.clerk, department=cast.brigade_a, person=PetitionerInput(name="赵六", id_number=person))
    lower = decisions.accept_matter(lower, by=cast.clerk)
    # 同一人又到支队（登记员在支队信访科）：上级机关不予受理（第十九条），提示写明办理单位与期限。
    again = register(cast.clerk, department=cast.office, person=PetitionerInput(name="赵六", id_number=person))
    client = login(cast.clerk)
    page = client.get(f"/petitions/matters/{again.pk}/").content.decode()
    assert "测试支队大队A" in page and f"{lower.handling_due:%Y-%m-%d}" in page and "第十九条" in page
    due = f"{lower.handling_due.year}年{lower.handling_due.month}月{lower.handling_due.day}日"
    form = client.get(f"/petitions/matters/{again.pk}/decline/?offer={lower.pk}").content.decode()
    assert due in form and "第十九条" in form
    from xinfang.petitions.actions.intake_rules import superior_repeat_offers

    offer = superior_repeat_offers(again)[0]
    response = client.post(f"/petitions/matters/{again.pk}/decline/", {
        "version": again.version, "reason": offer.reason, "where_to_go": offer.where_to_go})
    assert response.status_code == 302
    notice = text_of(fresh(again).documents.get(kind=DocumentKind.DECLINE))
    assert "测试支队大队A" in notice and due in notice
    assert {"第十九条", "第二十三条"} <= set(ARTICLE.findall(notice))
    # 期限已过的，或同一机关（大队登记中队在办的）不提示。
    later = register(cast.clerk, department=cast.office, person=PetitionerInput(name="赵六", id_number=person))
    assert superior_repeat_offers(later, lower.handling_due) != []
    assert superior_repeat_offers(later, date.fromordinal(lower.handling_due.toordinal() + 1)) == []
    same_organ = register(cast.head_a, department=cast.brigade_a, person=PetitionerInput(name="赵六", id_number=person))
    assert superior_repeat_offers(same_organ) == []


def test_a_visit_told_on_the_spot_gets_its_acceptance_notice_at_intake(cast, login):
    client = login(cast.clerk)
    response = client.post("/petitions/intake/", {
        "channel": "visit", "received_at": clock.localtime(clock.now()).strftime("%Y-%m-%dT%H:%M"),
        "content": "来访反映违停处罚有误", "head_count": 1, "tell_on_spot": "on", "consents_electronic_delivery": "on",
        "p-TOTAL_FORMS": 1, "p-INITIAL_FORMS": 0, "p-MIN_NUM_FORMS": 1, "p-MAX_NUM_FORMS": 50,
        "p-0-name": "孙七", "p-0-kind": "person",
    })
    assert response.status_code == 302
    matter = Matter.objects.get()
    assert matter.status == Status.ACCEPTED and matter.accepted_on == clock.today()
    assert matter.petitions.get().consents_electronic_delivery
    notice = matter.documents.get(kind=DocumentKind.ACCEPTANCE)
    assert "本机关决定予以受理" in text_of(notice)
    page = client.get(response["Location"]).content.decode()
    assert notice.number in page and "当场受理" in page


def test_six_representatives_on_a_visit_are_refused_at_the_intake_page_and_nothing_is_written(cast, login):
    data = {"channel": "visit", "received_at": clock.localtime(clock.now()).strftime("%Y-%m-%dT%H:%M"),
            "content": "集体反映", "head_count": 8, "p-TOTAL_FORMS": 6, "p-INITIAL_FORMS": 0, "p-MIN_NUM_FORMS": 1,
            "p-MAX_NUM_FORMS": 50}
    for i in range(6):
        data.update({f"p-{i}-name": f"代表{i}", f"p-{i}-kind": "person", f"p-{i}-is_representative": "on"})
    html = login(cast.clerk).post("/petitions/intake/", data).content.decode()
    assert "代表人数不超过 5 人" in html and "第二十条" in html
    assert not Matter.objects.exists()


def test_the_officer_complained_about_cannot_become_the_handler_by_starting_the_work(cast):
    m = register(cast.clerk, department=cast.brigade_a, involved_officer="承办人A")
    m = decisions.accept_matter(m, by=cast.clerk)
    m = decisions.assign_matter(m, by=cast.clerk, lead=cast.brigade_a)  # 未指定承办人
    with pytest.raises(ValidationError, match="应当回避.*第二十八条"):
        handling.start_handling(m, by=cast.handler_a)
    assert (fresh(m).status, fresh(m).handler) == (Status.ASSIGNED, None)
    assert handling.start_handling(m, by=cast.head_a).handler == cast.head_a


# -- 第二十二条、第二十三条：转送、交办来的事项 --------------------------------------------------


def referred(cast, *, kind=ReferralKind.ASSIGN, received_on=None, report_due=date(2026, 4, 10)) -> Matter:
    m = register(cast.clerk, department=cast.brigade_a, channel="superior")
    referrals.record_referral(m, by=cast.clerk, kind=kind, source="示范市公安局", reference="示公信交〔2026〕3号",
                              received_on=received_on or clock.today(), report_due=report_due)
    return fresh(m)


def test_an_objection_within_five_working_days_with_reasons_is_returned_once_the_superior_agrees(cast):
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False):  # 周一
        m = referred(cast)
        referral = Referral.objects.get(matter=m)
        assert referral.objection_closes == date(2026, 3, 9)  # 5个工作日：3日至6日、9日
        with pytest.raises(ValidationError, match="理由"):
            referrals.object_to_referral(m, by=cast.clerk, reason="不归我")
        m = referrals.object_to_referral(m, by=cast.clerk, reason="该路段属城市道路，由城管部门管理，不属交警职权。")
        assert m.status == Status.OBJECTED and m.current_due == m.acceptance_due  # 告知期限照走
        m = referrals.objection_agreed(m, by=cast.clerk)
    assert m.status == Status.RETURNED and m.current_due is None and m.status in workflow.FINISHED_STATES
    objection = Referral.objects.get(matter=m).objection_document
    text = text_of(objection)
    assert objection.kind == DocumentKind.OBJECTION and not objection.to_petitioner
    assert text.startswith("测试支队大队A\n信访事项转送（交办）异议书") and objection.number in text
    assert "示范市公安局：" in text and "由城管部门管理" in text and set(ARTICLE.findall(text)) == {"第二十三条"}
    actions = list(MatterEvent.objects.filter(matter=m).values_list("action", flat=True))
    assert {"referral", "object_referral", "objection_agreed"} <= set(actions)


def test_an_objection_after_five_working_days_is_refused_naming_the_date_and_the_article(cast):
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False):
        m = referred(cast)
    with time_machine.travel("2026-03-10 09:00 +0800", tick=False):
        with pytest.raises(ValidationError, match=r"2026-03-09 届满.*第二十三条"):
            referrals.object_to_referral(m, by=cast.clerk, reason="该路段属城市道路，由城管部门管理。")
    assert fresh(m).status == Status.REGISTERED and Referral.objects.get(matter=m).objected_on is None


def test_a_refused_objection_goes_back_to_acceptance_and_a_non_referral_cannot_object(cast):
    m = referred(cast, kind=ReferralKind.TRANSFER, report_due=None)
    m = referrals.object_to_referral(m, by=cast.clerk, reason="该路段属城市道路，由城管部门管理。")
    m = referrals.objection_refused(m, by=cast.clerk, note="公安局认为属交警职权")
    assert m.status == Status.REGISTERED and m.current_due == m.acceptance_due
    assert Referral.objects.get(matter=m).objection_agreed is False
    plain = register(cast.clerk, department=cast.brigade_a)
    with pytest.raises(workflow.ActionNotAllowed, match="不是转送、交办来的"):
        referrals.object_to_referral(plain, by=cast.clerk, reason="该路段属城市道路，由城管部门管理。")


def test_an_assignment_needs_its_report_deadline_and_gets_a_completion_report(cast, login):
    m = register(cast.clerk, department=cast.brigade_a, channel="superior")
    with pytest.raises(ValidationError, match="办结报告期限.*第二十二条"):
        referrals.record_referral(m, by=cast.clerk, kind=ReferralKind.ASSIGN, source="示范市公安局",
                                  received_on=clock.today())
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False):
        m = referred(cast, report_due=date(2026, 4, 10))
        page = login(cast.clerk).get(f"/petitions/matters/{m.pk}/").content.decode()
        assert "交办办结报告期限" in page and "2026-04-10" in page
        assert "上级交办待报办结报告" in login(cast.head_a).get("/petitions/workbench/").content.decode()
        m = decisions.accept_matter(m, by=cast.clerk)
        m = decisions.assign_matter(m, by=cast.clerk, lead=cast.brigade_a, handler=cast.handler_a)
        m = handling.start_handling(m, by=cast.handler_a)
        m = handling.draft_reply(m, by=cast.handler_a, outcome=Outcome.EXPLAIN, text="解释说明。")
        m = handling.approve_reply(m, by=cast.head_a)
        with pytest.raises(workflow.ActionNotAllowed):
            referrals.report_completion(m, by=cast.clerk, text="已办结。")  # 登记员不是负责人
        m = referrals.report_completion(m, by=cast.head_a, text="已调查核实并出具处理意见书。")
    referral = Referral.objects.get(matter=m)
    assert referral.reported_on == date(2026, 3, 2) and referral.report_document.kind == DocumentKind.COMPLETION_REPORT
    text = text_of(referral.report_document)
    assert "示范市公安局：" in text and "要求于2026年4月10日前报告办理结果" in text and "解释说明" in text
    assert set(ARTICLE.findall(text)) == {"第二十二条"}
    with pytest.raises(workflow.ActionNotAllowed, match="已于 2026-03-02 提交"):
        referrals.report_completion(m, by=cast.head_a, text="再报一次。")
    assert "上级交办待报办结报告" not in login(cast.head_a).get("/petitions/workbench/").content.decode()


def test_a_referral_is_recorded_from_the_matter_page(cast, login):
    m = register(cast.clerk, department=cast.brigade_a, channel="superior")
    client = login(cast.clerk)
    client.post(f"/petitions/matters/{m.pk}/referral/", {"kind": "assign", "source": "示范市公安局",
                                                          "received_on": "2999-01-01"})
    assert not Referral.objects.exists()  # 没有报告期限、日期在将来：都不写
    client.post(f"/petitions/matters/{m.pk}/referral/", {"kind": "transfer", "source": "示范市公安局",
                                                          "received_on": clock.today().isoformat()})
    assert Referral.objects.get(matter=m).kind == ReferralKind.TRANSFER
    assert login(cast.handler_a).post(f"/petitions/matters/{m.pk}/referral/", {}).status_code == 403


# -- 第三十条：检举控告交纪检监察（督察）机关 ------------------------------------------------------


def test_an_accusation_is_routed_to_the_named_discipline_body_with_its_own_record_and_answer(cast, login):
    m = register(cast.clerk, department=cast.brigade_a, involved_officer="民警甲")
    m = decisions.accept_matter(m, by=cast.clerk, matter_type=MatterType.ACCUSATION,
                                discipline_body="测试市公安局督察支队", discipline_reference="测公督〔2026〕1号")
    row = DisciplineReferral.objects.get(matter=m)
    assert (row.body, row.routed_on, row.reference, row.answered_on) == (
        "测试市公安局督察支队", clock.today(), "测公督〔2026〕1号", None)
    client = login(cast.clerk)
    assert "测试市公安局督察支队" in client.get(f"/petitions/matters/{m.pk}/").content.decode()
    client.post(f"/petitions/matters/{m.pk}/discipline/{row.pk}/", {"answered_on": "1999-01-01", "answer": "查实"})
    assert DisciplineReferral.objects.get(pk=row.pk).answered_on is None  # 早于移交日期：不写
    client.post(f"/petitions/matters/{m.pk}/discipline/{row.pk}/", {"answered_on": clock.today().isoformat(),
                                                                     "answer": "经查，民警执法不规范，已批评教育。"})
    row.refresh_from_db()
    assert row.answered_on == clock.today() and row.answered_by == cast.clerk and "批评教育" in row.answer
    assert MatterEvent.objects.filter(matter=m, action="discipline_answered").exists()
    with pytest.raises(workflow.ActionNotAllowed, match="已于"):
        followup.record_discipline_answer(row, by=cast.clerk, answered_on=clock.today(), answer="再答一次")
    plain = decisions.accept_matter(register(cast.clerk, department=cast.brigade_a), by=cast.clerk)
    with pytest.raises(workflow.ActionNotAllowed, match="第三十条"):
        followup.route_again(plain, by=cast.clerk, body="督察支队")


# -- 第三十七条：终结后的帮扶、教育 ------------------------------------------------------------------


def terminated(cast) -> Matter:
    m = register(cast.clerk, department=cast.brigade_a)
    m = decisions.accept_matter(m, by=cast.clerk)
    m = decisions.assign_matter(m, by=cast.clerk, lead=cast.brigade_a, handler=cast.handler_a)
    m = handling.start_handling(m, by=cast.handler_a)
    m = handling.draft_reply(m, by=cast.handler_a, outcome=Outcome.REJECT, text="不予支持。")
    m = handling.approve_reply(m, by=cast.head_a, delivered_on=clock.today())
    m = appeals.request_review(m, by=cast.clerk)
    m = appeals.issue_review(m, by=cast.leader, review_outcome=ReviewOutcome.UPHOLD, text="维持。")
    m = opinions.record_delivery(m, by=cast.clerk, method=DeliveryMethod.IN_PERSON, delivered_on=clock.today(),
                                 proof="签收")
    # 支队的上一级机关在系统外：复核请求转送，登记其复核意见，事项终结。
    m = appeals.request_re_review(m, by=cast.clerk)
    m = appeals.forward_re_review(m, by=cast.clerk)
    return appeals.record_external_re_review(m, by=cast.clerk, review_outcome=ReviewOutcome.UPHOLD, text="维持。",
                                             decided_on=clock.today())


def test_after_termination_assistance_and_education_are_still_recorded(cast, login, settings):
    m = register(cast.clerk, department=cast.brigade_a)
    with pytest.raises(workflow.ActionNotAllowed, match="第三十七条"):
        followup.record_aftercare(m, by=cast.clerk, kind="education", on=clock.today(), who="王登记", what="谈话")
    m = terminated(cast)
    assert m.status == Status.TERMINATED
    client = login(cast.handler_a)
    client.post(f"/petitions/matters/{m.pk}/aftercare/", {"kind": "assistance", "on": "2999-01-01", "who": "承办人A",
                                                          "what": "协助申请困难救助"})
    assert not AftercareRecord.objects.exists()
    client.post(f"/petitions/matters/{m.pk}/aftercare/", {"kind": "assistance", "on": clock.today().isoformat(),
                                                          "who": "承办人A、社区民警", "what": "协助申请困难救助"})
    row = AftercareRecord.objects.get(matter=m)
    assert (row.kind, row.who, row.created_by) == ("assistance", "承办人A、社区民警", cast.handler_a)
    page = client.get(f"/petitions/matters/{m.pk}/").content.decode()
    assert "协助申请困难救助" in page and "第三十七条" in page
    assert fresh(m).status == Status.TERMINATED  # 状态不变，终结不因此改变


# -- 第四十条：建议与书面反馈 --------------------------------------------------------------------


def test_a_recommendation_owes_written_feedback_by_its_due_date_and_overdue_feedback_shows(cast, login):
    m = register(cast.clerk, department=cast.brigade_a)
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False):
        row = followup.recommend(m, by=cast.supervisor, department=cast.brigade_a, kind="improve",
                                 text="告知受理应当在15日内书面送达。")
        assert row.feedback_due == date(2026, 4, 1)
        with pytest.raises(ValidationError, match="须晚于今天"):
            followup.recommend(m, by=cast.supervisor, department=cast.brigade_a, kind="improve", text="x",
                               feedback_due=date(2026, 3, 1))
    with time_machine.travel("2026-04-02 09:00 +0800", tick=False):
        board = login(cast.supervisor).get("/petitions/recommendations/").content.decode()
        assert "逾期未反馈" in board and 'id="overdue-count">1<' in board and m.number in board
        page = login(cast.head_a).get(f"/petitions/matters/{m.pk}/").content.decode()
        assert "书面反馈已逾期（期限 2026-04-01）" in page
        with pytest.raises(workflow.ActionNotAllowed, match="大队A"):
            followup.record_feedback(row, by=cast.head_b, feedback="已采纳", adoption="adopted")
        login(cast.head_a).post(f"/petitions/recommendations/{row.pk}/feedback/", {"feedback": "已采纳，整改完毕。", "adoption": "adopted"})
    row.refresh_from_db()
    assert row.feedback_on == date(2026, 4, 2) and row.feedback_by == cast.head_a and row.feedback == "已采纳，整改完毕。"
    assert row.adoption == "adopted"
    assert login(cast.handler_a).get("/petitions/recommendations/").status_code in (403, 404)  # 承办人不看清单
    assert Recommendation.objects.filter(feedback_on__isnull=True).count() == 0


# -- 第三十五条：门户的电子送达 ---------------------------------------------------------------------


@pytest.mark.parametrize("chose", [True, False])
def test_the_portal_form_asks_for_electronic_delivery_and_only_then_a_download_delivers(cast, client, chose):
    from xinfang.portal.tests.test_submission import form

    html = client.get("/portal/").content.decode()
    assert 'name="electronic_delivery"' in html and "第三十五条" in html
    response = client.post("/portal/", form(client, **({"electronic_delivery": "on"} if chose else {})))
    number = re.search(r'id="number">([^<]+)<', response.content.decode()).group(1)
    code = re.search(r'id="code">([^<]+)<', response.content.decode()).group(1)
    matter = Matter.objects.get(number=number)
    assert matter.petitions.get().consents_electronic_delivery is chose
    matter = decisions.accept_matter(matter, by=cast.clerk)
    matter = decisions.assign_matter(matter, by=cast.clerk, lead=cast.brigade_a, handler=cast.handler_a)
    matter = handling.start_handling(matter, by=cast.handler_a)
    matter = handling.draft_reply(matter, by=cast.handler_a, outcome="explain", text="解释说明。")
    matter = handling.approve_reply(matter, by=cast.head_a)  # 不当场送达
    reply_doc = matter.documents.get(kind=DocumentKind.REPLY)
    client.post("/portal/query/", {"number": number, "code": code})
    assert client.get(f"/portal/progress/documents/{reply_doc.pk}/").status_code == 200
    opinion = fresh(matter).opinions.get(kind=OpinionKind.REPLY)
    if chose:
        assert (opinion.delivered_on, opinion.delivery_method) == (clock.today(), DeliveryMethod.ELECTRONIC)
        assert fresh(matter).review_request_closes is not None
    else:
        assert opinion.delivered_on is None and fresh(matter).review_request_closes is None
        with pytest.raises(ValidationError, match="未同意电子送达"):
            opinions.record_delivery(matter, by=cast.clerk, method=DeliveryMethod.ELECTRONIC,
                                     delivered_on=clock.today(), proof="短信")
