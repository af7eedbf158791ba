"""Reading the joblib files the models and indexes write: one check of file, format and version."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import joblib

from .errors import ModelError

__all__ = ["read_artifact"]


def read_artifact(path: str | Path, *, fmt: str, version: int, noun: str) -> dict[str, Any]:
    """Return the payload dict in ``path`` written with ``{"format": fmt, "format_version": version}``.

    A missing, truncated, corrupt or foreign file, or another format version, raises
    :class:`ModelError` with a Chinese message naming ``noun`` (e.g. "分诊模型"),
    never a raw unpickling traceback.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{noun}文件不存在：{path}")
    try:
        payload = joblib.load(path)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means a bad file
        raise ModelError(f"{noun}文件已损坏或格式不正确：{path.name}（{type(exc).__name__}）") from None
    if not isinstance(payload, dict) or payload.get("format") != fmt:
        raise ModelError(f"文件不是{noun}：{path.name}")
    if payload.get("format_version") != version:
        raise ModelError(f"{noun}格式版本 {payload.get('format_version')} 不受支持（当前为 {version}），请重新生成")
    return payload
