"""Class-balanced pseudo-labels from the platform's unlabelled messages (a benchmark candidate, not shipped).

Used by ``triage_inner_cv.py`` (variants ``pbal_*``) and ``triage_holdout.py``
(config ``with_extra_pseudo``). The unlabelled messages (``messages/``: hot,
replies, unlabelled; title + text) are first cleaned of anything that could leak
an evaluation text: a message whose character 4-grams overlap any ``train.csv``
text by ≥ 30 % (of the shorter one's 4-grams) is dropped — every test fold of the
benchmarks is part of train.csv — and of near duplicates among themselves (hot.csv
holds clusters of people writing about one issue; overlap ≥ 50 %, first kept).

Plain self-training (every message the model is ≥ 0.9 / ≥ 0.97 sure of, labelled
by it) lost 0.010–0.014 macro-F1 in inner CV: over half of those messages went to
城乡建设, so the class prior moved. Here each class instead gets at most ``frac`` ×
its labelled count of the most confident messages the model puts in it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from xinfang.ml.text import dedupe_text

LEAK_OVERLAP = 0.3
NEAR_DUPLICATE = 0.5


def _shingles(text: str, n: int = 4) -> set[str]:
    d = dedupe_text(text)
    return {d[i:i + n] for i in range(max(1, len(d) - n + 1))}


def _overlaps(shingles: set[str], index: dict[str, set[int]], sets: list[set[str]], share: float) -> bool:
    counts: dict[int, int] = defaultdict(int)
    for g in shingles:
        for j in index.get(g, ()):
            counts[j] += 1
    return any(c / min(len(shingles), len(sets[j])) >= share for j, c in counts.items())


def distinct_messages(messages: Sequence[str], evaluation_side: Sequence[str]) -> list[str]:
    """``messages`` without near copies of any ``evaluation_side`` text and without near duplicates of each other."""
    index: dict[str, set[int]] = defaultdict(set)
    held = [_shingles(t) for t in evaluation_side]
    for i, s in enumerate(held):
        for g in s:
            index[g].add(i)
    kept_index: dict[str, set[int]] = defaultdict(set)
    kept_sets: list[set[str]] = []
    kept: list[str] = []
    seen: set[str] = set()
    for message in messages:
        d = dedupe_text(message)
        if len(d) < 10 or d in seen:
            continue
        seen.add(d)
        s = _shingles(message)
        if _overlaps(s, index, held, LEAK_OVERLAP) or _overlaps(s, kept_index, kept_sets, NEAR_DUPLICATE):
            continue
        for g in s:
            kept_index[g].add(len(kept_sets))
        kept_sets.append(s)
        kept.append(message)
    return kept


def class_balanced_pseudo(probs: np.ndarray, labelled_counts: np.ndarray, *, frac: float = 0.3,
                          min_confidence: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """Indices and labels of the messages to add: per class the most confident ones (≥ ``min_confidence``)
    the model puts in it, at most ``frac`` × that class's labelled count."""
    confidence, label = probs.max(axis=1), probs.argmax(axis=1)
    picked = []
    for c in range(probs.shape[1]):
        idx = np.flatnonzero((label == c) & (confidence >= min_confidence))
        picked.append(idx[np.argsort(-confidence[idx], kind="stable")][: int(frac * labelled_counts[c])])
    chosen = np.sort(np.concatenate(picked)) if picked else np.zeros(0, dtype=int)
    return chosen, label[chosen]
