"""Reading the labelled and unlabelled message CSV files (UTF-8, with or without BOM)."""

from __future__ import annotations

import csv
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from .csvfile import open_text
from .errors import DataError

__all__ = [
    "LabelledData",
    "MESSAGE_FILES",
    "TRIAGE_COLUMNS",
    "locate_shared_data",
    "read_labelled_csv",
    "read_message_texts",
    "training_hash",
]

TRIAGE_COLUMNS = ("id", "title", "text", "label")
MESSAGE_FILES = ("hot.csv", "replies.csv", "unlabelled.csv")
_REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class LabelledData:
    """Rows of a triage CSV: ``texts`` joins title and body, ready for :class:`TriageModel`."""

    ids: list[str]
    titles: list[str]
    bodies: list[str]
    labels: list[str]

    @property
    def texts(self) -> list[str]:
        # The title opens the text when it was not kept separately, so the join is uniform.
        return [f"{t}。{b}" if t else b for t, b in zip(self.titles, self.bodies)]

    def __len__(self) -> int:
        return len(self.labels)


def locate_shared_data(explicit: str | Path | None = None) -> Path | None:
    """Return the shared data directory: ``explicit`` if given, else ``$XINFANG_SHARED_DATA``,
    else ``<repo>/../shared/data``; ``None`` when it does not exist."""
    if explicit is not None:
        return Path(explicit).resolve() if Path(explicit).is_dir() else None
    for candidate in (os.environ.get("XINFANG_SHARED_DATA"), _REPO_ROOT / ".." / "shared" / "data"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate).resolve()
    return None


def _read_rows(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    path = Path(path)
    if not path.is_file():
        raise DataError(f"找不到数据文件：{path}")
    try:
        # UTF-8 with or without a byte-order mark, or GB18030 as Excel/WPS save "CSV" on a Chinese locale.
        with open_text(path) as handle:
            reader = csv.DictReader(handle)
            header = [name.strip() for name in (reader.fieldnames or [])]
            missing = [name for name in required if name not in header]
            if missing:
                raise DataError(f"数据文件 {path.name} 缺少列：{'、'.join(missing)}（需要 {','.join(required)}）")
            reader.fieldnames = header
            return list(reader)
    except UnicodeDecodeError as exc:
        raise DataError(f"数据文件 {path.name} 不是 UTF-8 或 GB18030 编码（第 {exc.start} 字节附近无法解码）") from exc
    except csv.Error as exc:
        raise DataError(f"数据文件 {path.name} 不是有效的 CSV：{exc}") from exc


def read_labelled_csv(path: str | Path) -> LabelledData:
    """Read a triage CSV with columns ``id,title,text,label`` (title may be empty).

    Raises :class:`DataError` (Chinese message) for a missing file, wrong encoding,
    missing columns, an empty file or rows without text or label.
    """
    rows = _read_rows(Path(path), TRIAGE_COLUMNS)
    if not rows:
        raise DataError(f"数据文件 {Path(path).name} 没有数据行")
    ids, titles, bodies, labels = [], [], [], []
    for line, row in enumerate(rows, start=2):
        title, body, label = (row.get("title") or "").strip(), (row.get("text") or "").strip(), (row.get("label") or "").strip()
        if not body and not title:
            raise DataError(f"数据文件 {Path(path).name} 第 {line} 行没有文本")
        if not label:
            raise DataError(f"数据文件 {Path(path).name} 第 {line} 行没有类别标签")
        ids.append((row.get("id") or "").strip())
        titles.append(title)
        bodies.append(body)
        labels.append(label)
    return LabelledData(ids, titles, bodies, labels)


def read_message_texts(data_dir: str | Path) -> list[str]:
    """Return title + text of every message under ``<data_dir>/messages/`` (hot, replies, unlabelled)."""
    texts: list[str] = []
    for name in MESSAGE_FILES:
        for row in _read_rows(Path(data_dir) / "messages" / name, ("title", "text")):
            title, body = (row.get("title") or "").strip(), (row.get("text") or "").strip()
            if title or body:
                texts.append(f"{title} {body}".strip())
    return texts


def training_hash(texts: list[str], labels: list[str]) -> str:
    """sha256 over the training texts and labels, order-sensitive (identifies a training set)."""
    digest = hashlib.sha256()
    for text, label in zip(texts, labels, strict=True):
        digest.update(text.encode("utf-8"))
        digest.update(b"\x1f")
        digest.update(label.encode("utf-8"))
        digest.update(b"\x1e")
    return digest.hexdigest()
