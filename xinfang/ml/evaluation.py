"""Evaluation of the triage model on CSV files: a fixed contract for the management commands."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold

from .datasets import read_labelled_csv
from .errors import DataError
from .triage import TriageModel

__all__ = ["cross_validate_csv", "measure_predict_rate", "pin_single_thread", "read_stopwords",
           "read_training_files", "triage_eval"]

_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")


def pin_single_thread() -> None:
    """Limit BLAS/OpenMP pools to one thread so speed is measured on one core.

    The environment variables only bind libraries not yet loaded; threadpoolctl
    (a scikit-learn dependency) also limits pools that are already running.
    """
    for name in _THREAD_VARS:
        os.environ[name] = "1"
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        pass


def measure_predict_rate(model: TriageModel, texts: list[str], *, min_seconds: float = 1.0) -> float:
    """Predictions per second from raw text, single-threaded, in CPU time of this process.

    CPU time rather than wall time: on a shared machine other jobs would
    otherwise be counted as our cost. Repeats the texts until ``min_seconds``.
    """
    pin_single_thread()
    model.predict(texts[:10])  # warm caches (lru of NFKC pieces, first-call imports)
    done, spent = 0, 0.0
    while spent < min_seconds:
        started = time.process_time()
        model.predict(texts)
        spent += time.process_time() - started
        done += len(texts)
    return done / spent if spent else float("inf")


def read_stopwords(path: Path | None) -> list[str]:
    """One word a line (UTF-8); ``None`` gives no stop words."""
    if path is None:
        return []
    try:
        return [line.strip() for line in Path(path).read_text(encoding="utf-8-sig").splitlines() if line.strip()]
    except FileNotFoundError:
        raise DataError(f"找不到停用词文件：{path}") from None
    except UnicodeDecodeError:
        raise DataError(f"停用词文件 {Path(path).name} 不是 UTF-8 编码") from None


def read_training_files(paths: Path | Sequence[Path]) -> tuple[list[str], list[str]]:
    """Texts and labels of one or more labelled CSV files, in order (raw and segmented may mix)."""
    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    if not paths:
        raise DataError("至少需要一个训练文件（--train）")
    texts: list[str] = []
    labels: list[str] = []
    for path in paths:
        data = read_labelled_csv(path)
        texts += data.texts
        labels += data.labels
    return texts, labels


def triage_eval(train_csv: Path | Sequence[Path], test_csv: Path, *, stopwords: Sequence[str] = (),
                model_out: dict[str, Any] | None = None) -> dict[str, Any]:
    """Train on ``train_csv`` (one path or several, concatenated), evaluate on ``test_csv``.

    Returns exactly ``{"macro_f1", "accuracy", "train_seconds",
    "predict_per_second", "n_train", "n_test"}``. Raises :class:`DataError` for
    unreadable CSV files (missing columns, wrong encoding) or no overlap of labels.
    ``model_out``, if given, receives the trained model and the test
    confidences (for the benchmark's reliability table), outside the contract.
    """
    train_texts, train_labels = read_training_files(train_csv)
    test = read_labelled_csv(test_csv)
    unknown = sorted(set(test.labels) - set(train_labels))
    if len(unknown) == len(set(test.labels)):
        raise DataError("测试集的类别在训练集中一个都没有出现：" + "、".join(unknown))
    pin_single_thread()
    started = time.perf_counter()
    model = TriageModel.train(train_texts, train_labels, stopwords=stopwords)
    train_seconds = time.perf_counter() - started
    probs = model.predict_proba(test.texts)
    predicted = [model.labels[i] for i in probs.argmax(axis=1)]
    rate = measure_predict_rate(model, test.texts)
    if model_out is not None:
        model_out.update(model=model, confidence=probs.max(axis=1),
                         correct=np.array(predicted) == np.array(test.labels), predicted=predicted)
    return {
        "macro_f1": round(float(f1_score(test.labels, predicted, average="macro")), 4),
        "accuracy": round(float(accuracy_score(test.labels, predicted)), 4),
        "train_seconds": round(train_seconds, 2),
        "predict_per_second": round(rate, 1),
        "n_train": len(train_texts),
        "n_test": len(test),
    }


def cross_validate_csv(path: Path, folds: int = 5, *, seed: int = 0) -> dict[str, Any]:
    """Stratified ``folds``-fold CV of the whole training procedure on one CSV.

    Returns ``{"folds", "macro_f1_mean", "macro_f1_std", "accuracy_mean",
    "macro_f1_per_fold", "n"}``; C tuning happens inside each training fold.
    """
    data = read_labelled_csv(path)
    texts, labels = data.texts, np.array(data.labels)
    if folds < 2:
        raise ValueError("折数至少为 2")
    pin_single_thread()
    f1s, accs = [], []
    for train_idx, test_idx in StratifiedKFold(folds, shuffle=True, random_state=seed).split(texts, labels):
        model = TriageModel.train([texts[i] for i in train_idx], labels[train_idx].tolist())
        predicted = model.predict([texts[i] for i in test_idx])
        f1s.append(f1_score(labels[test_idx], predicted, average="macro"))
        accs.append(accuracy_score(labels[test_idx], predicted))
    return {
        "folds": folds,
        "macro_f1_mean": round(float(np.mean(f1s)), 4),
        "macro_f1_std": round(float(np.std(f1s)), 4),
        "accuracy_mean": round(float(np.mean(accs)), 4),
        "macro_f1_per_fold": [round(float(v), 4) for v in f1s],
        "n": len(texts),
    }
