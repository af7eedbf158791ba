"""大批导入：暂缓维护的索引在结束时、在被打断后的续传里都建回；子进程校验与单进程结果一字不差。

`coded`（单位代码与警号）来自本目录的 conftest。"""

from datetime import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.forms.models import model_to_dict

from xinfang.screening import bulkindex, importer
from xinfang.screening.importer import import_cases
from xinfang.screening.models import DeferredIndex, EnforcementCase, ImportRun, ImportStatus
from xinfang.screening.testing import sample_case, write_cases

REAL_UPSERT = importer._upsert


@pytest.fixture
def small_big_import(monkeypatch):
    """把"大批导入"的门槛降到 10 行，好用几十行的文件测暂缓索引。"""
    monkeypatch.setattr(bulkindex, "DEFER_MIN_ROWS", 10)


def _cases(n: int, prefix: str = "C") -> list[dict]:
    return [sample_case(f"{prefix}{i:03d}", party_id=f"3201021990010{i:05d}") for i in range(n)]


def _index_names() -> set[str]:
    return {name for name, _ in bulkindex.secondary_indexes()}


def _watch_batches(monkeypatch, *, crash_on: int | None = None) -> list[set[str]]:
    """每写一批前记下当时案件表上有哪些次要索引；crash_on：第几批时像断电一样抛错（那一批回滚）。"""
    real, seen = importer._upsert, []

    def upsert(run, batch):
        seen.append(_index_names())
        if len(seen) == crash_on:
            raise RuntimeError("断电")
        real(run, batch)

    monkeypatch.setattr(importer, "_upsert", upsert)
    return seen


def _crash_a_big_import(tmp_path, monkeypatch, *, crash_on: int, workers: int = 2):
    """30 行、每批 10 行的大批导入，在第 crash_on 批时断电；返回文件路径。"""
    path = tmp_path / "c.csv"
    write_cases(path, _cases(30))
    _watch_batches(monkeypatch, crash_on=crash_on)
    with pytest.raises(RuntimeError, match="断电"):
        import_cases(path, batch_size=10, workers=workers)
    return path


@pytest.mark.parametrize("workers", [1, 2])
def test_a_big_import_writes_without_the_secondary_indexes_and_builds_them_back_at_the_end(
        coded, tmp_path, monkeypatch, small_big_import, workers):
    before = dict(bulkindex.secondary_indexes())
    assert len(before) >= 6 and "case_officer_risk_idx" in before
    path = tmp_path / "c.csv"
    write_cases(path, _cases(30))
    during = _watch_batches(monkeypatch)
    outcome = import_cases(path, batch_size=10, workers=workers)
    assert outcome.run.created == 30 and outcome.run.status == ImportStatus.DONE
    assert during == [set(), set(), set()]  # 三批都是在没有次要索引时写的
    assert dict(bulkindex.secondary_indexes()) == before  # 建回的与原来的一字不差
    assert not DeferredIndex.objects.exists()
    assert f"{len(before)} 个索引已建回" in outcome.run.message


def test_a_reimport_and_a_small_import_keep_maintaining_the_indexes(coded, tmp_path, monkeypatch, small_big_import):
    path = tmp_path / "c.csv"
    write_cases(path, _cases(30))
    import_cases(path, batch_size=10)
    names = _index_names()
    during = _watch_batches(monkeypatch)
    again = import_cases(path, batch_size=10, workers=2)
    assert (again.run.created, again.run.updated, again.run.unchanged) == (0, 0, 30)
    assert "没有任何变化" in again.summary()
    more = tmp_path / "more.csv"
    write_cases(more, _cases(12, prefix="M"))  # 12 行 ≤ 已有 30 件的两倍：逐行维护
    import_cases(more, batch_size=10)
    assert during and all(seen == names for seen in during)
    assert not DeferredIndex.objects.exists()


def test_a_crash_during_a_big_import_leaves_the_indexes_recorded_the_pages_say_so_and_the_resume_builds_them(
        coded, tmp_path, monkeypatch, small_big_import, login):
    names = _index_names()
    path = _crash_a_big_import(tmp_path, monkeypatch, crash_on=3)
    assert EnforcementCase.objects.count() == 20 and ImportRun.objects.get().last_committed_row == 21
    assert _index_names() == set() and set(bulkindex.pending()) == names
    page = login(coded.handler_a).get("/screening/").content.decode()
    assert f"案件表有 {len(names)} 个索引" in page and "尚未建回" in page

    monkeypatch.setattr(importer, "_upsert", REAL_UPSERT)
    outcome = import_cases(path, batch_size=10, workers=2)
    assert outcome.resumed_from == 21 and outcome.run.created == 30 and outcome.run.status == ImportStatus.DONE
    assert _index_names() == names and not DeferredIndex.objects.exists()
    assert "尚未建回" not in login(coded.handler_a).get("/screening/").content.decode()
    again = import_cases(path, batch_size=10, workers=2)
    assert (again.run.created, again.run.updated, again.run.unchanged) == (0, 0, 30)


@pytest.mark.parametrize("command", [["import-cases", "--build-indexes"], ["score-cases"]])
def test_the_indexes_a_killed_import_left_are_built_by_the_command_or_by_scoring(
        coded, tmp_path, monkeypatch, small_big_import, command):
    names = _index_names()
    _crash_a_big_import(tmp_path, monkeypatch, crash_on=2, workers=1)
    assert set(bulkindex.pending()) == names
    out = StringIO()
    call_command(*command, stdout=out, stderr=StringIO())
    assert _index_names() == names and not DeferredIndex.objects.exists()
    assert "建回" in out.getvalue()


def test_a_file_that_breaks_midway_commits_what_was_read_and_builds_the_indexes_back(
        coded, tmp_path, small_big_import):
    names = _index_names()
    good = tmp_path / "good.csv"
    write_cases(good, _cases(300))
    path = tmp_path / "c.csv"
    lines = good.read_bytes().split(b"\n")
    path.write_bytes(b"\n".join(lines[:250]) + b"\n\xff\xfe broken\n" + b"\n".join(lines[250:]))
    outcome = import_cases(path, batch_size=50, workers=2)
    run = outcome.run
    assert run.status == ImportStatus.FAILED and "续传" in run.message and "已建回" in run.message
    # 逐行解码：坏字节所在的那一行（第 251 行）之前的整批都已提交，之后的一行也没有
    assert EnforcementCase.objects.count() == run.last_committed_row - 1 == 200
    assert "不是 UTF-8 编码" in run.problems[-1]["why"] and run.problems[-1]["row"] == 251
    assert _index_names() == names and not DeferredIndex.objects.exists()


def test_the_parse_worker_gives_exactly_what_one_process_gives(coded, tmp_path):
    cases = _cases(45) + [sample_case("C001"), sample_case("BAD1", opened_at=datetime(1900, 1, 1)),
                          sample_case("BAD2", department_code="ZZ"), sample_case("BAD3", compensation="随便")]
    cases.insert(20, sample_case("ODD", officer_no="NOBODY", closed_at=datetime(2026, 3, 9, 8)))
    path = tmp_path / "c.csv"
    write_cases(path, cases)

    def imported(workers: int):
        run = import_cases(path, batch_size=7, workers=workers).run
        rows = {c.case_no: {k: v for k, v in model_to_dict(c).items() if k not in ("id", "party_id", "imported_at")}
                | {"party_id": c.party_id}
                for c in EnforcementCase.objects.all()}
        counts = (run.rows_seen, run.created, run.updated, run.unchanged, run.rejected, run.last_committed_row)
        EnforcementCase.objects.all().delete()
        ImportRun.objects.all().delete()
        return rows, counts, run.problems

    one, two = imported(1), imported(2)
    assert one == two
    assert one[1] == (50, 46, 0, 0, 4, 51) and len(one[2]) == 4
