"""The case file format, the two risk tiers and the screening-eval contract — no database."""

from __future__ import annotations

import csv
import json
import random
from datetime import date, datetime

import numpy as np
import pytest

from xinfang.ml import casegen
from xinfang.ml.errors import DataError
from xinfang.ml.casefile import CaseFileError, parse_row, read_rows, resolve_header, write_csv
from xinfang.ml.screening import (DEFAULT_RULES, FEATURE_INDEX, LearnedRanker, feature_matrix, history_features,
                                  rule_score, screening_eval, screening_eval_main)

END = datetime(2026, 11, 1)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("screening")
    cases, outcomes = folder / "cases.csv", folder / "outcomes.csv"
    casegen.write_files(cases, outcomes, 25000, months=12, end=END, seed=3)
    return cases, outcomes


def test_english_aliases_and_chinese_headers_resolve_to_the_same_columns():
    chinese = resolve_header(["案件编号", "案件类型", "办案单位代码", "办案民警警号", "发生时间", "决定时间"])
    english = resolve_header(["case_no", "case_type", "department_code", "officer_no", "opened_at", "decided_at"])
    assert [c.key for c in chinese] == [c.key for c in english]


def test_an_unknown_header_names_its_column():
    with pytest.raises(CaseFileError) as caught:
        resolve_header(["案件编号", "案件种类"])
    assert caught.value.problem.column == "第 2 列" and "不认识的表头" in str(caught.value)


def test_a_missing_required_column_is_refused():
    with pytest.raises(CaseFileError, match="缺少必填列"):
        resolve_header(["案件编号", "案件类型"])


def test_a_date_in_1900_is_reported_with_row_column_and_value():
    header = resolve_header(["案件编号", "案件类型", "办案单位代码", "办案民警警号", "发生时间", "决定时间"])
    case, problems = parse_row(7, header, ["A1", "事故", "U01", "010001", "1900-01-01", "2026-03-02"])
    assert case is None
    assert (problems[0].row, problems[0].column, problems[0].value) == (7, "发生时间", "1900-01-01")
    assert "合理范围" in problems[0].why


def test_values_are_parsed_into_codes():
    header = resolve_header(["case_no", "case_type", "department_code", "officer_no", "opened_at", "decided_at",
                             "closed_at", "compensation", "hit_and_run", "fine"])
    case, problems = parse_row(2, header, ["A1", "事故", "U01", "010001", "2026-03-01 08:00", "2026/03/02",
                                           "", "未到位", "否", "200"])
    assert not problems
    assert case["case_type"] == "accident" and case["compensation"] == "unpaid" and case["hit_and_run"] is False
    assert case["closed_at"] is None and case["fine"] == 200.0


def test_history_features_see_only_petitions_before_the_decision():
    cases = [
        {"case_no": "a", "department_code": "U1", "officer_no": "1", "party_id": "P", "decided_at": datetime(2026, 1, 1)},
        {"case_no": "b", "department_code": "U1", "officer_no": "1", "party_id": "P", "decided_at": datetime(2026, 2, 1)},
        {"case_no": "c", "department_code": "U1", "officer_no": "1", "party_id": "P", "decided_at": datetime(2026, 4, 1)},
    ]
    history = history_features(cases, {"a": datetime(2026, 3, 1)})
    assert history[0, 3] == 0 and history[1, 3] == 0  # the petition came after b's decision
    assert history[2, 3] == 1
    assert history[2, 0] > history[1, 0]


def test_rule_reasons_are_the_chinese_wordings_by_weight():
    case = {"case_no": "x", "case_type": "accident", "department_code": "U", "officer_no": "1",
            "decided_at": datetime(2026, 1, 1), "closed_at": datetime(2026, 1, 2), "severity": "death", "deaths": 1,
            "compensation": "unpaid"}
    matrix = feature_matrix([case], {}, as_of=datetime(2026, 1, 5))
    scores, reasons = rule_score(matrix, DEFAULT_RULES)
    assert scores[0] == 5.0 + 2.0
    assert reasons[0] == ["死亡事故且赔偿未到位", "死亡事故"]


def test_learned_ranker_round_trips_as_plain_numbers_and_gives_reasons():
    rng = np.random.default_rng(1)
    matrix = rng.integers(0, 2, size=(400, len(FEATURE_INDEX))).astype(np.float32)
    labels = (matrix[:, FEATURE_INDEX["contested"]] > 0) & (rng.random(400) < 0.8)
    ranker = LearnedRanker.from_dict(json.loads(json.dumps(LearnedRanker.fit(matrix, labels).to_dict())))
    probabilities, reasons = ranker.score(matrix)
    contested = matrix[:, FEATURE_INDEX["contested"]] > 0
    assert probabilities[contested].mean() > probabilities[~contested].mean()
    assert "当事人对处理有异议" in reasons[int(np.flatnonzero(contested)[0])]


def test_screening_eval_prints_one_json_line_with_the_contract_keys(files, capsys):
    cases, outcomes = files
    code = screening_eval_main(["--cases", str(cases), "--outcomes", str(outcomes), "--as-of", "2026-09-01"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert code == 0 and len(lines) == 1
    result = json.loads(lines[0])
    assert list(result) == ["n_scored", "base_rate", "k", "precision_at_k", "recall_at_k", "rule_precision_at_k",
                            "rule_recall_at_k", "auc", "train_seconds", "score_seconds"]
    assert result["n_scored"] > 1000 and result["k"] == round(0.2 * result["n_scored"])
    # the generator's hidden process is learnable: the learned ranking beats chance by far
    assert result["recall_at_k"] > 0.6 and result["auc"] > 0.8


def test_outcomes_dated_after_as_of_never_reach_training(files, tmp_path):
    cases, outcomes = files
    baseline = screening_eval(cases, outcomes, as_of=date(2026, 9, 1))
    planted = tmp_path / "planted.csv"
    with open(outcomes, encoding="utf-8") as source, open(planted, "w", encoding="utf-8") as target:
        target.write(source.read())
        # every training case of one unit "petitioned" the day after as-of: would distort history features
        with open(cases, encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row["办案单位代码"] == "U03" and row["决定时间"] < "2026-06-01":
                    target.write(f"{row['案件编号']},2026-09-02\n")
    leaked = screening_eval(cases, planted, as_of=date(2026, 9, 1))
    for key in ("precision_at_k", "recall_at_k", "rule_precision_at_k", "auc"):
        assert leaked[key] == baseline[key], key


def test_shuffled_outcomes_drop_precision_to_the_base_rate(files, tmp_path):
    cases, outcomes = files
    with open(cases, encoding="utf-8") as handle:
        case_nos = [row["案件编号"] for row in csv.DictReader(handle)]
    with open(outcomes, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rng = random.Random(5)
    shuffled = tmp_path / "shuffled.csv"
    with open(shuffled, "w", encoding="utf-8") as handle:
        handle.write("case_no,petition_date\n")
        for row in rows:
            # a random case, petitioning some days after its own decision, so the label rate stays the same
            handle.write(f"{rng.choice(case_nos)},{row['petition_date']}\n")
    result = screening_eval(cases, shuffled, as_of=date(2026, 9, 1))
    assert result["precision_at_k"] < 2.5 * max(result["base_rate"], 0.002)


def test_unknown_codes_other_dates_and_empty_optional_columns_are_fine(tmp_path):
    path = tmp_path / "few.csv"
    rows = []
    for i in range(60):
        rows.append({"case_no": f"Z{i}", "case_type": "violation", "department_code": f"任意{i % 3}",
                     "officer_no": "?", "opened_at": datetime(2011, 5, 1), "decided_at": datetime(2011, 5, 1 + i % 28)})
    write_csv(path, rows)
    outcomes = tmp_path / "o.csv"
    outcomes.write_text("case_no,petition_date\nZ1,2011-06-01\n", encoding="utf-8")
    result = screening_eval(path, outcomes, as_of=date(2011, 6, 1))
    assert result["n_scored"] > 0 and result["precision_at_k"] >= 0


def test_both_files_saved_as_gbk_with_chinese_headers_give_the_same_result(files, tmp_path):
    cases, outcomes = files
    gbk_cases, gbk_outcomes = tmp_path / "cases_gbk.csv", tmp_path / "outcomes_gbk.csv"
    gbk_cases.write_bytes(cases.read_text(encoding="utf-8-sig").encode("gbk"))
    gbk_outcomes.write_bytes(outcomes.read_text(encoding="utf-8").replace("case_no,petition_date", "案件编号,信访日期", 1)
                             .encode("gbk"))
    assert screening_eval(gbk_cases, gbk_outcomes, as_of=date(2026, 9, 1)) | {"train_seconds": 0, "score_seconds": 0} \
        == screening_eval(cases, outcomes, as_of=date(2026, 9, 1)) | {"train_seconds": 0, "score_seconds": 0}
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"case_no,petition_date\nA1,2026-01-01\n" + b"\xff\xfe\n" * 3)
    with pytest.raises(DataError, match="不是有效的 CSV 文件（UTF-8 或 GBK）"):
        screening_eval(cases, broken, as_of=date(2026, 9, 1))


def test_a_truncated_xlsx_names_the_row_where_reading_stopped(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["案件编号", "案件类型", "办案单位代码", "办案民警警号", "发生时间", "决定时间"])
    for i in range(3000):
        sheet.append([f"X{i}", "违法", "U01", "1", "2026-01-01", "2026-01-02"])
    whole = tmp_path / "whole.xlsx"
    workbook.save(whole)
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(CaseFileError, match="xlsx"):
        header, rows = read_rows(cut)
        for _ in rows:
            pass


def test_an_oversized_file_is_refused_with_its_size(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("案件编号\n" + "x\n" * 1000, encoding="utf-8")
    with pytest.raises(CaseFileError, match="超过上限"):
        read_rows(path, max_csv_bytes=100)
