"""Shared fixtures of the ml tests: no database, data located outside the repository."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from xinfang.ml.datasets import locate_shared_data

_REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared data directory (``$XINFANG_SHARED_DATA`` or ``<repo>/../shared/data``); skips if absent."""
    root = locate_shared_data(os.environ.get("XINFANG_SHARED_DATA") or _REPO / ".." / "shared" / "data")
    if root is None or not (root / "messages").is_dir():
        pytest.skip("共享数据目录不存在，跳过依赖真实数据的测试")
    return root


@pytest.fixture(scope="session")
def synthetic_corpus() -> tuple[list[str], list[str]]:
    """Small three-class Chinese corpus: ~40 texts per class, distinct vocabularies plus noise."""
    import random

    rng = random.Random(7)
    topics = {
        "交通": ["电子警察", "闯红灯", "扣分", "驾驶证", "违停", "罚款", "车管所", "号牌", "超速", "交警"],
        "教育": ["学校", "老师", "学生", "学费", "招生", "课程", "幼儿园", "考试", "教室", "校长"],
        "环境": ["噪音", "污染", "排放", "垃圾", "废水", "烟尘", "异味", "河道", "工厂", "环保"],
    }
    filler = ["我们", "小区", "附近", "一直", "希望", "相关部门", "尽快", "处理", "反映", "问题", "严重", "居民"]
    texts, labels = [], []
    for label, words in topics.items():
        for _ in range(40):
            parts = rng.sample(words, 4) + rng.sample(filler, 5)
            rng.shuffle(parts)
            texts.append("，".join(parts) + "。")
            labels.append(label)
    return texts, labels
