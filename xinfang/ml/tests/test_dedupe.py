import numpy as np
import pytest
from datasketch import MinHash

from xinfang.ml.dedupe import NearDuplicateIndex, candidate_probability, choose_bands
from xinfang.ml.errors import DataError, ModelError
from xinfang.ml.minhash import _clean_codes, fingerprint_batch, fingerprints, signatures
from xinfang.ml.text import dedupe_text

LETTER = (
    "我家住在A市A3区杜鹃文苑小区，小区门口的路口没有红绿灯，每天上下班时间电动车和汽车抢道，"
    "上个月已经发生了两起交通事故。希望交警部门尽快在路口设置信号灯，并安排电子警察抓拍闯红灯和违停。"
)
OTHER = "学校门口每天放学时家长违停接孩子，堵塞交通，希望教育局和交警大队联合整治，设置临时停车区。"


def test_vectorised_signatures_equal_datasketch_minhash():
    texts = [LETTER, OTHER, "短", "ab", ""]
    flat, offsets = fingerprint_batch(texts)
    sigs = signatures(flat, offsets, num_perm=64, seed=3, chunk=16)
    for i in range(len(texts)):
        reference = MinHash(num_perm=64, seed=3, hashfunc=lambda v: v)
        reference.update_batch([int(v) for v in flat[offsets[i] : offsets[i + 1]]])
        assert np.array_equal(reference.hashvalues, sigs[i])


def test_batch_cleaning_equals_dedupe_text_including_tricky_characters():
    texts = [LETTER, "ｶﾞｷﾞ", "Cafe\u0301 ＡＢＣ①", "한국어", "ΟΔΟΣ ΣΑΣ", "İstanbul", "㎞", "😀表情", "", " ，。"]
    codes, lengths = _clean_codes(texts)
    pieces = np.split(codes, np.cumsum(lengths)[:-1])
    assert [p.tobytes().decode("utf-32-le") for p in pieces] == [dedupe_text(t) for t in texts]


def test_fingerprints_ignore_spacing_punctuation_and_width():
    assert np.array_equal(fingerprints("交警，罚款 不合理！"), fingerprints("交警罚款不合理"))
    assert np.array_equal(fingerprints("ＡＢＣ违停"), fingerprints("abc违停"))
    assert len(fingerprints("短")) == 1 and len(fingerprints("，。")) == 0


def test_bands_give_high_candidate_probability_at_the_threshold():
    bands, rows = choose_bands(0.8, 64)
    assert bands * rows <= 64
    assert candidate_probability(0.8, bands, rows) >= 0.99
    assert candidate_probability(0.3, bands, rows) < 0.2


def test_add_query_remove():
    index = NearDuplicateIndex(threshold=0.8)
    index.add("p1", LETTER)
    index.add("p2", OTHER)
    edited = LETTER.replace("两起", "2起").replace("尽快", "赶快")
    hits = index.query(edited)
    assert [key for key, _ in hits] == ["p1"]
    assert 0.8 <= hits[0][1] < 1.0
    assert index.query(LETTER)[0] == ("p1", 1.0)
    assert index.query(LETTER, exclude="p1") == []
    index.remove("p1")
    assert index.query(edited) == [] and "p1" not in index and len(index) == 1
    with pytest.raises(KeyError):
        index.remove("p1")


def test_adding_an_existing_key_replaces_its_text():
    index = NearDuplicateIndex()
    index.add(7, LETTER)
    index.add(7, OTHER)
    assert len(index) == 1
    assert index.query(LETTER) == [] and index.query(OTHER)[0][0] == 7


def test_results_are_sorted_and_limited_by_k_and_min_similarity():
    variants = [LETTER[: len(LETTER) - i] for i in range(0, 12, 2)]
    index = NearDuplicateIndex.from_texts(variants)
    hits = index.query(LETTER, k=3)
    assert [key for key, _ in hits] == [0, 1, 2]
    assert all(a[1] >= b[1] for a, b in zip(hits, hits[1:]))
    assert len(index.query(LETTER, k=None, min_similarity=0.99)) == 1


def test_empty_text_cannot_be_indexed_and_queries_empty():
    index = NearDuplicateIndex()
    with pytest.raises(DataError, match="文本为空"):
        index.add("x", " ，。 ")
    assert index.query("") == []
    assert index.add_many([("a", ""), ("b", OTHER)]) == 1


def test_save_and_load_round_trip(tmp_path):
    index = NearDuplicateIndex.from_texts([("a", LETTER), ("b", OTHER)])
    index.remove("b")
    index.add("c", OTHER + "谢谢")
    path = tmp_path / "dedupe.joblib"
    index.save(path)
    loaded = NearDuplicateIndex.load(path)
    assert len(loaded) == 2 and loaded.query(LETTER) == index.query(LETTER)
    assert loaded.query(OTHER) == index.query(OTHER)
    loaded.add("d", LETTER)  # still incrementally updatable
    assert {key for key, _ in loaded.query(LETTER)} == {"a", "d"}
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ModelError):
        NearDuplicateIndex.load(path)


def test_bench_at_small_n_meets_recall_and_precision(shared_data):
    from xinfang.ml.dedupe_bench import dedupe_bench

    extra: dict = {}
    result = dedupe_bench(3000, shared_data, queries=200, seed=1, extra=extra)
    assert set(result) == {"n", "index_seconds", "query_p50_ms", "query_p95_ms", "recall", "precision"}
    assert result["n"] == 3000
    assert extra["truth_pairs"] > 50
    assert result["recall"] >= 0.9 and result["precision"] >= 0.9
