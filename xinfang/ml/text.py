"""Chinese text normalisation and jieba segmentation with the traffic-police dictionary.

jieba is initialised lazily (the first call to :func:`segment`), quietly (its
"Building prefix dict…" chatter goes nowhere) and once per process.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import jieba as _jieba_module

__all__ = [
    "USER_DICT_FILE",
    "dedupe_text",
    "is_mostly_foreign",
    "normalize_text",
    "segment",
    "looks_segmented",
    "triage_form",
    "user_dictionary_terms",
]

USER_DICT_FILE = "traffic_dict.txt"

_URL_RE = re.compile(r"(?:https?|ftp)://\S+|www\.\S+", re.IGNORECASE)
# ASCII classes only: with \w a long run of Chinese characters would be rescanned
# from every position (quadratic time) looking for an "@".
_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z0-9.-]+")
# Masking runs left by anonymisation or by the clerk ("***", "××", "xxx") carry no meaning.
_MASK_RE = re.compile(r"[*×＊]{2,}|\bx{3,}\b", re.IGNORECASE)
# Everything that is not a letter/digit/CJK character: punctuation and spacing
# vary between copies of the same letter, so near-duplicate detection ignores them.
_NON_WORD_RE = re.compile(r"[\W_]+")
_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# Characters NFKC leaves alone (ASCII, CJK ideographs, the common CJK brackets,
# quotes and stops). Only runs of *other* characters are handed to NFKC: CPython's
# normalize() costs ~1 µs per Chinese character, far too slow for a million texts.
_NFKC_CANDIDATE_RE = re.compile(r"[^\x00-\x7f\u4e00-\u9fff\u3001\u3002\u3008-\u3011\u2018\u2019\u201c\u201d]+")

_jieba_lock = threading.Lock()
_jieba: _jieba_module.Tokenizer | None = None


def normalize_text(text: str) -> str:
    """Return ``text`` in one canonical form for the models.

    NFKC folds full-width letters, digits and punctuation to half-width (and the
    ideographic space to a space); URLs, e-mail addresses and masking runs are
    dropped; Latin letters are lower-cased; whitespace runs become one space.
    """
    if not isinstance(text, str):
        raise TypeError("text 必须是字符串")
    text = _nfkc(text)
    # Cheap substring tests first: regexes over long Chinese strings cost ~0.3 µs a character.
    if "://" in text or "www." in text or "WWW." in text:
        text = _URL_RE.sub(" ", text)
    if "@" in text:
        text = _EMAIL_RE.sub(" ", text)
    if "**" in text or "××" in text or "xxx" in text or "XXX" in text:
        text = _MASK_RE.sub(" ", text)
    return " ".join(text.lower().split())


@lru_cache(maxsize=8192)
def _nfkc_piece(piece: str) -> str:
    # The runs are mostly single full-width punctuation marks: caching makes them ~free.
    return unicodedata.normalize("NFKC", piece)


def _nfkc_run(match: re.Match[str]) -> str:
    return _nfkc_piece(match.group())


def _nfkc(text: str) -> str:
    """Return exactly ``unicodedata.normalize("NFKC", text)``, fast for Chinese text."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    text = _NFKC_CANDIDATE_RE.sub(_nfkc_run, text)
    # Piecewise normalisation misses compositions across a run boundary (e + U+0301);
    # normalising the whole string then yields the same result as NFKC of the original.
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return text


@lru_cache(maxsize=64)
def _triage_table(drop: str) -> dict[int, None]:
    # Every BMP code point that is not a letter or digit (punctuation, symbols, spaces,
    # controls), plus the given characters: str.translate deletes them in one C pass,
    # ~10× cheaper than a regex over long Chinese strings.
    table: dict[int, None] = {cp: None for cp in range(0x10000) if not chr(cp).isalnum()}
    table.update((ord(ch), None) for ch in drop)
    return table


def triage_form(text: str, drop: str = "") -> str:
    """Return ``text`` in the one form the triage model reads, raw and segmented alike.

    :func:`normalize_text`, then every character that is not a letter or digit is
    removed — punctuation and the spaces a segmenter puts between words — and so
    is each character of ``drop`` (single-character stop words: what a segmenter
    with a stop-word list takes out of a raw text). A raw letter and the same
    letter tokenised with stop words removed then come out nearly the same, with
    no segmenter on the prediction path.
    """
    return normalize_text(text).translate(_triage_table(drop))


def looks_segmented(text: str) -> bool:
    """True for text already tokenised by a segmenter: words separated by spaces, no
    Chinese punctuation (e.g. ``"楼顶 水箱 长年 不洗"``). Raw letters are written in runs
    of characters with full-width punctuation and hardly ever a space between words."""
    han = len(_HAN_RE.findall(text))
    if han < 4 or any(mark in text for mark in "，。！？；："):
        return False
    return text.count(" ") >= 0.2 * han


def dedupe_text(text: str) -> str:
    """Return the text as near-duplicate detection sees it: NFKC, lower case, letters and
    digits only (spacing and punctuation vary between copies of one letter).

    URLs and e-mail addresses are kept here: a shared link is shared content.
    """
    if not isinstance(text, str):
        raise TypeError("text 必须是字符串")
    return _NON_WORD_RE.sub("", _nfkc(text).lower())


def is_mostly_foreign(text: str, *, min_han_share: float = 0.2) -> bool:
    """True when fewer than ``min_han_share`` of the letters are Chinese characters.

    The triage model was trained on Chinese; its suggestions for such text are
    flagged as low confidence.
    """
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return True
    han = sum(1 for ch in letters if _HAN_RE.match(ch))
    return han / len(letters) < min_han_share


def user_dictionary_terms() -> list[str]:
    """Return the terms of the bundled traffic-police user dictionary."""
    raw = resources.files(__package__).joinpath(USER_DICT_FILE).read_text(encoding="utf-8")
    return [line.split()[0] for line in raw.splitlines() if line.strip() and not line.startswith("#")]


def _tokenizer() -> _jieba_module.Tokenizer:
    global _jieba
    if _jieba is not None:
        return _jieba
    with _jieba_lock:
        if _jieba is None:
            import jieba

            # jieba logs "Building prefix dict…" at DEBUG/INFO to stderr; keep imports quiet.
            jieba.setLogLevel(logging.WARNING)
            logging.getLogger("jieba").setLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            dict_file = resources.files(__package__).joinpath(USER_DICT_FILE)
            with resources.as_file(dict_file) as path:
                tokenizer.load_userdict(str(path))
            _jieba = tokenizer
    return _jieba


def segment(text: str, *, normalize: bool = True, hmm: bool = False) -> list[str]:
    """Return the words of ``text`` (jieba precise mode plus the traffic dictionary).

    Spaces and punctuation-only tokens are dropped. HMM discovery of unknown words
    is off by default: it costs 2–3× the time and adds little for classification.
    """
    if normalize:
        text = normalize_text(text)
    words = _tokenizer().lcut(text, HMM=hmm)
    return [w for w in words if w.strip() and not _NON_WORD_RE.fullmatch(w)]
