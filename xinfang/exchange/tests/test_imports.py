"""信访台账导入：列对应、与登记页相同的规则、来源键幂等、按批原子提交与续传、命令与页面。"""

from __future__ import annotations

from datetime import datetime

import pytest
from django.core.management import CommandError, call_command

from xinfang.audit.models import AuditEvent
from xinfang.exchange import imports, ledger
from xinfang.exchange.models import ImportedRecord, ImportStatus, PetitionImport
from xinfang.exchange.testing import LEDGER_HEADER, ledger_rows, write_csv, write_xlsx
from xinfang.petitions.models import Channel, Matter, MatterEvent, Petition, Status
from xinfang.petitions.testing import id_number, register

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path


def run(path, cast, **kwargs) -> PetitionImport:
    return imports.import_petitions(path, by=kwargs.pop("by", cast.clerk), source_system=kwargs.pop("source", "市局台账"),
                                    **kwargs)


def test_chinese_headers_and_english_aliases_are_mapped_and_unknown_ones_left_out():
    mapping = ledger.auto_mapping(LEDGER_HEADER)
    assert {LEDGER_HEADER[int(i)]: key for i, key in mapping.items()} == {
        "原编号": "source_id", "信访形式": "channel", "登记日期": "received_at", "姓名": "petitioner_name",
        "身份证号码": "id_number", "联系电话": "phone", "反映内容": "content", "诉求": "requests", "人数": "head_count",
        "代表": "representatives"}
    english = ledger.auto_mapping(["record_id", "Channel", "received_at", "NAME", "content", "phone"])
    assert sorted(english.values()) == ["channel", "content", "petitioner_name", "phone", "received_at", "source_id"]


def test_mapping_problems_are_named_in_chinese():
    problems = ledger.mapping_problems({"0": "source_id", "1": "source_id", "2": "content"}, ["a", "b", "c"])
    assert any("「来源编号」同时对应了第 1 列和第 2 列" in p for p in problems)
    assert any("必须对应的字段还没有对应到列：收到时间、信访人" in p for p in problems)


def test_a_csv_ledger_is_imported_through_intake_and_a_second_import_changes_nothing(cast, tmp_path):
    path = tmp_path / "ledger.csv"
    write_csv(path, ledger_rows(3))
    batch = run(path, cast)
    assert batch.status == ImportStatus.DONE and (batch.created, batch.rejected) == (3, 0), batch.problems
    petitions = Petition.objects.order_by("pk")
    assert [p.channel for p in petitions] == [Channel.VISIT] * 3
    first = petitions[0]
    assert first.registered_by == cast.clerk and first.requests == "撤销处罚"
    assert first.petitioners.get().name == "王1" and first.matter.acceptance_due is not None
    assert MatterEvent.objects.filter(action="register").count() == 3
    assert ImportedRecord.objects.filter(source_system="市局台账").count() == 3
    assert AuditEvent.objects.filter(action="exchange.petitions_imported").exists()

    again = run(path, cast)
    assert (again.created, again.unchanged, again.conflicts) == (0, 3, 0)
    assert "文件此前已导入，没有任何变化" in imports.summary(again)
    assert Petition.objects.count() == 3
    other = run(path, cast, source="另一系统")  # 来源键含来源系统：另一系统的同号记录是另一件
    assert other.created == 3


def test_a_changed_row_with_a_known_source_key_is_reported_not_merged(cast, tmp_path):
    path = tmp_path / "ledger.csv"
    write_csv(path, ledger_rows(2))
    run(path, cast)
    rows = ledger_rows(2)
    rows[1][6] = "内容改过了：对扣车决定不服。"
    write_csv(path, rows)
    batch = run(path, cast)
    assert (batch.created, batch.unchanged, batch.conflicts) == (0, 1, 1)
    problem = batch.problems[0]
    assert problem["row"] == 3 and problem["column"] == "来源编号" and "未合并" in problem["why"]
    assert Petition.objects.filter(content__startswith="内容改过了").count() == 0


def test_each_bad_row_is_reported_by_row_column_value_and_why_and_the_good_rows_still_go_in(cast, tmp_path):
    rows = ledger_rows(8)
    rows[0][4] = "110101199003071230"  # 校验位错
    rows[1][1] = "托梦"  # 不认识的渠道
    rows[2][2] = "2099-01-01"  # 晚于现在
    rows[3][8], rows[3][9] = 6, ""  # 六人走访未推选代表
    rows[4][3], rows[4][8], rows[4][9] = "甲、乙、丙、丁、戊、己", 6, "甲、乙、丙、丁、戊、己"  # 代表超过 5 人
    rows[4][4] = rows[4][5] = ""
    rows[5][0] = "R1"  # 与第 2 行重复
    rows[6][6] = ""  # 内容空
    path = tmp_path / "bad.csv"
    write_csv(path, rows)
    batch = run(path, cast)
    assert (batch.created, batch.rejected) == (1, 7), batch.problems
    why = {(p["row"], p["column"]): p for p in batch.problems}
    assert "校验位" in why[(2, "身份证号")]["why"] and "*" in why[(2, "身份证号")]["value"]  # 号码脱敏
    assert "不认识的渠道" in why[(3, "渠道")]["why"] and "来访" in why[(3, "渠道")]["why"]
    assert "不能晚于现在" in why[(4, "收到时间")]["why"]
    assert "第二十条" in why[(5, "信访人")]["why"] and "推选代表" in why[(5, "信访人")]["why"]
    assert "不超过 5 人" in why[(6, "信访人")]["why"]
    assert why[(7, "来源编号")]["why"] == "与文件第 2 行重复"
    assert why[(8, "信访内容")]["why"] == "必填，不能为空"
    assert Petition.objects.get().petitioners.get().name == "王8"


def test_a_collective_visit_with_representatives_passes_the_intake_rule(cast, tmp_path):
    rows = ledger_rows(1)
    rows[0][3], rows[0][4], rows[0][5] = "甲、乙、丙、丁、戊、己", "", ""
    rows[0][8], rows[0][9] = 6, "甲、乙"
    path = tmp_path / "collective.csv"
    write_csv(path, rows)
    batch = run(path, cast)
    assert batch.created == 1, batch.problems
    petition = Petition.objects.get()
    assert petition.is_collective and petition.petitionpetitioner_set.filter(is_representative=True).count() == 2


def test_a_row_for_a_terminated_matter_is_registered_with_the_not_accepted_again_notice(cast, tmp_path):
    matter = register(cast.clerk, department=cast.brigade_a)
    Matter.objects.filter(pk=matter.pk).update(status=Status.TERMINATED)  # 布景：一件已复核终结的事项
    header = [*LEDGER_HEADER, "事项编号"]
    rows = [[*ledger_rows(1)[0], matter.number], [*ledger_rows(1, start=2)[0], "XF0000000"]]
    path = tmp_path / "terminated.csv"
    write_csv(path, rows, header=header)
    batch = run(path, cast)
    assert (batch.created, batch.rejected) == (1, 1)
    assert "第三十六条" in batch.notices[0]["why"] and batch.notices[0]["row"] == 2
    assert MatterEvent.objects.filter(matter=matter, action="repeat_after_termination").exists()
    assert Matter.objects.get(pk=matter.pk).status == Status.TERMINATED
    assert batch.problems[0]["column"] == "事项编号" and "可见范围" in batch.problems[0]["why"]


def test_a_dry_run_reports_everything_and_writes_no_petition(cast, tmp_path):
    rows = ledger_rows(3)
    rows[2][4] = "110101199003071230"
    path = tmp_path / "ledger.csv"
    write_csv(path, rows)
    batch = run(path, cast, dry_run=True)
    assert (batch.created, batch.rejected) == (2, 1) and batch.status == ImportStatus.DONE
    assert not Petition.objects.exists() and not ImportedRecord.objects.exists()
    assert "可新增 2" in imports.summary(batch)


def test_an_xlsx_ledger_with_date_cells_and_a_changed_mapping(cast, tmp_path):
    rows = ledger_rows(2)
    for row in rows:
        row[2] = datetime(2026, 2, 10, 15, 30)
    path = tmp_path / "ledger.xlsx"
    write_xlsx(path, rows)
    mapping = ledger.auto_mapping(LEDGER_HEADER) | {"10": "title"}  # 用户把「备注」对应到事由
    batch = run(path, cast, mapping=mapping)
    assert batch.created == 2, batch.problems
    petition = Petition.objects.order_by("pk").first()
    assert petition.matter.title == "无" and petition.received_at.hour == 7  # 15:30 北京时间 = 07:30 UTC


def test_batches_are_atomic_and_an_interrupted_import_resumes_after_the_last_committed_row(cast, tmp_path, monkeypatch):
    path = tmp_path / "ledger.csv"
    write_csv(path, ledger_rows(7))
    monkeypatch.setattr(imports, "BATCH_SIZE", 3)
    monkeypatch.setattr(imports, "FLUSH_SECONDS", 3600)
    real = imports._one

    def crash_on_row_5(batch, row, *args, **kwargs):
        if row.number == 6:
            raise RuntimeError("进程被杀")
        return real(batch, row, *args, **kwargs)

    monkeypatch.setattr(imports, "_one", crash_on_row_5)
    batch = imports.create_batch(path, by=cast.clerk, source_system="市局台账")
    imports.start(batch, by=cast.clerk, background=False)
    batch = imports.execute_import(batch.pk)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED and "可在本页继续导入" in batch.message
    assert batch.last_committed_row == 4 and Petition.objects.count() == 3  # 第二批（第 5—7 行）整批回滚

    monkeypatch.setattr(imports, "_one", real)
    imports.start(batch, by=cast.clerk, background=False)
    batch = imports.execute_import(batch.pk)
    assert batch.status == ImportStatus.DONE and batch.created == 7 and batch.unchanged == 0
    assert Petition.objects.count() == 7


def test_a_new_upload_of_an_interrupted_file_takes_over_its_progress(cast, tmp_path):
    path = tmp_path / "ledger.csv"
    write_csv(path, ledger_rows(4))
    first = imports.create_batch(path, by=cast.clerk, source_system="市局台账")
    imports.start(first, by=cast.clerk, background=False)
    PetitionImport.objects.filter(pk=first.pk).update(status=ImportStatus.FAILED, last_committed_row=3, created=2,
                                                      rows_seen=2)
    second = run(path, cast)
    assert second.status == ImportStatus.DONE and second.rows_seen == 4 and second.created == 4
    assert Petition.objects.count() == 2  # 只读了第 4、5 行：前两行算作已由上一次提交
    assert PetitionImport.objects.get(pk=first.pk).message == f"已由第 {second.pk} 次导入续传"


def test_the_command_prints_the_mapping_problems_and_summary(cast, tmp_path, capsys):
    rows = ledger_rows(2)
    rows[1][4] = "110101199003071230"
    path = tmp_path / "ledger.csv"
    write_csv(path, rows)
    call_command("import-petitions", str(path), "--source", "市局台账", "--by", "clerk", "--dry-run",
                 "--mapping", "备注=事由")
    out = capsys.readouterr().out
    assert "「备注」→ 事由" in out and "第 3 行「身份证号」列" in out and "可新增 1" in out
    assert not Petition.objects.exists()
    with pytest.raises(CommandError, match="没有导入信访台账的权限"):
        call_command("import-petitions", str(path), "--source", "x", "--by", "handler_a")
    with pytest.raises(CommandError, match="文件里没有「籍贯」这一列"):
        call_command("import-petitions", str(path), "--source", "x", "--by", "clerk", "--mapping", "籍贯=address")


def test_a_file_that_is_not_text_is_refused_whole(cast, tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\xff\xd8\xff\xe0" * 64)
    with pytest.raises(imports.ImportRefused, match="无法按 GBK 编码读出表头"):
        run(path, cast)
    assert not PetitionImport.objects.exists()


def test_a_readable_file_that_is_not_a_ledger_stops_at_the_mapping_naming_the_missing_fields(cast, tmp_path):
    path = tmp_path / "notes.csv"
    path.write_bytes("编号,内容\n".encode("gbk") + "一,二\n".encode("gbk"))
    with pytest.raises(imports.ImportRefused, match="必须对应的字段还没有对应到列：收到时间、信访人"):
        run(path, cast)
    assert not Petition.objects.exists()


def test_a_ledger_saved_as_gbk_csv_by_excel_or_wps_imports_the_same_as_utf8(cast, tmp_path):
    path = tmp_path / "gbk.csv"
    write_csv(path, ledger_rows(2), encoding="gbk")
    batch = run(path, cast)
    assert batch.status == ImportStatus.DONE and (batch.created, batch.rejected) == (2, 0), batch.problems
    first = Petition.objects.order_by("pk")[0]
    assert first.petitioners.get().name == "王1" and first.requests == "撤销处罚"
    assert "违停处罚有异议" in first.content


def test_a_utf8_ledger_damaged_midway_names_the_damaged_row_itself(cast, tmp_path):
    good = tmp_path / "good.csv"
    write_csv(good, ledger_rows(40))
    lines = good.read_bytes().split(b"\n")
    path = tmp_path / "damaged.csv"
    path.write_bytes(b"\n".join(lines[:31]) + b"\n\xff\xfe,\xc0\n" + b"\n".join(lines[31:]))
    batch = run(path, cast)
    assert batch.status == ImportStatus.FAILED
    assert batch.problems[-1]["row"] == 32 and "此行不是 UTF-8 编码" in batch.problems[-1]["why"]
    # the batch in progress rolls back whole (resume starts after the last committed row), nothing half-read
    assert Petition.objects.count() == batch.created == 0 and batch.last_committed_row == 1


# -- 页面 -------------------------------------------------------------------------------------


def test_the_page_uploads_previews_maps_and_reports_progress(cast, login, tmp_path, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    path = tmp_path / "ledger.csv"
    write_csv(path, ledger_rows(2))
    client = login(cast.clerk)
    response = client.post("/exchange/import/", {"source_system": "市局台账",
                                                 "file": SimpleUploadedFile("台账.csv", path.read_bytes())})
    batch = PetitionImport.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exchange/import/{batch.pk}/"
    page = client.get(f"/exchange/import/{batch.pk}/").content.decode()
    assert 'name="col_0"' in page and '<option value="source_id" selected>' in page and "对第 1 起违停处罚有异议" in page

    fields = {f"col_{i}": key for i, key in ledger.auto_mapping(LEDGER_HEADER).items()}
    bad = client.post(f"/exchange/import/{batch.pk}/start/", {**fields, "col_0": "", "dry_run": "0"})
    assert bad.status_code == 400 and "必须对应的字段还没有对应到列：来源编号" in bad.content.decode()
    assert PetitionImport.objects.get().status == ImportStatus.MAPPING

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(f"/exchange/import/{batch.pk}/start/", {**fields, "dry_run": "0"})
    assert response.status_code == 302 and len(callbacks) == 1  # 提交后才在后台开始
    imports.execute_import(batch.pk)  # 就地运行后台那一步
    partial = client.get(f"/exchange/import/{batch.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "100%" in partial and "新增 2" in partial and "<html" not in partial
    assert Petition.objects.count() == 2
    assert login(cast.clerk_a).get(f"/exchange/import/{batch.pk}/").status_code == 404  # 只给上传人本人


def test_the_page_refuses_a_missing_source_and_a_wrong_file_type(cast, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(cast.clerk)
    page = client.post("/exchange/import/", {"source_system": "", "file": SimpleUploadedFile(
        "a.csv", "原编号,内容\n1,x\n".encode())}, follow=True).content.decode()
    assert "「来源系统」：请写明" in page
    page = client.post("/exchange/import/", {"source_system": "x", "file": SimpleUploadedFile("a.doc", b"x")},
                       follow=True).content.decode()
    assert "只接受 .xlsx 或 CSV" in page
    assert not PetitionImport.objects.exists()


def test_new_people_go_in_as_a_batch_with_the_same_facts_as_registering_one_by_one(cast, tmp_path):
    from xinfang.petitions import search

    rows = ledger_rows(3)
    for i, row in enumerate(rows):
        row[4] = id_number(f"44010619850101{i}12")  # 三个不同的人：走成批登记
    path = tmp_path / "ledger.csv"
    write_csv(path, rows)
    batch = run(path, cast)
    assert batch.created == 3, batch.problems
    assert AuditEvent.objects.filter(action="petition.register_many").count() == 1
    assert not AuditEvent.objects.filter(action="petition.register").exists()
    batched = Matter.objects.order_by("pk").first()
    single = register(cast.clerk, received_at=Petition.objects.order_by("pk").first().received_at)
    assert batched.number == f"XF2026{batched.pk:08d}" and batched.acceptance_due == single.acceptance_due
    assert batched.petition_count == 1 and batched.department == cast.clerk.department
    assert MatterEvent.objects.filter(matter=batched, action="register").exists()
    assert batched.pk in search.matching_ids("违停处罚")
    person = batched.petitions.get().petitioners.get()
    assert person.id_number == rows[0][4] and Petition.objects.filter(petitioners__id_number=rows[0][4]).count() == 1
