"""Benchmark of :class:`NearDuplicateIndex` against brute-force exact Jaccard.

The corpus is the real messages plus generated edited copies ("families" of one
original each): light edits that stay near-duplicates, heavier edits around and
below the threshold, sentence shuffles and splices of two messages.

Ground truth is exact: every indexed text's fingerprints go into one sorted
posting array ``(fingerprint << 32 | doc)``. For a query, each of its
fingerprints' posting ranges is read, and ``bincount`` gives the exact
intersection size with *every* text that shares at least one fingerprint; all
other texts have Jaccard 0. No candidate shortcut, no sampling of the corpus.
"""

from __future__ import annotations

import gc
import math
import re
import resource
import time
from pathlib import Path
from typing import Any

import numpy as np

from .datasets import locate_shared_data, read_message_texts
from .dedupe import NearDuplicateIndex, jaccard_from_counts
from .errors import DataError
from .minhash import fingerprints

__all__ = ["EditGenerator", "dedupe_bench"]

_SENTENCE_END_RE = re.compile(r"(?<=[。！？!?；;])")
# (mode, probability, edit-rate range): rates are per character.
_MODES = (
    ("light", 0.45, (0.0, 0.04)),
    ("shuffle", 0.15, (0.0, 0.02)),
    ("medium", 0.15, (0.04, 0.12)),
    ("far", 0.15, (0.2, 0.5)),
    ("splice", 0.10, (0.0, 0.01)),
)


class EditGenerator:
    """Makes edited copies of base texts: random deletions, insertions, substitutions,
    swaps of neighbours, sentence shuffles and splices, at a per-copy edit rate."""

    def __init__(self, bases: list[str], *, seed: int) -> None:
        if not bases:
            raise DataError("没有可用的基础文本")
        self.bases = bases
        self.rng = np.random.default_rng(seed)
        self._codes = [np.frombuffer(t.encode("utf-32-le"), dtype=np.uint32) for t in bases]
        # Replacement characters follow the corpus's own character distribution.
        sample = np.concatenate(self._codes[: min(len(self._codes), 2000)])
        self._pool = sample[self.rng.integers(0, len(sample), 200_000)]
        self._mode_p = np.array([p for _, p, _ in _MODES])

    def variant(self) -> str:
        """Return one edited copy of a random base text."""
        return self.variants(1)[0]

    def variants(self, count: int) -> list[str]:
        """Return ``count`` edited copies (random bases, modes and rates drawn in one go)."""
        rng = self.rng
        bases = rng.integers(len(self.bases), size=count)
        modes = rng.choice(len(_MODES), size=count, p=self._mode_p)
        partners = rng.integers(len(self.bases), size=count)
        unit = rng.random(count)
        out = []
        for base, mode, partner, u in zip(bases.tolist(), modes.tolist(), partners.tolist(), unit.tolist()):
            name, _, (lo, hi) = _MODES[mode]
            codes = self._codes[base]
            if name == "shuffle":
                pieces = [p for p in _SENTENCE_END_RE.split(self.bases[base]) if p]
                rng.shuffle(pieces)
                codes = np.frombuffer("".join(pieces).encode("utf-32-le"), dtype=np.uint32)
            elif name == "splice":
                other = self._codes[partner]
                codes = np.concatenate([codes[: len(codes) // 2], other[len(other) // 2 :]])
            out.append(self._edit(codes, lo + (hi - lo) * u).tobytes().decode("utf-32-le"))
        return out

    def _edit(self, codes: np.ndarray, rate: float) -> np.ndarray:
        rng = self.rng
        n = len(codes)
        m = int(rng.binomial(n, rate)) if n else 0
        if m == 0:
            return codes.copy()
        pos = rng.integers(0, n, m)
        op = rng.integers(0, 4, m)
        out = codes.copy()
        sub = pos[op == 0]
        out[sub] = self._pool[rng.integers(0, len(self._pool), len(sub))]
        swap = pos[(op == 1) & (pos < n - 1)]
        out[swap], out[swap + 1] = out[swap + 1], out[swap].copy()
        keep = np.ones(n, dtype=bool)
        keep[pos[op == 2]] = False
        ins = pos[op == 3]
        new = self._pool[rng.integers(0, len(self._pool), len(ins))]
        out = np.insert(out, ins, new)
        keep = np.insert(keep, ins, True)
        return out[keep]


class _BruteForce:
    """Exact Jaccard of a query against every indexed text, through a sorted posting array."""

    def __init__(self, index: NearDuplicateIndex) -> None:
        self.keys: list[Any] = []
        sizes: list[int] = []
        parts: list[np.ndarray] = []
        for doc, (key, fps) in enumerate(index.iter_fingerprints()):
            self.keys.append(key)
            sizes.append(len(fps))
            parts.append(fps)
        self.sizes = np.asarray(sizes, dtype=np.int64)
        postings = np.empty(int(self.sizes.sum()), dtype=np.uint64)
        at = 0
        for doc, fps in enumerate(parts):
            postings[at : at + len(fps)] = (fps.astype(np.uint64) << np.uint64(32)) | np.uint64(doc)
            at += len(fps)
        del parts
        postings.sort()
        self.postings = postings

    def matches(self, fps: np.ndarray, threshold: float) -> set[Any]:
        """Keys of all texts with exact Jaccard ≥ threshold to the fingerprint set ``fps``."""
        if len(fps) == 0:
            return set()
        wide = fps.astype(np.uint64) << np.uint64(32)
        lo = np.searchsorted(self.postings, wide)
        hi = np.searchsorted(self.postings, wide + (np.uint64(1) << np.uint64(32)))
        counts = hi - lo
        total = int(counts.sum())
        if total == 0:
            return set()
        # Concatenated index ranges [lo_i, hi_i) without a Python loop.
        shift = np.repeat(lo - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
        docs = (self.postings[np.arange(total) + shift] & np.uint64(0xFFFFFFFF)).astype(np.int64)
        inter = np.bincount(docs, minlength=len(self.sizes))
        hit = np.flatnonzero(inter)
        sims = jaccard_from_counts(inter[hit], len(fps), self.sizes[hit])
        return {self.keys[int(i)] for i in hit[sims >= threshold]}


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def dedupe_bench(
    n: int,
    data_dir: str | Path | None = None,
    *,
    queries: int = 1000,
    seed: int = 0,
    threshold: float = 0.8,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Build an index of ``n`` texts, run ``queries`` fresh edited queries, compare with brute force.

    Returns exactly ``{"n", "index_seconds", "query_p50_ms", "query_p95_ms", "recall",
    "precision"}``. ``extra``, when given, is filled with diagnostics (peak memory,
    truth-pair counts, timings of the brute force).
    """
    if n < 1 or queries < 1:
        raise ValueError("n 和 queries 必须为正整数")
    root = locate_shared_data(data_dir)
    if root is None:
        raise DataError(f"找不到数据目录：{data_dir or '$XINFANG_SHARED_DATA 或 <repo>/../shared/data'}")
    texts = read_message_texts(root)
    rng = np.random.default_rng(seed)
    # About four texts per family at small n, all originals (≈100 copies each) at 1,000,000.
    n_bases = min(len(texts), max(1, math.ceil(n / 4)))
    bases = [texts[i] for i in rng.permutation(len(texts))[:n_bases]]
    generator = EditGenerator(bases, seed=seed + 1)
    rss_before = _rss_mb()

    index = NearDuplicateIndex(threshold)
    index_seconds = index_cpu = 0.0
    batch = 20000
    produced = 0
    while produced < n:
        size = min(batch, n - produced)
        originals = bases[produced : min(produced + size, n_bases)]
        texts = originals + generator.variants(size - len(originals))
        items = list(zip(range(produced, produced + size), texts))
        started, started_cpu = time.perf_counter(), time.process_time()
        index.add_many(items, batch_size=batch)
        index_seconds += time.perf_counter() - started
        index_cpu += time.process_time() - started_cpu
        produced += size
    rss_index = _rss_mb()
    # A long-lived service would do the same after loading: move the index's
    # millions of objects out of the collector's view so no GC pass rescans them.
    gc.collect()
    gc.freeze()

    query_gen = EditGenerator(bases, seed=seed + 2)
    query_texts = query_gen.variants(queries)
    latencies = np.empty(queries)
    cpu_latencies = np.empty(queries)
    answers = []
    for i, text in enumerate(query_texts):
        started, started_cpu = time.perf_counter(), time.thread_time()
        found = index.query(text, k=None)
        latencies[i] = time.perf_counter() - started
        cpu_latencies[i] = time.thread_time() - started_cpu
        answers.append({key for key, _ in found})

    started = time.perf_counter()
    brute = _BruteForce(index)
    hits = returned = relevant = 0
    for text, answer in zip(query_texts, answers):
        truth = brute.matches(fingerprints(text, k=index.shingle), threshold)
        hits += len(answer & truth)
        returned += len(answer)
        relevant += len(truth)
    brute_seconds = time.perf_counter() - started

    if extra is not None:
        extra.update(
            # CPU-time figures: what the work costs on one core when the machine is shared.
            index_cpu_seconds=round(index_cpu, 1),
            query_cpu_p50_ms=round(float(np.percentile(cpu_latencies, 50)) * 1000, 3),
            query_cpu_p95_ms=round(float(np.percentile(cpu_latencies, 95)) * 1000, 3),
            peak_rss_mb=round(_rss_mb(), 1),
            rss_after_index_mb=round(rss_index, 1),
            rss_before_index_mb=round(rss_before, 1),
            truth_pairs=relevant,
            returned_pairs=returned,
            queries_with_matches=sum(1 for a in answers if a),
            brute_force_seconds=round(brute_seconds, 1),
            bands=f"{index.bands}x{index.rows}",
            num_perm=index.num_perm,
            shingle=index.shingle,
        )
    return {
        "n": len(index),
        "index_seconds": round(index_seconds, 2),
        "query_p50_ms": round(float(np.percentile(latencies, 50)) * 1000, 3),
        "query_p95_ms": round(float(np.percentile(latencies, 95)) * 1000, 3),
        "recall": round(hits / relevant, 4) if relevant else 1.0,
        "precision": round(hits / returned, 4) if returned else 1.0,
    }
