"""Near-duplicate petitions: datasketch MinHash LSH over character shingles, exact re-ranking.

LSH only proposes candidates; every candidate's exact Jaccard similarity (on the
shingle fingerprint sets kept in memory) decides what is returned, so a result
is never a false positive. The banding is chosen so that a pair *at* the
threshold becomes a candidate with probability ≥ 99 %, higher pairs more often.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Hashable, Iterable, Iterator
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from datasketch import LeanMinHash, MinHashLSH

from .artifacts import read_artifact
from .errors import DataError
from .minhash import DEFAULT_SHINGLE, fingerprint_batch, signatures

__all__ = ["NearDuplicateIndex", "candidate_probability", "choose_bands", "jaccard_from_counts"]

_FORMAT = "xinfang.near-duplicate-index"
_FORMAT_VERSION = 1


def choose_bands(threshold: float, num_perm: int, *, target: float = 0.99) -> tuple[int, int]:
    """Return ``(bands, rows)`` with the most rows per band (fewest false candidates)
    such that a pair with Jaccard == ``threshold`` collides in some band with
    probability ≥ ``target``."""
    if not 0.0 < threshold <= 1.0:
        raise ValueError("阈值必须在 0 与 1 之间")
    best = (num_perm // 2, 2) if num_perm >= 4 else (2, 1)
    for rows in range(1, num_perm // 2 + 1):
        bands = num_perm // rows
        if bands >= 2 and 1.0 - (1.0 - threshold**rows) ** bands >= target:
            best = (bands, rows)
    return best


def jaccard_from_counts(inter: np.ndarray, size_a: int | np.ndarray, size_b: np.ndarray) -> np.ndarray:
    """Exact Jaccard from intersection counts and set sizes (one formula shared with the benchmark)."""
    inter = np.asarray(inter, dtype=np.float64)
    return inter / (np.asarray(size_a, dtype=np.float64) + size_b - inter)


class NearDuplicateIndex:
    """An incrementally updatable near-duplicate index of texts keyed by any hashable key.

    ``add``/``remove`` keep it current as petitions arrive; ``from_texts`` (or a new
    index fed with ``add_many``) is the full rebuild.
    """

    def __init__(
        self,
        threshold: float = 0.8,
        *,
        num_perm: int = 64,
        shingle: int = DEFAULT_SHINGLE,
        seed: int = 1,
        bands: tuple[int, int] | None = None,
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError("阈值必须在 0 与 1 之间")
        self.threshold = float(threshold)
        self.num_perm = int(num_perm)
        self.shingle = int(shingle)
        self.seed = int(seed)
        self.bands, self.rows = bands or choose_bands(self.threshold, self.num_perm)
        # The LSH holds small integer ids, not caller keys: cheaper in its millions of sets.
        self._lsh = MinHashLSH(threshold=self.threshold, num_perm=self.num_perm, params=(self.bands, self.rows))
        self._keys: list[Hashable | None] = []
        self._ids: dict[Hashable, int] = {}
        self._fps: list[np.ndarray | None] = []
        self._sigs: list[np.ndarray | None] = []

    # ----------------------------------------------------------------- building
    @classmethod
    def from_texts(cls, items: Iterable[str | tuple[Hashable, str]], **options: Any) -> NearDuplicateIndex:
        """Build a new index from texts (keyed 0, 1, …) or ``(key, text)`` pairs: the full rebuild."""
        index = cls(**options)

        def pairs() -> Iterator[tuple[Hashable, str]]:
            for position, item in enumerate(items):
                yield (position, item) if isinstance(item, str) else item

        index.add_many(pairs())
        return index

    def add(self, key: Hashable, text: str) -> None:
        """Index ``text`` under ``key``; an existing entry for ``key`` is replaced."""
        if self.add_many([(key, text)]) == 0:
            raise DataError("文本为空（去除空白和标点后没有内容），无法建立查重索引")

    def add_many(self, items: Iterable[tuple[Hashable, str]], *, batch_size: int = 20000) -> int:
        """Index many ``(key, text)`` pairs in vectorised batches; return how many were indexed.

        Texts with nothing left after cleaning (empty, only punctuation) are skipped.
        """
        added = 0
        batch: list[tuple[Hashable, str]] = []
        # The LSH creates millions of small acyclic objects; without this, each
        # generation-2 collection rescans all of them and bulk builds go quadratic.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            for item in items:
                batch.append(item)
                if len(batch) >= batch_size:
                    added += self._add_batch(batch)
                    batch = []
            if batch:
                added += self._add_batch(batch)
        finally:
            if was_enabled:
                gc.enable()
        return added

    def _add_batch(self, batch: list[tuple[Hashable, str]]) -> int:
        keys = [key for key, _ in batch]
        if len(set(keys)) != len(keys):
            # Keep the last text of a key repeated within the batch, like repeated add().
            last = {key: i for i, key in enumerate(keys)}
            batch = [batch[i] for i in sorted(last.values())]
            keys = [key for key, _ in batch]
        flat, offsets = fingerprint_batch([text for _, text in batch], k=self.shingle)
        sigs = signatures(flat, offsets, num_perm=self.num_perm, seed=self.seed)
        added = 0
        for i, key in enumerate(keys):
            lo, hi = offsets[i], offsets[i + 1]
            if hi == lo:
                continue
            if key in self._ids:
                self.remove(key)
            self._insert(key, flat[lo:hi], sigs[i])
            added += 1
        return added

    def _insert(self, key: Hashable, fps: np.ndarray, sig: np.ndarray) -> None:
        doc_id = len(self._keys)
        self._keys.append(key)
        self._fps.append(fps)
        self._sigs.append(sig)
        self._ids[key] = doc_id
        minhash = LeanMinHash(seed=self.seed, hashvalues=sig, scheme="affine32")
        self._lsh.insert(doc_id, minhash, check_duplication=False)

    def remove(self, key: Hashable) -> None:
        """Remove ``key`` from the index; ``KeyError`` if it is not indexed."""
        doc_id = self._ids.pop(key, None)
        if doc_id is None:
            raise KeyError(f"查重索引中没有键 {key!r}")
        self._lsh.remove(doc_id)
        self._keys[doc_id] = None
        self._fps[doc_id] = None
        self._sigs[doc_id] = None

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, key: object) -> bool:
        return key in self._ids

    # ----------------------------------------------------------------- querying
    def query(
        self, text: str, k: int | None = 10, *, min_similarity: float | None = None, exclude: Hashable = None
    ) -> list[tuple[Hashable, float]]:
        """Return up to ``k`` ``(key, jaccard)`` pairs, most similar first.

        Only entries whose exact Jaccard similarity is ≥ ``min_similarity``
        (default: the index threshold) are returned; ``k=None`` returns all of
        them. ``exclude`` drops one key (the petition being checked, if indexed).
        An empty text gives an empty list.
        """
        flat, offsets = fingerprint_batch([text], k=self.shingle)
        if len(flat) == 0:
            return []
        sig = signatures(flat, offsets, num_perm=self.num_perm, seed=self.seed)[0]
        ids = self._lsh.query(LeanMinHash(seed=self.seed, hashvalues=sig, scheme="affine32"))
        return self._rank(flat, ids, k=k, min_similarity=min_similarity, exclude=exclude)

    def _rank(
        self, fps: np.ndarray, ids: list[int], *, k: int | None, min_similarity: float | None, exclude: Hashable
    ) -> list[tuple[Hashable, float]]:
        if not ids:
            return []
        floor = self.threshold if min_similarity is None else min_similarity
        ids_arr = np.fromiter(ids, dtype=np.int64, count=len(ids))
        members = [self._fps[i] for i in ids]
        sizes = np.fromiter((len(m) for m in members), dtype=np.int64, count=len(members))
        pool = np.concatenate(members)
        # Membership of every candidate fingerprint in the (sorted) query set, in one pass.
        where = np.searchsorted(fps, pool)
        where[where == len(fps)] = 0
        hits = (fps[where] == pool).astype(np.int64)
        starts = np.zeros(len(sizes), dtype=np.int64)
        np.cumsum(sizes[:-1], out=starts[1:])
        inter = np.add.reduceat(hits, starts)
        sims = jaccard_from_counts(inter, len(fps), sizes)
        keep = np.flatnonzero(sims >= floor)
        order = keep[np.argsort(-sims[keep], kind="stable")]
        results = [(self._keys[int(ids_arr[i])], round(float(sims[i]), 4)) for i in order]
        if exclude is not None:
            results = [pair for pair in results if pair[0] != exclude]
        return results if k is None else results[:k]

    def fingerprints_of(self, key: Hashable) -> np.ndarray:
        """Return the sorted shingle fingerprints stored for ``key`` (read-only view)."""
        return self._fps[self._ids[key]]  # type: ignore[return-value]

    def iter_fingerprints(self) -> Iterator[tuple[Hashable, np.ndarray]]:
        """Yield ``(key, fingerprints)`` for every indexed entry (used by brute-force checks)."""
        for key, doc_id in self._ids.items():
            yield key, self._fps[doc_id]  # type: ignore[misc]

    # ----------------------------------------------------------------- persistence
    def save(self, path: str | Path) -> None:
        """Write the index to ``path`` (joblib); the LSH tables are rebuilt on load."""
        live = sorted(self._ids.values())
        fps = [self._fps[i] for i in live]
        offsets = np.zeros(len(live) + 1, dtype=np.int64)
        np.cumsum([len(f) for f in fps], out=offsets[1:])
        payload = {
            "format": _FORMAT,
            "format_version": _FORMAT_VERSION,
            "params": {
                "threshold": self.threshold, "num_perm": self.num_perm, "shingle": self.shingle,
                "seed": self.seed, "bands": [self.bands, self.rows],
            },
            "keys": [self._keys[i] for i in live],
            "fingerprints": np.concatenate(fps) if fps else np.zeros(0, dtype=np.uint32),
            "offsets": offsets,
            "signatures": np.vstack([self._sigs[i] for i in live]) if live else
            np.zeros((0, self.num_perm), dtype=np.uint32),
        }
        joblib.dump(payload, Path(path))

    @classmethod
    def load(cls, path: str | Path) -> NearDuplicateIndex:
        """Read an index written by :meth:`save`; ``ModelError`` if the file is not one."""
        payload = read_artifact(path, fmt=_FORMAT, version=_FORMAT_VERSION, noun="查重索引")
        params = payload["params"]
        index = cls(
            params["threshold"], num_perm=params["num_perm"], shingle=params["shingle"],
            seed=params["seed"], bands=tuple(params["bands"]),
        )
        flat, offsets, sigs = payload["fingerprints"], payload["offsets"], payload["signatures"]
        was_enabled = gc.isenabled()
        gc.disable()  # see add_many
        try:
            for i, key in enumerate(payload["keys"]):
                index._insert(key, flat[offsets[i] : offsets[i + 1]], sigs[i])
        finally:
            if was_enabled:
                gc.enable()
        return index

    def __repr__(self) -> str:
        return (
            f"NearDuplicateIndex(n={len(self)}, threshold={self.threshold}, num_perm={self.num_perm}, "
            f"bands={self.bands}x{self.rows}, shingle={self.shingle})"
        )


def candidate_probability(similarity: float, bands: int, rows: int) -> float:
    """Probability that a pair with the given Jaccard similarity becomes an LSH candidate."""
    return 1.0 - (1.0 - math.pow(similarity, rows)) ** bands
