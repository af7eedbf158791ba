import csv
import random

import pytest

from xinfang.ml.errors import DataError, ModelError
from xinfang.ml.precedent import PrecedentIndex

DOCS = [
    ("a", "路口没有红绿灯，电动车和汽车抢道，经常发生交通事故"),
    ("b", "学校收取补课费，家长负担很重"),
    ("c", "工厂夜间排放废气，附近居民呼吸困难"),
]


def test_most_similar_text_comes_first_with_scores():
    index = PrecedentIndex.build(DOCS)
    hits = index.query("这个路口没有信号灯，电动车汽车抢道，事故多", k=2)
    assert hits[0][0] == "a" and 0 < hits[0][1] <= 1
    assert len(hits) <= 2 and all(a[1] >= b[1] for a, b in zip(hits, hits[1:]))
    assert [k for k, _ in index.query(DOCS[0][1], k=3, exclude="a")][0] != "a"


def test_empty_inputs_are_refused(tmp_path):
    with pytest.raises(DataError):
        PrecedentIndex.build([("x", "  ")])
    with pytest.raises(DataError):
        PrecedentIndex.build(DOCS).query(" ")
    bad = tmp_path / "bad.joblib"
    bad.write_bytes(b"junk")
    with pytest.raises(ModelError):
        PrecedentIndex.load(bad)


def test_save_load_round_trip(tmp_path):
    index = PrecedentIndex.build(DOCS)
    index.save(tmp_path / "p.joblib")
    assert PrecedentIndex.load(tmp_path / "p.joblib").query("工厂废气") == index.query("工厂废气")


def test_edited_copy_of_a_reply_message_finds_its_original(shared_data):
    with (shared_data / "messages" / "replies.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    items = [(row["id"], f"{row['title']} {row['text']}") for row in rows]
    index = PrecedentIndex.build(items)
    rng = random.Random(5)
    found = 0
    sample = rng.sample(items, 100)
    for key, text in sample:
        chars = list(text)
        for _ in range(max(1, len(chars) // 10)):  # ~10 % of characters deleted or replaced
            i = rng.randrange(len(chars))
            chars[i] = rng.choice(["", "的", "了", "在"])
        hits = index.query("".join(chars), k=1)
        found += hits[0][0] == key
    assert found >= 97
