"""Opening the CSV files people bring: UTF-8 (with or without a byte-order mark) or GB18030.

Offices export from Excel and WPS; "CSV" there is often the system's GBK/GB18030 code page, not
UTF-8. The readers of whole analysis files — triage training sets (``datasets``) and the warning
contract files (``warning_cli``) — open them here, so such a file is either read right or refused
with one clear Chinese message, never half-read with a codec traceback. The row-by-row importers
(enforcement cases in ``casefile``, the petition ledger) keep asking for "CSV UTF-8" by name: they
resume by row number and report per row, and a guessed encoding there would be one more way to be
wrong about a row.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import TextIO

SNIFF_BYTES = 1 << 20  # enough to see past a long header and many rows; the rest is decoded as read


def detect_encoding(path: str | Path) -> str:
    """``"utf-8-sig"`` when the file's first megabyte is valid UTF-8 (an ASCII-only start counts),
    otherwise ``"gb18030"`` (a superset of GBK and GB2312, which every byte sequence Excel writes
    under a Chinese locale decodes in)."""
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)  # a character cut at the end of the sample is not an error
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"


def open_text(path: str | Path) -> TextIO:
    """Open ``path`` for ``csv`` reading in the encoding :func:`detect_encoding` finds.

    A UTF-8 file that turns invalid after the sniffed megabyte still raises ``UnicodeDecodeError``
    while being read; callers report it with the line number."""
    return open(path, encoding=detect_encoding(path), newline="")
