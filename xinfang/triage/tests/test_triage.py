"""分诊：训练与启用规则、命令、没有模型或模型损坏时登记照常、建议片段、相似信访、先例、反馈。"""

import csv
import json
import subprocess
import sys

import pytest
from django.core.management import call_command

from xinfang.petitions.actions import decisions, handling
from xinfang.petitions.models import Category
from xinfang.petitions.testing import register
from xinfang.triage import services
from xinfang.triage.feedback import record_feedback
from xinfang.triage.models import Feedback, ModelVersion, Task
from xinfang.triage.similar import precedents, similar_petitions
from xinfang.triage.testing import corpus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VAR_DIR = tmp_path
    services._loaded.clear()
    similar_petitions.index, similar_petitions.last_id = None, 0
    precedents.index = None


def train_categories(cast, per_class=40, seed=0):
    """按三类合成语料建类别与已标注事项，再从数据库训练。"""
    categories = {name: Category.objects.create(name=name) for name in ("电子警察", "扣车", "事故")}
    by_label = dict(zip(("camera", "impound", "accident"), categories.values()))
    texts, labels = corpus(per_class, seed)
    for text, label in zip(texts, labels):
        register(cast.clerk, department=cast.brigade_a, content=text, category=by_label[label])
    return categories, services.train(Task.CATEGORY, services.labelled_matters(Task.CATEGORY))


def test_without_a_model_there_are_no_suggestions_and_intake_still_works(cast, login):
    assert services.suggest("电子警察抓拍有误", Task.CATEGORY) == ([], "", None)
    body = login(cast.clerk).get("/triage/suggest/", {"content": "电子警察抓拍闯红灯有误，请求撤销"}).content.decode()
    assert "尚无可用的分诊模型" in body


def test_training_from_labelled_matters_promotes_the_first_model_and_suggests_the_right_category(cast):
    categories, version = train_categories(cast)
    assert version.is_current and version.macro_f1 >= 0.9 and version.n_test > 0
    assert set(version.report) >= {str(c.pk) for c in categories.values()}
    top, _, used = services.suggest("车辆被扣押在停车场，请求返还车辆并退还保管费", Task.CATEGORY)
    assert used == version and top[0].name == "扣车" and len(top) == 3
    assert 0 < sum(s.confidence for s in top) <= 1.0001


def test_a_worse_model_is_kept_but_not_promoted(cast):
    _, first = train_categories(cast)
    noisy = services.labelled_matters(Task.CATEGORY)
    labels = noisy.labels[:]
    labels = labels[1:] + labels[:1]  # 标签错位：新模型必然更差
    worse = services.train(Task.CATEGORY, services.TrainingData(noisy.texts, labels, "错位"))
    assert not worse.is_current and "不启用" in worse.decision
    assert ModelVersion.objects.get(is_current=True, task=Task.CATEGORY) == first


def test_a_label_set_with_one_class_is_refused_clearly(cast):
    from xinfang.ml import DataError

    with pytest.raises(DataError, match="不足两类"):
        services.train(Task.CATEGORY, services.TrainingData(["扣车"] * 20, ["a"] * 20, "一类"))


def test_a_corrupt_model_file_leaves_intake_working(cast, login):
    _, version = train_categories(cast)
    open(version.path, "wb").write(b"not a model")
    services._loaded.clear()
    assert services.suggest("扣车", Task.CATEGORY)[0] == []
    assert login(cast.clerk).get("/triage/suggest/", {"content": "车辆被扣押在停车场很久了"}).status_code == 200


def test_the_intake_fragment_shows_top_three_and_similar_petitions_the_user_may_see(cast, login):
    train_categories(cast, per_class=20)
    text = "我的车辆被扣押在城东停车场已经三个月，至今没有出具扣押凭证，请求返还车辆并退还保管费。"
    register(cast.clerk, department=cast.brigade_a, content=text, title="扣车三个月未返还")
    register(cast.clerk, department=cast.brigade_b, content=text, title="大队B的同一件事")
    body = login(cast.head_a).get("/triage/suggest/", {"content": text}).content.decode()
    assert body.count('data-set-field="id_category"') == 3
    assert "扣车三个月未返还" in body and "大队B的同一件事" not in body


def test_the_reply_form_shows_precedents_from_answered_matters(cast, login):
    text = "电子警察抓拍我闯红灯，但当时信号灯故障，请求撤销处罚。"
    old = handling.start_handling(decisions.assign_matter(decisions.accept_matter(
        register(cast.clerk, department=cast.brigade_a, content=text), by=cast.clerk),
        by=cast.clerk, lead=cast.brigade_a, handler=cast.handler_a), by=cast.handler_a)
    old = handling.draft_reply(old, by=cast.handler_a, outcome="support", text="经核实信号灯当日故障，撤销处罚。")
    handling.approve_reply(old, by=cast.head_a)
    new = register(cast.clerk, department=cast.brigade_a, content="电子警察抓拍闯红灯，但信号灯坏了，要求撤销。")
    body = login(cast.handler_a).get(f"/triage/precedents/{new.pk}/").content.decode()
    assert "撤销处罚" in body and old.number in body
    assert login(cast.handler_b).get(f"/triage/precedents/{new.pk}/").status_code == 404


def test_the_clerks_choice_is_recorded_as_feedback_once(cast):
    categories, version = train_categories(cast, per_class=20)
    matter = register(cast.clerk, department=cast.brigade_a, content="停车场扣车，保管费太高，请求返还车辆",
                      category=categories["扣车"])
    assert record_feedback() > 0
    feedback = Feedback.objects.get(matter=matter, task=Task.CATEGORY)
    assert feedback.model_version == version and feedback.chosen == str(categories["扣车"].pk) and feedback.agreed
    assert record_feedback() == 0


def test_train_triage_from_csv_prints_its_metrics(cast, tmp_path, capsys):
    path = tmp_path / "train.csv"
    texts, labels = corpus(30)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "title", "text", "label"])
        writer.writerows([i, "", t, y] for i, (t, y) in enumerate(zip(texts, labels)))
    call_command("train-triage", "--task", "authority", "--csv", str(path))
    out = json.loads(capsys.readouterr().out)
    assert out["promoted"] and out["macro_f1"] >= 0.9 and out["n_train"] + out["n_test"] == 90


def test_triage_eval_prints_exactly_one_json_line(tmp_path):
    texts, labels = corpus(30)
    for name, rows in (("a.csv", range(0, 90, 2)), ("b.csv", range(1, 90, 2))):
        with open(tmp_path / name, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["id", "title", "text", "label"])
            writer.writerows([i, "", texts[i], labels[i]] for i in rows)
    done = subprocess.run([sys.executable, "-m", "xinfang.manage", "triage-eval", "--train", str(tmp_path / "a.csv"),
                           "--test", str(tmp_path / "b.csv")], capture_output=True, text=True, timeout=300)
    lines = done.stdout.strip().splitlines()
    assert done.returncode == 0 and len(lines) == 1
    assert set(json.loads(lines[0])) == {"macro_f1", "accuracy", "train_seconds", "predict_per_second", "n_train", "n_test"}


def test_triage_eval_with_a_missing_column_says_so(tmp_path):
    (tmp_path / "bad.csv").write_text("id,text\n1,扣车\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "xinfang.manage", "triage-eval", "--train", str(tmp_path / "bad.csv"),
                           "--test", str(tmp_path / "bad.csv")], capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and done.stdout == "" and "label" in done.stderr


def test_train_triage_takes_several_csv_files_and_keeps_segmented_rows_out_of_the_hold_out(cast, tmp_path, capsys):
    texts, labels = corpus(30)
    raw, seg = tmp_path / "raw.csv", tmp_path / "seg.csv"
    for path, rows in ((raw, zip(texts, labels)),
                       (seg, ((" ".join(t.replace("，", " ").rstrip("。").split()), y) for t, y in zip(*corpus(20, 1))))):
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["id", "title", "text", "label"])
            writer.writerows([i, "", t, y] for i, (t, y) in enumerate(rows))
    data = services.training_data_from_csv([raw, seg])
    assert (len(data.texts), len(data.train_only_texts)) == (90, 60)
    call_command("train-triage", "--task", "authority", "--csv", str(raw), "--csv", str(seg))
    out = json.loads(capsys.readouterr().out)
    # 留出集只取原文的 20%（18 条）；切词文本全部进训练侧。
    assert out["n_test"] == 18 and out["n_train"] == 72 + 60 and out["promoted"]


@pytest.mark.parametrize(("confidence", "shown"), [(0.9999, "99%"), (0.994, "99%"), (0.456, "46%"), (0.0001, "1%")])
def test_confidence_is_shown_between_1_and_99_percent(confidence, shown):
    assert services.Suggestion("x", "x", confidence).percent == shown


def test_seed_demo_ships_a_category_and_an_authority_model(db, settings, tmp_path, capsys):
    from xinfang.petitions.models import Matter

    call_command("seed-demo")
    out = capsys.readouterr().out
    assert "信访类别分诊模型" in out and "主管机关分诊模型" in out
    authority = ModelVersion.objects.get(task=Task.AUTHORITY, is_current=True)
    assert len(authority.labels) >= 2 and "本支队" in authority.labels
    assert not Matter.objects.filter(competent_authority="").exists()
    suggestions, _, _ = services.suggest("驾驶证换证网上预约一直显示已满，窗口说必须预约", Task.AUTHORITY)
    assert suggestions and all(s.confidence < 1 for s in suggestions)
