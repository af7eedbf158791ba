from datetime import datetime

import pytest

from xinfang.ml.casefile import CaseFileError
from xinfang.screening import importer
from xinfang.screening.importer import import_cases
from xinfang.screening.models import EnforcementCase, ImportRun, ImportStatus
from xinfang.screening.testing import give_codes, sample_case, write_cases


@pytest.fixture
def coded(cast):
    give_codes(cast)
    cast.handler_a.police_number = "A001"
    cast.handler_a.save()
    return cast


def test_import_creates_cases_with_unit_officer_and_a_masked_party_id(coded, tmp_path):
    path = tmp_path / "c.csv"
    write_cases(path, [sample_case("C1"), sample_case("C2", department_code="B", officer_no="B9")])
    outcome = import_cases(path)
    assert (outcome.run.created, outcome.run.rejected) == (2, 0)
    case = EnforcementCase.objects.get(case_no="C1")
    assert case.department == coded.brigade_a and case.officer == coded.handler_a
    assert case.party_id_masked == "320*************34"
    assert "199001011234" not in case.party_id_index and len(case.party_id_index) == 64


def test_a_case_file_saved_as_gbk_by_excel_imports_the_same_as_utf8(coded, tmp_path):
    utf8 = tmp_path / "utf8.csv"
    write_cases(utf8, [sample_case("C1"), sample_case("C2", department_code="B", officer_no="B9")])
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(utf8.read_text(encoding="utf-8-sig").encode("gbk"))
    outcome = import_cases(gbk)
    assert (outcome.run.created, outcome.run.rejected) == (2, 0), outcome.run.problems
    case = EnforcementCase.objects.get(case_no="C1")
    assert case.department == coded.brigade_a and case.party_id_masked == "320*************34"
    assert import_cases(utf8).run.unchanged == 2  # the same rows, read the same way from either file


def test_importing_the_same_file_twice_changes_nothing_and_says_so(coded, tmp_path):
    path = tmp_path / "c.csv"
    write_cases(path, [sample_case(f"C{i}") for i in range(5)])
    import_cases(path)
    again = import_cases(path)
    assert (again.run.created, again.run.updated, again.run.unchanged) == (0, 0, 5)
    assert "没有任何变化" in again.summary()


def test_a_changed_row_updates_its_case(coded, tmp_path):
    path = tmp_path / "c.csv"
    write_cases(path, [sample_case("C1")])
    import_cases(path)
    write_cases(path, [sample_case("C1", compensation="unpaid")])
    outcome = import_cases(path)
    assert outcome.run.updated == 1
    assert EnforcementCase.objects.get(case_no="C1").compensation == "unpaid"


def test_bad_rows_are_reported_by_row_and_column_and_good_rows_still_import(coded, tmp_path):
    path = tmp_path / "c.csv"
    write_cases(path, [sample_case("C1"), sample_case("C2", opened_at=datetime(1900, 1, 1)),
                       sample_case("C3", department_code="ZZ"), sample_case("C1")])
    run = import_cases(path).run
    assert run.created == 1 and run.rejected == 3
    found = {(p["row"], p["column"]) for p in run.problems}
    assert found == {(3, "发生时间"), (4, "办案单位代码"), (5, "案件编号")}
    assert any("重复" in p["why"] for p in run.problems)


def test_a_wrong_header_refuses_the_whole_file(coded, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("编号,类型\nC1,事故\n", encoding="utf-8")
    with pytest.raises(CaseFileError, match="不认识的表头"):
        import_cases(path)
    assert not EnforcementCase.objects.exists()


def test_dry_run_reports_but_writes_nothing(coded, tmp_path):
    path = tmp_path / "c.csv"
    write_cases(path, [sample_case("C1"), sample_case("C2", case_type="其他")])
    run = import_cases(path, dry_run=True).run
    assert run.rejected == 1 and not EnforcementCase.objects.exists()


def test_a_crash_mid_file_keeps_committed_batches_and_a_rerun_resumes(coded, tmp_path, monkeypatch):
    path = tmp_path / "c.csv"
    write_cases(path, [sample_case(f"C{i:03d}") for i in range(25)])
    real = importer._upsert
    calls = {"n": 0}

    def crash_on_third_batch(run, batch):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("断电")
        real(run, batch)

    monkeypatch.setattr(importer, "_upsert", crash_on_third_batch)
    with pytest.raises(RuntimeError):
        import_cases(path, batch_size=10)
    assert EnforcementCase.objects.count() == 20  # two batches of ten committed, the third rolled back
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.RUNNING and run.last_committed_row == 21
    monkeypatch.setattr(importer, "_upsert", real)
    outcome = import_cases(path, batch_size=10)
    assert outcome.resumed_from == 21 and outcome.run.created == 25 and "续传" in outcome.summary()
    assert EnforcementCase.objects.count() == 25 and outcome.run.status == ImportStatus.DONE


def test_a_truncated_xlsx_imports_what_was_readable_and_names_the_row(coded, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["案件编号", "案件类型", "办案单位代码", "办案民警警号", "发生时间", "决定时间"])
    for i in range(6000):
        sheet.append([f"X{i}", "违法", "A", "A001", "2026-01-01", "2026-01-02"])
    whole = tmp_path / "whole.xlsx"
    workbook.save(whole)
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(whole.read_bytes()[: int(whole.stat().st_size * 0.9)])
    try:
        outcome = import_cases(cut, batch_size=500)
    except CaseFileError as exc:  # cut inside the sheet's index: nothing readable at all
        assert "xlsx" in str(exc) and not EnforcementCase.objects.exists()
        return
    run = outcome.run
    assert run.status == ImportStatus.FAILED and "续传" in run.message
    assert EnforcementCase.objects.count() == run.last_committed_row - 1
    assert run.problems[-1]["row"] > 1


def test_the_command_prints_a_chinese_report(coded, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    path = tmp_path / "c.csv"
    write_cases(path, [sample_case("C1"), sample_case("C2", department_code="ZZ")])
    out = StringIO()
    call_command("import-cases", str(path), stdout=out, stderr=StringIO())
    text = out.getvalue()
    assert "第 3 行「办案单位代码」列值「ZZ」" in text and "新增 1" in text


def test_the_import_page_runs_in_the_background_and_shows_progress(coded, tmp_path, login, settings, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from xinfang.screening import import_views

    settings.VAR_DIR = tmp_path
    started = []
    monkeypatch.setattr(import_views, "start_background", lambda run, path, by: started.append((run.pk, str(path), by.pk)))
    path = tmp_path / "c.csv"
    write_cases(path, [sample_case("C1"), sample_case("C2", department_code="ZZ")])
    client = login(coded.admin)
    response = client.post("/screening/import/", {"file": SimpleUploadedFile("案件.csv", path.read_bytes())})
    run_id, saved, by = started[0]
    assert response.status_code == 302 and response.url.endswith(f"/screening/import/{run_id}/")
    polling = client.get(response.url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in polling
    import_views.execute_import(run_id, saved, by)  # what the thread does
    done = client.get(response.url, HTTP_HX_REQUEST="true").content.decode()
    assert "every 1s" not in done and "100%" in done and "系统中没有这个单位代码" in done


def test_the_import_page_refuses_other_files_and_other_roles(coded, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    assert login(coded.head_a).get("/screening/import/").status_code == 404
    response = login(coded.admin).post("/screening/import/", {"file": SimpleUploadedFile("a.doc", b"x")}, follow=True)
    assert "只接受 CSV" in response.content.decode()


def test_a_page_upload_of_a_file_with_a_wrong_header_says_why(coded, tmp_path, login, settings, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from xinfang.screening import import_views

    settings.VAR_DIR = tmp_path
    started = []
    monkeypatch.setattr(import_views, "start_background", lambda run, path, by: started.append((run.pk, str(path), by.pk)))
    client = login(coded.admin)
    client.post("/screening/import/", {"file": SimpleUploadedFile("bad.csv", "编号\nC1\n".encode())})
    import_views.execute_import(*started[0])
    page = client.get(f"/screening/import/{started[0][0]}/").content.decode()
    assert "不认识的表头" in page and "失败" in page


def test_a_page_upload_of_a_file_that_crashed_before_resumes_it(coded, tmp_path, monkeypatch):
    path = tmp_path / "c.csv"
    write_cases(path, [sample_case(f"C{i:03d}") for i in range(25)])
    real = importer._upsert
    monkeypatch.setattr(importer, "_upsert", lambda run, batch: (_ for _ in ()).throw(RuntimeError("断电"))
                        if batch[0][0] > 11 else real(run, batch))
    with pytest.raises(RuntimeError):
        import_cases(path, batch_size=10)
    monkeypatch.setattr(importer, "_upsert", real)
    page_run = ImportRun.objects.create(file_name="c.csv", file_sha256="", started_at=ImportRun.objects.get().started_at)
    outcome = import_cases(path, run=page_run, batch_size=10)
    assert outcome.resumed_from == 11 and outcome.run.pk == page_run.pk and outcome.run.created == 25
    assert not ImportRun.objects.exclude(status=ImportStatus.DONE).exists()


def test_the_fast_row_parser_gives_what_the_column_by_column_check_gives(tmp_path):
    """导入的快路径（预编的逐列转换表）与 parse_row 对每一行结果相同，怪写法与错值也一样报告。"""
    from xinfang.ml.casefile import COLUMNS, compile_parser, parse_row, read_rows

    path = tmp_path / "c.csv"
    write_cases(path, [sample_case("C1"), sample_case("C2", closed_at=datetime(2026, 3, 9), deaths=2, fine=12.5)])
    header, rows = read_rows(path)
    good = [cells for _, cells in rows]
    odd = [
        [" C3 ", *good[0][1:]],                      # 前后空白
        [good[0][0], *good[0][1:4], "2026/03/01", *good[0][5:]],  # 另一种日期写法
        [*good[0][:12], "3.0", *good[0][13:]],      # 整数写成 3.0
        [*good[0][:12], "-1", *good[0][13:]],       # 超出范围
        [*good[0][:4], "1900-01-01", *good[0][5:]],  # 1900 年
        [*good[0][:4], "2026-03-09", *good[0][5:]],  # 决定早于发生
        [*good[0][:1], "其他", *good[0][2:]],        # 不认识的类型
        [*good[0][:15], "", "是", *good[0][17:]],     # 未逃逸却已破
        ["   ", *good[0][1:]],                       # 必填只有空白
        good[0][:5],                                  # 短行
        [*good[0], "多余"],                           # 多余数据
    ]
    parse = compile_parser(header)
    keys = [c.key for c in COLUMNS]
    for number, cells in enumerate(good + odd, start=2):
        case, problems = parse_row(number, header, cells)
        values, found = parse(number, cells)
        assert found == problems
        assert values == (None if case is None else [case[k] for k in keys])
    assert parse(2, good[0])[0] is not None and parse(7, odd[4])[1][0].column == "发生时间"


def test_a_file_imported_again_after_a_change_elsewhere_counts_only_the_changed_rows(coded, tmp_path):
    path = tmp_path / "c.csv"
    write_cases(path, [sample_case(f"C{i}") for i in range(30)])
    import_cases(path, batch_size=7)
    write_cases(path, [sample_case(f"C{i}", fine=100 if i == 4 else 0) for i in range(32)])
    run = import_cases(path, batch_size=7).run
    assert (run.created, run.updated, run.unchanged) == (2, 1, 29)
    assert EnforcementCase.objects.get(case_no="C4").fine == 100
    assert EnforcementCase.objects.get(case_no="C5").party_id == "320102199001011234"
