"""Precedent retrieval: earlier petitions most similar to a new one (TF-IDF cosine).

Features are character 1–3-gram TF-IDF (:class:`CharNgramTfidf`, no segmentation
needed, fast to build for 100k texts). The matrix is kept row-normalised, so a
query is one sparse product against the transposed matrix followed by a
partial sort.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from pathlib import Path

import joblib
import numpy as np
import scipy.sparse as sp

from .artifacts import read_artifact
from .errors import DataError
from .features import CharNgramTfidf
from .text import normalize_text

__all__ = ["PrecedentIndex"]

_FORMAT = "xinfang.precedent-index"
_FORMAT_VERSION = 1


class PrecedentIndex:
    """Similar-text search over a fixed collection; rebuild with :meth:`build` to add texts."""

    def __init__(self, keys: list[Hashable], vectorizer: CharNgramTfidf, matrix: sp.csr_matrix) -> None:
        self.keys = keys
        self._vectorizer = vectorizer
        self._matrix_t = matrix.T.tocsr()  # (features, docs): a query row times this gives all cosines

    @classmethod
    def build(cls, items: Iterable[tuple[Hashable, str]], *, min_df: int = 1) -> PrecedentIndex:
        """Index ``(key, text)`` pairs; raises :class:`DataError` when there is no usable text."""
        keys: list[Hashable] = []
        docs: list[str] = []
        for key, text in items:
            doc = normalize_text(text or "")
            if doc:
                keys.append(key)
                docs.append(doc)
        if not docs:
            raise DataError("没有可用于检索的文本")
        vectorizer = CharNgramTfidf(max_n=3, min_df=min_df)
        try:
            matrix = vectorizer.fit_transform(docs)
        except ValueError as exc:
            raise DataError(f"文本太少，无法建立检索索引（{exc}）") from exc
        return cls(keys, vectorizer, matrix.astype(np.float32))

    def __len__(self) -> int:
        return len(self.keys)

    def query(self, text: str, k: int = 5, *, exclude: Hashable = None) -> list[tuple[Hashable, float]]:
        """Return up to ``k`` ``(key, cosine)`` pairs, most similar first (cosine in [0, 1]).

        Raises :class:`DataError` for empty text.
        """
        doc = normalize_text(text) if isinstance(text, str) else ""
        if not doc:
            raise DataError("查询文本为空")
        row = self._vectorizer.transform([doc]).astype(np.float32)
        scores = np.asarray((row @ self._matrix_t).todense()).ravel()
        wanted = min(len(scores), k + (exclude is not None))
        if wanted <= 0:
            return []
        top = np.argpartition(-scores, wanted - 1)[:wanted]
        top = top[np.argsort(-scores[top], kind="stable")]
        results = [(self.keys[i], round(float(scores[i]), 4)) for i in top if scores[i] > 0]
        if exclude is not None:
            results = [pair for pair in results if pair[0] != exclude]
        return results[:k]

    def save(self, path: str | Path) -> None:
        """Write the index to ``path`` (joblib)."""
        joblib.dump(
            {"format": _FORMAT, "format_version": _FORMAT_VERSION, "keys": self.keys,
             "vectorizer": self._vectorizer, "matrix": self._matrix_t.T.tocsr()},
            Path(path),
        )

    @classmethod
    def load(cls, path: str | Path) -> PrecedentIndex:
        """Read an index written by :meth:`save`; :class:`ModelError` for a bad file."""
        payload = read_artifact(path, fmt=_FORMAT, version=_FORMAT_VERSION, noun="检索索引")
        return cls(list(payload["keys"]), payload["vectorizer"], payload["matrix"])
