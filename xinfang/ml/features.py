"""Character n-gram TF-IDF computed in numpy over a whole batch of texts.

Same numbers as scikit-learn's ``TfidfVectorizer(analyzer="char",
ngram_range=(1, max_n), sublinear_tf=True, min_df=min_df)`` on already
normalised text (tested), but ~20× faster: scikit-learn builds every n-gram as
a Python string and looks it up in a dict (~1.5 ms per letter here), which alone
would cap triage at a few hundred predictions per second.

An n-gram of up to three characters is packed *exactly* into one uint64
(21 bits per code point, each stored +1 so that n-grams of different lengths
never share a code), so the vocabulary is a sorted uint64 array and lookup is
``np.searchsorted`` — no hashing collisions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

__all__ = ["CharNgramTfidf", "char_ngram_keys", "decode_key"]

_BITS = np.uint64(21)
_MAX_N = 3


def char_ngram_keys(docs: Sequence[str], max_n: int = _MAX_N) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(doc_index, key)`` for every character n-gram (1 ≤ n ≤ max_n) occurrence."""
    if not 1 <= max_n <= _MAX_N:
        raise ValueError(f"max_n 必须在 1 到 {_MAX_N} 之间")
    lengths = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
    cps = np.frombuffer("".join(docs).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64) + np.uint64(1)
    doc_of = np.repeat(np.arange(len(docs), dtype=np.int64), lengths)
    ends = np.cumsum(lengths)
    # Characters left in the same text from each position on (an n-gram must fit).
    remaining = np.repeat(ends, lengths) - np.arange(total, dtype=np.int64)
    doc_parts, key_parts = [doc_of], [cps]
    key = cps
    for n in range(2, max_n + 1):
        key = (key[:-1] << _BITS) | cps[n - 1 :]
        valid = remaining[: len(key)] >= n
        doc_parts.append(doc_of[: len(key)][valid])
        key_parts.append(key[valid])
    return np.concatenate(doc_parts), np.concatenate(key_parts)


def decode_key(key: int) -> str:
    """Return the n-gram string packed in ``key`` (for inspection and tests)."""
    chars = []
    key = int(key)
    while key:
        chars.append(chr((key & ((1 << 21) - 1)) - 1))
        key >>= 21
    return "".join(reversed(chars))


class CharNgramTfidf:
    """Sublinear-tf, smooth-idf, l2-normalised character n-gram TF-IDF (fit on training texts)."""

    def __init__(self, *, max_n: int = _MAX_N, min_df: int = 2) -> None:
        self.max_n = max_n
        self.min_df = min_df
        self.vocabulary_: np.ndarray | None = None
        self.idf_: np.ndarray | None = None

    @property
    def n_features(self) -> int:
        return 0 if self.vocabulary_ is None else len(self.vocabulary_)

    def fit(self, docs: Sequence[str]) -> CharNgramTfidf:
        """Learn the vocabulary (n-grams in ≥ ``min_df`` texts) and idf weights."""
        doc_idx, keys = char_ngram_keys(docs, self.max_n)
        order = np.lexsort((doc_idx, keys))
        keys, doc_idx = keys[order], doc_idx[order]
        first = np.ones(len(keys), dtype=bool)
        first[1:] = (keys[1:] != keys[:-1]) | (doc_idx[1:] != doc_idx[:-1])
        distinct = keys[first]  # one entry per (n-gram, text), sorted by n-gram
        starts = np.flatnonzero(np.r_[True, distinct[1:] != distinct[:-1]])
        df = np.diff(np.r_[starts, len(distinct)])
        keep = df >= self.min_df
        if not keep.any():
            raise ValueError("没有出现在足够多文本中的字符片段（min_df 过高或文本太少）")
        self.vocabulary_ = distinct[starts][keep]
        self.idf_ = np.log((1.0 + len(docs)) / (1.0 + df[keep])) + 1.0
        return self

    def transform(self, docs: Sequence[str]) -> sp.csr_matrix:
        """Return the TF-IDF matrix ``(len(docs), n_features)``; unseen n-grams are ignored."""
        if self.vocabulary_ is None or self.idf_ is None:
            raise RuntimeError("CharNgramTfidf 尚未训练")
        doc_idx, keys = char_ngram_keys(docs, self.max_n)
        where = np.searchsorted(self.vocabulary_, keys)
        where[where == len(self.vocabulary_)] = 0
        known = self.vocabulary_[where] == keys
        pairs = (doc_idx[known].astype(np.uint64) << np.uint64(32)) | where[known].astype(np.uint64)
        pairs.sort()
        if len(pairs):
            starts = np.flatnonzero(np.r_[True, pairs[1:] != pairs[:-1]])
            counts = np.diff(np.r_[starts, len(pairs)])
            pairs = pairs[starts]
        else:
            counts = np.zeros(0, dtype=np.int64)
        rows = (pairs >> np.uint64(32)).astype(np.int64)
        cols = (pairs & np.uint64(0xFFFFFFFF)).astype(np.int64)
        data = (1.0 + np.log(counts)) * self.idf_[cols]
        indptr = np.zeros(len(docs) + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=len(docs)), out=indptr[1:])
        matrix = sp.csr_matrix((data, cols, indptr), shape=(len(docs), len(self.vocabulary_)))
        return normalize(matrix, norm="l2", copy=False)

    def fit_transform(self, docs: Sequence[str]) -> sp.csr_matrix:
        """Fit on ``docs`` and return their matrix."""
        return self.fit(docs).transform(docs)
