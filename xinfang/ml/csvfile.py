"""Opening the CSV files people bring: UTF-8 (with or without a byte-order mark) or GB18030.

Offices export from Excel and WPS; "CSV" there is often the system's GBK/GB18030 code page, not
UTF-8. Every reader of a CSV someone brings opens it here — triage training sets (``datasets``),
the warning contract files (``warning_cli``), the enforcement-case importer (``casefile``) and the
petition ledger (``xinfang.exchange.ledger``) — so such a file is either read right or refused with
one clear Chinese message, never half-read with a codec traceback.

The guess is made once per file, from its first megabyte, and never per row: a UTF-8 export with a
few damaged bytes stays UTF-8 (its damaged row is reported by number, what was committed before stands),
rather than being re-read whole as GB18030 mojibake. Only a sample that is mostly *not* UTF-8 is
taken for GB18030: GBK text read as UTF-8 fails at nearly every Chinese character.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, TextIO

SNIFF_BYTES = 1 << 20  # enough to see past a long header and many rows; the rest is decoded as read


# A sample with at least this many well-formed non-ASCII UTF-8 characters per undecodable byte is a
# UTF-8 file with damage, not GBK: GBK text read as UTF-8 yields a few accidental two-byte
# characters per many failures (0.27–0.29 per failure for the citizens' letters of the triage
# training set saved in GBK, in 26 slices of 100 letters), far below this.
UTF8_DAMAGE_RATIO = 4


def detect_encoding(path: str | Path) -> str:
    """``"utf-8-sig"`` when the file's first megabyte is UTF-8 (an ASCII-only start counts, and so
    does UTF-8 with a few damaged bytes), otherwise ``"gb18030"`` (a superset of GBK and GB2312,
    which every byte sequence Excel writes under a Chinese locale decodes in)."""
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    text = decoder.decode(head, final=False)  # a character cut at the end of the sample is not an error
    damaged = text.count("\ufffd")
    if not damaged:
        return "utf-8-sig"
    well_formed = sum(1 for ch in text if ch > "\x7f") - damaged
    return "utf-8-sig" if well_formed >= UTF8_DAMAGE_RATIO * damaged else "gb18030"


def encoding_label(encoding: str) -> str:
    """The encoding's name as offices know it (GB18030 reads every GBK file)."""
    return "GBK" if encoding == "gb18030" else "UTF-8"


def open_text(path: str | Path) -> TextIO:
    """Open ``path`` for ``csv`` reading in the encoding :func:`detect_encoding` finds.

    A UTF-8 file that turns invalid after the sniffed megabyte still raises ``UnicodeDecodeError``
    while being read; callers report it with the line number."""
    return open(path, encoding=detect_encoding(path), newline="")


def decoded_lines(handle: BinaryIO, encoding: str) -> Iterator[str]:
    """The lines of a file opened in binary, each decoded on its own, for ``csv.reader``.

    A text-mode file decodes 8 KB at a time, so one damaged byte fails the read of whichever row
    starts that block — rows before the damage. Decoding line by line fails exactly at the damaged
    row, which the row-by-row importers then name. Neither UTF-8 nor GB18030 ever has a newline byte
    inside a character, so splitting the bytes at newlines cuts no character; quoted fields that span
    lines are joined again by the csv reader. A byte-order mark opening the file is dropped."""
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    first = True
    for raw in handle:
        line = raw.decode(codec)
        if first:
            line, first = line.removeprefix("\ufeff"), False
        yield line
