import json

import pytest

from xinfang.ml.cli import dedupe_bench_main, triage_eval_main
from xinfang.ml.datasets import read_labelled_csv
from xinfang.ml.errors import DataError
from xinfang.ml.evaluation import cross_validate_csv, triage_eval


def _write_csv(path, texts, labels, *, bom=False, header="id,title,text,label"):
    lines = [header] + [f"{i},,{t},{lab}" for i, (t, lab) in enumerate(zip(texts, labels))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig" if bom else "utf-8")
    return path


def test_triage_eval_returns_exactly_the_contract_keys(synthetic_corpus, tmp_path):
    texts, labels = synthetic_corpus
    train = _write_csv(tmp_path / "train.csv", texts[::2], labels[::2], bom=True)
    test = _write_csv(tmp_path / "test.csv", texts[1::2], labels[1::2])
    result = triage_eval(train, test)
    assert set(result) == {"macro_f1", "accuracy", "train_seconds", "predict_per_second", "n_train", "n_test"}
    assert result["n_train"] == 60 and result["n_test"] == 60
    assert result["macro_f1"] > 0.9 and result["predict_per_second"] > 0


def test_cross_validation_reports_mean_and_std(synthetic_corpus, tmp_path):
    texts, labels = synthetic_corpus
    result = cross_validate_csv(_write_csv(tmp_path / "all.csv", texts, labels), folds=3)
    assert result["folds"] == 3 and len(result["macro_f1_per_fold"]) == 3
    assert 0.9 < result["macro_f1_mean"] <= 1.0 and result["macro_f1_std"] >= 0


def test_missing_columns_are_named_in_the_error(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("id,text\n1,违停\n", encoding="utf-8")
    with pytest.raises(DataError, match="缺少列：title、label"):
        read_labelled_csv(path)


def test_a_gbk_file_as_excel_saves_it_is_read_and_an_undecodable_one_refused_in_chinese(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("id,title,text,label\n1,,违停罚款,交通\n".encode("gbk"))
    assert read_labelled_csv(path).texts == ["违停罚款"]
    path.write_bytes(b"id,title,text,label\n1,,\xff\xfe,x\n")
    with pytest.raises(DataError, match="不是 UTF-8 或 GB18030 编码"):
        read_labelled_csv(path)


def test_missing_file_and_empty_file_are_refused(tmp_path):
    with pytest.raises(DataError, match="找不到数据文件"):
        read_labelled_csv(tmp_path / "nope.csv")
    (tmp_path / "empty.csv").write_text("id,title,text,label\n", encoding="utf-8")
    with pytest.raises(DataError, match="没有数据行"):
        read_labelled_csv(tmp_path / "empty.csv")


def test_title_and_text_are_joined(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("id,title,text,label\n1,标题,正文,甲\n2,,只有正文,乙\n", encoding="utf-8")
    assert read_labelled_csv(path).texts == ["标题。正文", "只有正文"]


def test_cli_prints_one_json_line(synthetic_corpus, tmp_path, capsys):
    texts, labels = synthetic_corpus
    train = _write_csv(tmp_path / "train.csv", texts[::2], labels[::2])
    test = _write_csv(tmp_path / "test.csv", texts[1::2], labels[1::2])
    assert triage_eval_main(["--train", str(train), "--test", str(test)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and json.loads(out[0])["n_test"] == 60


def test_cli_reports_bad_input_in_chinese_on_stderr(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("id,text\n1,x\n", encoding="utf-8")
    assert triage_eval_main(["--train", str(bad), "--test", str(bad)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "缺少列" in captured.err
    assert triage_eval_main(["--train", str(bad)]) == 2
    assert "参数错误" in capsys.readouterr().err
    assert dedupe_bench_main(["--n", "0"]) == 2
    assert dedupe_bench_main(["--n", "10", "--data", str(tmp_path / "nowhere")]) == 2
    assert "找不到数据目录" in capsys.readouterr().err
