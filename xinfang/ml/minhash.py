"""Vectorised character shingling and MinHash signatures (numpy, many texts at once).

Hashing a million letters shingle by shingle through ``MinHash.update`` takes
hours; here every step is one numpy operation over a whole batch of texts. The
signatures are *bit-identical* to datasketch's ``affine32`` scheme
(``MinHash(num_perm, seed, hashfunc=<identity on our fingerprints>)``), so they
feed datasketch's ``MinHashLSH`` unchanged (tested in ``test_minhash.py``).

A shingle is ``k`` consecutive characters of :func:`~xinfang.ml.text.dedupe_text`
(texts shorter than ``k`` are one shingle). Its fingerprint is a 32-bit hash;
all similarities in this package, including the benchmark's brute-force ground
truth, are exact Jaccard similarities of these fingerprint sets.
"""

from __future__ import annotations

from collections.abc import Sequence
import unicodedata
from functools import lru_cache

import numpy as np
from datasketch import MinHash

from .text import dedupe_text

__all__ = ["DEFAULT_SHINGLE", "fingerprint_batch", "fingerprints", "permutations", "signatures"]

DEFAULT_SHINGLE = 4

# Fixed odd multipliers of the multilinear shingle hash (one per position in the
# shingle) and the MurmurHash3 64-bit finalizer. Changing them changes every
# stored fingerprint, so they are part of the index format.
_POSITION_MULTIPLIERS = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
     0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9],
    dtype=np.uint64,
)
_MAX_SHINGLE = len(_POSITION_MULTIPLIERS)
_U32 = np.uint64(0xFFFFFFFF)


def _fmix64(h: np.ndarray) -> np.ndarray:
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    h ^= h >> np.uint64(33)
    return h


def _fmix32(h: np.ndarray) -> np.ndarray:
    # datasketch's affine32 pre-mix (MurmurHash3 32-bit finalizer), reproduced exactly.
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


_JAMO_RANGES = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xD7B0, 0xD7FF))


@lru_cache(maxsize=1)
def _char_table() -> np.ndarray:
    """Per BMP code point: the code point :func:`dedupe_text` maps it to, 0 if it is
    dropped, -1 if it is not safe to map alone (it can compose with its neighbours
    under NFKC, or lower-cases by context), in which case the text takes the slow path."""
    table = np.full(0x10000, -1, dtype=np.int32)
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF or code == 0x03A3:  # surrogates; final-sigma lower-casing
            continue
        ch = chr(code)
        decomposed = unicodedata.normalize("NFKD", ch)
        if any(unicodedata.category(x).startswith("M") or any(lo <= ord(x) <= hi for lo, hi in _JAMO_RANGES)
               for x in decomposed):
            continue
        mapped = unicodedata.normalize("NFKC", ch).lower()
        kept = [x for x in mapped if x.isalnum()]
        if not kept:
            table[code] = 0
        elif len(mapped) == 1:
            table[code] = ord(mapped)
    return table


def _clean_codes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(codes, lengths)``: :func:`dedupe_text` of every text as concatenated code points.

    A table lookup does the work for a whole batch at once; texts with a character
    the table cannot map alone (accents, Hangul, rare symbols) go through
    :func:`dedupe_text` itself, so the result is identical either way (tested).
    """
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    raw = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32)
    mapped = _char_table()[np.minimum(raw, 0xFFFF)]
    mapped[raw > 0xFFFF] = -1
    doc_of = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    keep = mapped > 0
    codes = mapped[keep].astype(np.uint32)
    new_lengths = np.bincount(doc_of[keep], minlength=len(texts)).astype(np.int64)
    slow = np.unique(doc_of[mapped < 0])
    if len(slow) == 0:
        return codes, new_lengths
    pieces = np.split(codes, np.cumsum(new_lengths)[:-1])
    for i in slow:
        pieces[i] = np.frombuffer(dedupe_text(texts[i]).encode("utf-32-le"), dtype=np.uint32)
        new_lengths[i] = len(pieces[i])
    return np.concatenate(pieces), new_lengths


def fingerprint_batch(texts: Sequence[str], *, k: int = DEFAULT_SHINGLE) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(flat, offsets)``: the sorted unique shingle fingerprints of every text.

    Text ``i`` owns ``flat[offsets[i]:offsets[i + 1]]`` (uint32, ascending). A text
    with nothing left after :func:`dedupe_text` owns an empty slice.
    """
    if not 1 <= k <= _MAX_SHINGLE:
        raise ValueError(f"shingle 长度 k 必须在 1 到 {_MAX_SHINGLE} 之间")
    codes, lengths = _clean_codes(list(texts))
    n = len(lengths)
    # A text shorter than k becomes one shingle, padded with code point 0 (never in cleaned text).
    padded = np.where(lengths > 0, np.maximum(lengths, k), 0)
    if padded.sum() != lengths.sum():
        extra = np.concatenate(([0], np.cumsum(padded - lengths)[:-1]))
        cps = np.zeros(int(padded.sum()), dtype=np.uint64)
        cps[np.arange(len(codes)) + np.repeat(extra, lengths)] = codes
        lengths = padded
    else:
        cps = codes.astype(np.uint64)
    n_shingles = np.where(lengths > 0, lengths - k + 1, 0)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(n_shingles, out=offsets[1:])
    if offsets[-1] == 0:
        return np.zeros(0, dtype=np.uint32), offsets
    span = len(cps) - k + 1
    h = cps[:span] * _POSITION_MULTIPLIERS[0]
    for j in range(1, k):
        h += cps[j : j + span] * _POSITION_MULTIPLIERS[j]
    # Keep only shingles that start and end inside one text.
    starts = np.zeros(n, dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    doc_of = np.repeat(np.arange(n, dtype=np.uint64), n_shingles)
    pos = np.arange(offsets[-1], dtype=np.int64) + np.repeat(starts - offsets[:-1], n_shingles)
    fp = _fmix64(h[pos]) >> np.uint64(32)
    keyed = (doc_of << np.uint64(32)) | fp
    # An explicit sort: numpy's hash-based np.unique is ~10x slower on this data.
    keyed.sort()
    if len(keyed) > 1:
        keep = np.empty(len(keyed), dtype=bool)
        keep[0] = True
        np.not_equal(keyed[1:], keyed[:-1], out=keep[1:])
        keyed = keyed[keep]
    flat = (keyed & _U32).astype(np.uint32)
    counts = np.bincount((keyed >> np.uint64(32)).astype(np.int64), minlength=n)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return flat, offsets


def fingerprints(text: str, *, k: int = DEFAULT_SHINGLE) -> np.ndarray:
    """Return the sorted unique shingle fingerprints (uint32) of one text."""
    flat, _ = fingerprint_batch([text], k=k)
    return flat


@lru_cache(maxsize=16)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Return datasketch's ``affine32`` permutation parameters ``(a, b)`` for (num_perm, seed)."""
    a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    return a.astype(np.uint32), b.astype(np.uint32)


def signatures(
    flat: np.ndarray, offsets: np.ndarray, *, num_perm: int, seed: int, chunk: int = 1 << 18
) -> np.ndarray:
    """Return the MinHash signature of every text as a ``(n_texts, num_perm)`` uint32 array.

    Empty texts get the all-``0xFFFFFFFF`` signature (datasketch's empty MinHash).
    Work proceeds in chunks of about ``chunk`` shingles to stay in cache.
    """
    a, b = permutations(num_perm, seed)
    n = len(offsets) - 1
    out = np.full((n, num_perm), np.uint32(0xFFFFFFFF), dtype=np.uint32)
    mixed = _fmix32(flat.astype(np.uint32, copy=False))
    doc = 0
    while doc < n:
        # Take whole texts until the chunk is full (at least one text).
        end = int(np.searchsorted(offsets, offsets[doc] + chunk, side="right")) - 1
        end = max(end, doc + 1)
        lo, hi = int(offsets[doc]), int(offsets[end])
        if hi > lo:
            block = np.multiply(a[:, None], mixed[None, lo:hi])  # (num_perm, shingles), wraps mod 2^32
            block += b[:, None]
            sizes = np.diff(offsets[doc : end + 1])
            nonempty = np.flatnonzero(sizes)
            starts = (offsets[doc:end] - lo)[nonempty]
            out[doc + nonempty] = np.minimum.reduceat(block, starts, axis=1).T
        doc = end
    return out
