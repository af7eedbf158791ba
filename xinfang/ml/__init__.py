"""Text intelligence for Xinfang: normalisation, triage, near-duplicates, precedents.

Imports no Django. Heavy modules (scikit-learn, datasketch, jieba) load on
first use of the names below, so ``import xinfang.ml`` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .errors import DataError, MLError, ModelError

if TYPE_CHECKING:  # pragma: no cover
    from .dedupe import NearDuplicateIndex
    from .evaluation import cross_validate_csv, triage_eval
    from .precedent import PrecedentIndex
    from .text import normalize_text, segment
    from .triage import Suggestions, TriageModel

__all__ = [
    "DataError",
    "MLError",
    "ModelError",
    "NearDuplicateIndex",
    "PrecedentIndex",
    "Suggestions",
    "TriageModel",
    "cross_validate_csv",
    "normalize_text",
    "segment",
    "triage_eval",
]

_LAZY = {
    "NearDuplicateIndex": "dedupe",
    "PrecedentIndex": "precedent",
    "Suggestions": "triage",
    "TriageModel": "triage",
    "cross_validate_csv": "evaluation",
    "triage_eval": "evaluation",
    "normalize_text": "text",
    "segment": "text",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
