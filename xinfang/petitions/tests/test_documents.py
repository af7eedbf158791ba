"""文书：九种文书的成文内容、文号序列（含并发）、管理员模板、发文留痕。"""

from __future__ import annotations

import hashlib
import io
import threading
from datetime import date, datetime
from zoneinfo import ZoneInfo

import docx
import pytest
import time_machine
from django.core.files.base import ContentFile
from django.db import connections, transaction

from xinfang.audit.models import AuditEvent
from xinfang.petitions import documents
from xinfang.petitions.deadlines import channel_notice_text
from xinfang.petitions.documents import (
    document_context, issue_document, next_number, placeholders_in, render, template_placeholders,
)
from xinfang.petitions.models import (
    AppealRequest, Channel, DocumentKind, DocumentSequence, DocumentTemplate, Matter, MatterEvent, Opinion,
    OpinionKind, Outcome, Petition, Petitioner, Referral, ReferralKind, ReviewOutcome,
)

TZ = ZoneInfo("Asia/Shanghai")
ISSUED_AT = datetime(2026, 3, 2, 10, 0, tzinfo=TZ)

# 每种文书必须说出的那句话。
KEY_SENTENCES = {
    DocumentKind.ACCEPTANCE: ["本机关决定予以受理", "自受理之日起60日内办结", "2026年4月13日"],
    DocumentKind.DECLINE: ["本机关决定不予受理", "该事项属于道路运输管理部门职责",
                           "你（单位）可以向市交通运输局提出"],
    DocumentKind.TRANSFER: ["转送市交通运输局依法处理"],
    DocumentKind.DIVERSION: ["道路交通事故认定复核", channel_notice_text("accident_review")],
    DocumentKind.EXTENSION: ["办理期限延长20日", "因需调取外省监控录像", "2026年5月6日"],
    DocumentKind.REPLY: ["对你（单位）的投诉请求予以支持", "本机关决定：向你（单位）赔礼道歉；纠正相关执法行为。",
                         "如对本处理意见不服，可自收到本意见书之日起30日内向测试支队请求复查",
                         "依照《信访工作条例》第三十二条的规定"],
    DocumentKind.REVIEW: ["可自收到本意见书之日起30日内向测试支队请求复核", "2026年2月20日请求复查",
                          "复查意见：维持原处理意见（予以支持）"],
    DocumentKind.RE_REVIEW: ["仍然以同一事实和理由提出投诉请求的，信访部门和其他机关、单位不再受理"],
    DocumentKind.NOT_ACCEPTED_AGAIN: ["依照《信访工作条例》第三十六条的规定，信访部门和其他机关、单位不再受理",
                                      "2026年2月10日再次提出"],
    DocumentKind.LATE_APPEAL: ["请求复查的期限已于2026年3月1日届满", "本机关决定对该复查请求不予受理",
                               "依照《信访工作条例》第三十五条的规定"],
    DocumentKind.OBJECTION: ["测试市公安局于2026年2月10日交办本机关", "来文编号：测公交〔2026〕5号",
                             "不属于本机关职权范围，理由如下：该路段由城管部门管理", "5个工作日内提出异议",
                             "测试市公安局：", "特此报告。"],
    DocumentKind.COMPLETION_REPORT: ["要求于2026年3月10日前报告办理结果", "已向信访人赔礼道歉",
                                     "依照《信访工作条例》第二十二条关于交办事项提交办结报告的规定", "测试支队大队A于2026年3月2日出具处理意见书（予以支持）"],
}
NUMBER = "测试支队大队A信访〔2026〕1号"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def frozen():
    with time_machine.travel(ISSUED_AT, tick=False):
        yield


@pytest.fixture
def matter(cast):
    matter = Matter.objects.create(
        number="XF2026000123", title="对违法停车处罚有异议",
        summary="信访人称其车辆停放在非禁停路段，却被处以罚款200元。", requests="撤销处罚决定，退还罚款。",
        department=cast.brigade_a, received_on=date(2026, 2, 10), accepted_on=date(2026, 2, 12),
        handling_due=date(2026, 4, 13), extension_days=0, review_requested_on=date(2026, 2, 20),
        re_review_requested_on=date(2026, 2, 25), outcome=Outcome.SUPPORT,
        reply_text="经调取现场照片核实，该路段禁停标志被树木遮挡。", remedy_apology=True, remedy_correction=True,
        disposal={"reason": "该事项属于道路运输管理部门职责。", "where_to_go": "向市交通运输局提出",
                  "authority": "市交通运输局", "channel": "accident_review",
                  "extension_reason": "需调取外省监控录像"},
    )
    petition = Petition.objects.create(matter=matter, channel=Channel.LETTER, content="来信内容",
                                       received_at=datetime(2026, 2, 10, 9, 30, tzinfo=TZ))
    petition.petitioners.add(Petitioner.objects.create(name="张三", address="某市某区幸福路8号"))
    return matter


def docx_text(data: bytes) -> str:
    """python-docx 读出的全部文字：正文、表格、页眉页脚。"""
    document = docx.Document(io.BytesIO(data))
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        texts += [cell.text for row in table.rows for cell in row.cells]
    for section in document.sections:
        texts += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
    return "\n".join(texts)


OPINION_KINDS = {DocumentKind.REPLY: OpinionKind.REPLY, DocumentKind.REVIEW: OpinionKind.REVIEW,
                 DocumentKind.RE_REVIEW: OpinionKind.RE_REVIEW}


def opinion_for(matter, kind) -> Opinion | None:
    """意见书取自意见行：按事项上的答复草稿造一行（复查、复核维持原意见）。"""
    if kind not in OPINION_KINDS:
        return None
    review = kind != DocumentKind.REPLY
    return Opinion.objects.create(
        matter=matter, kind=OPINION_KINDS[kind], deciding_organ=matter.department, decision=matter.outcome,
        review_outcome=ReviewOutcome.UPHOLD if review else "", text=matter.reply_text,
        remedy_apology=matter.remedy_apology and not review, remedy_correction=matter.remedy_correction and not review,
        decided_on=date(2026, 3, 2), created_at=ISSUED_AT,
    )


def request_for(matter, kind) -> AppealRequest | None:
    if kind != DocumentKind.LATE_APPEAL:
        return None
    Matter.objects.filter(pk=matter.pk).update(reply_delivered_on=date(2026, 1, 30))
    matter.refresh_from_db()
    return AppealRequest.objects.create(matter=matter, kind=OpinionKind.REVIEW, requested_on=date(2026, 3, 2),
                                        window_closes=date(2026, 3, 1), is_late=True, created_at=ISSUED_AT)


def referral_for(matter, kind) -> None:
    if kind not in (DocumentKind.OBJECTION, DocumentKind.COMPLETION_REPORT):
        return
    Referral.objects.create(matter=matter, kind=ReferralKind.ASSIGN, source="测试市公安局", reference="测公交〔2026〕5号",
                            received_on=date(2026, 2, 10), report_due=date(2026, 3, 10),
                            objection_reason="该路段由城管部门管理。", report_text="已向信访人赔礼道歉。",
                            created_at=ISSUED_AT)
    if kind == DocumentKind.COMPLETION_REPORT:
        Opinion.objects.create(matter=matter, kind=OpinionKind.REPLY, deciding_organ=matter.department,
                               decision=Outcome.SUPPORT, text="支持", decided_on=date(2026, 3, 2), created_at=ISSUED_AT)


def issue(matter, kind, by, **extra):
    referral_for(matter, kind)
    with transaction.atomic():
        return issue_document(matter, kind, by=by, extra=extra, opinion=opinion_for(matter, kind),
                              request=request_for(matter, kind))


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(DocumentKind))
def test_each_kind_renders_a_docx_with_number_department_petitioner_and_key_sentence(
    kind, matter, cast, frozen,
):
    if kind == DocumentKind.EXTENSION:
        Matter.objects.filter(pk=matter.pk).update(extension_days=20, handling_due=date(2026, 5, 6))
        matter.refresh_from_db()
    document = issue(matter, kind, cast.handler_a)
    with document.file.open("rb") as handle:
        text = docx_text(handle.read())
    assert document.number == NUMBER
    title = "信访事项复查请求不予受理告知书" if kind == DocumentKind.LATE_APPEAL else kind.label
    for needle in [document.number, "测试支队大队A", "张三", "XF2026000123", "2026年3月2日", title,
                   *KEY_SENTENCES[kind]]:
        assert needle in text, needle
    assert "{{" not in text and "【缺少" not in text


@pytest.mark.parametrize("kind", list(DocumentKind))
def test_bundled_templates_use_only_the_placeholders_their_kind_offers(kind):
    data = (documents.TEMPLATE_DIR / f"{kind.value}.docx").read_bytes()
    used = placeholders_in(data)
    assert {"发文单位", "文号", "成文日期", "信访人"} <= set(used)
    assert set(used) <= set(template_placeholders(kind))


@pytest.mark.django_db
def test_numbers_run_one_two_three_per_department_and_year(cast):
    a = [next_number(cast.brigade_a, 2026) for _ in range(3)]
    b = [next_number(cast.brigade_b, 2026) for _ in range(2)]
    next_year = next_number(cast.brigade_a, 2027)
    assert a == [(1, "测试支队大队A信访〔2026〕1号"), (2, "测试支队大队A信访〔2026〕2号"),
                 (3, "测试支队大队A信访〔2026〕3号")]
    assert b == [(1, "测试支队大队B信访〔2026〕1号"), (2, "测试支队大队B信访〔2026〕2号")]
    assert next_year == (1, "测试支队大队A信访〔2027〕1号")
    # 中队以所属大队（机关）的名义发文，用大队的序列。
    assert next_number(cast.squadron_a1, 2026) == (4, "测试支队大队A信访〔2026〕4号")


@pytest.mark.django_db
def test_a_number_taken_in_a_rolled_back_transaction_is_given_out_again(cast):
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        assert next_number(cast.brigade_a, 2026)[0] == 1
        1 / 0
    assert next_number(cast.brigade_a, 2026)[0] == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_numbers_taken_by_four_threads_at_once_are_distinct_and_without_gaps(cast):
    barrier = threading.Barrier(4)
    taken: list[int] = []
    errors: list[BaseException] = []

    def take_five() -> None:
        try:
            barrier.wait()
            for _ in range(5):
                with transaction.atomic():
                    taken.append(next_number(cast.brigade_a, 2026)[0])
        except BaseException as exc:  # 线程里的异常要带回主线程断言
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take_five) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(taken) == list(range(1, 21))
    assert DocumentSequence.objects.get(department=cast.brigade_a, year=2026).last == 20


def _admin_template() -> bytes:
    """像在 Word 里编辑过的模板：占位符被拆成几段 run，另有表格、页眉和一个不认识的占位符。"""
    document = docx.Document()
    document.add_paragraph("管理员自定义模板")
    greeting = document.add_paragraph("尊敬的")
    greeting.add_run("{{信").bold = True
    greeting.add_run("访人")
    greeting.add_run("}}：您好")
    document.add_paragraph("请携带{{ 不存在的字段 }}前来。")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "文号"
    table.cell(0, 1).text = "{{文号}}"
    document.sections[0].header.paragraphs[0].text = "{{发文单位}}"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.mark.django_db
def test_an_admin_template_replaces_the_bundled_one_and_merges_split_placeholders(matter):
    DocumentTemplate.objects.create(kind=DocumentKind.ACCEPTANCE,
                                    file=ContentFile(_admin_template(), name="受理.docx"))
    context = document_context(matter, DocumentKind.ACCEPTANCE, extra={"文号": "大队A信访〔2026〕9号"})
    document = docx.Document(io.BytesIO(render(DocumentKind.ACCEPTANCE, context)))

    assert document.paragraphs[0].text == "管理员自定义模板"
    greeting = document.paragraphs[1]
    assert greeting.text == "尊敬的张三：您好"
    assert [run.text for run in greeting.runs] == ["尊敬的", "张三", "", "：您好"]
    assert greeting.runs[1].bold  # 沿用占位符第一段 run 的格式
    assert document.tables[0].cell(0, 1).text == "大队A信访〔2026〕9号"
    assert document.sections[0].header.paragraphs[0].text == "测试支队大队A"


@pytest.mark.django_db
def test_an_unknown_placeholder_in_an_admin_template_shows_a_missing_marker(matter):
    DocumentTemplate.objects.create(kind=DocumentKind.ACCEPTANCE,
                                    file=ContentFile(_admin_template(), name="受理.docx"))
    text = docx_text(render(DocumentKind.ACCEPTANCE, document_context(matter, DocumentKind.ACCEPTANCE)))
    assert "请携带【缺少：不存在的字段】前来。" in text


@pytest.mark.django_db
def test_a_corrupt_admin_template_is_reported_in_chinese(matter):
    DocumentTemplate.objects.create(kind=DocumentKind.REPLY, file=ContentFile(b"not a docx", name="x.docx"))
    with pytest.raises(ValueError, match="不是有效的 Word"):
        render(DocumentKind.REPLY, {})


@pytest.mark.django_db(transaction=True)
def test_issue_document_outside_a_transaction_raises_and_takes_no_number(matter, cast):
    with pytest.raises(RuntimeError, match="事务"):
        issue_document(matter, DocumentKind.ACCEPTANCE, by=cast.handler_a)
    assert not DocumentSequence.objects.exists()


@pytest.mark.django_db
def test_issue_document_leaves_an_audit_row_an_event_and_a_file_matching_its_sha256(matter, cast, frozen):
    document = issue(matter, DocumentKind.ACCEPTANCE, cast.handler_a)

    with document.file.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == document.sha256
    assert document.file.name.endswith("测试支队大队A信访-2026-1号-acceptance.docx")
    assert (document.department, document.year, document.sequence) == (cast.brigade_a, 2026, 1)
    assert document.to_petitioner and document.created_by == cast.handler_a
    assert document.created_at == ISSUED_AT
    audit = AuditEvent.objects.get(action="document.issue")
    assert (audit.object_id, audit.actor) == (str(document.pk), cast.handler_a)
    event = MatterEvent.objects.get(matter=matter, action="document")
    assert event.data == {"document_id": document.pk, "kind": "acceptance", "number": NUMBER}
    assert list(matter.documents.all()) == [document]


@pytest.mark.django_db
def test_a_decline_notice_without_a_reason_is_refused_before_a_number_is_taken(matter, cast):
    Matter.objects.filter(pk=matter.pk).update(disposal={})
    matter.refresh_from_db()
    with pytest.raises(ValueError, match="不予受理理由、告知去向"):
        issue(matter, DocumentKind.DECLINE, cast.handler_a)
    assert not DocumentSequence.objects.exists()
    extra = {"不予受理理由": "不属于公安交管职责", "告知去向": "向区人民法院起诉"}
    assert "向区人民法院起诉" in docx_text(render(DocumentKind.DECLINE,
                                                  document_context(matter, DocumentKind.DECLINE, extra=extra)))


@pytest.mark.django_db
def test_a_diversion_notice_with_an_unknown_channel_is_refused(matter):
    Matter.objects.filter(pk=matter.pk).update(disposal={"channel": "petition_to_the_moon"})
    matter.refresh_from_db()
    with pytest.raises(ValueError, match="未知的法定途径"):
        document_context(matter, DocumentKind.DIVERSION)


@pytest.mark.django_db
def test_a_review_opinion_cites_the_earlier_reply_by_number_and_date(matter, cast, frozen):
    reply = issue(matter, DocumentKind.REPLY, cast.handler_a)
    context = document_context(matter, DocumentKind.REVIEW, opinion=opinion_for(matter, DocumentKind.REVIEW))
    assert context["原处理意见书"] == f"《处理意见书》（{reply.number}，2026年3月2日）"
    assert context["处理结论"] == "维持"


@pytest.mark.django_db
def test_a_reply_without_remedies_says_nothing_about_them(matter):
    Matter.objects.filter(pk=matter.pk).update(outcome=Outcome.REJECT, remedy_apology=False,
                                               remedy_correction=False)
    matter.refresh_from_db()
    context = document_context(matter, DocumentKind.REPLY, opinion=opinion_for(matter, DocumentKind.REPLY))
    assert context["补救措施"] == ""
    assert context["处理意见"] == "对你（单位）的投诉请求不予支持"


@pytest.mark.django_db
def test_caller_values_win_but_the_number_and_date_are_the_issuers(matter, cast, frozen):
    document = issue(matter, DocumentKind.ACCEPTANCE, cast.handler_a, 事由="改写的事由", 文号="伪造文号",
                     成文日期="1999年1月1日")
    with document.file.open("rb") as handle:
        text = docx_text(handle.read())
    assert "改写的事由" in text and document.number in text and "2026年3月2日" in text
    assert "伪造文号" not in text and "1999年" not in text


@pytest.mark.django_db
def test_control_characters_in_the_matter_text_do_not_break_the_document(matter):
    # PostgreSQL 的文本列存不下 NUL，这里只放它存得下、Word 却不接受的控制字符。
    Matter.objects.filter(pk=matter.pk).update(summary="第一行\x0b第二行\r\n第三行\x01")
    matter.refresh_from_db()
    text = docx_text(render(DocumentKind.ACCEPTANCE, document_context(matter, DocumentKind.ACCEPTANCE)))
    assert "第一行第二行\n第三行" in text


def test_unknown_kinds_are_refused_with_the_valid_list():
    with pytest.raises(ValueError, match="acceptance（受理告知书）"):
        template_placeholders("petition_to_the_moon")
