"""Triage: suggest the competent category (主管部门/类别) of a petition from its text.

Texts are read in one form, raw and segmented alike (:func:`triage_form`): no
punctuation or spaces, and optionally without the single-character stop words a
segmenter's stop list removes. A raw letter and the same letter tokenised by
jieba with stop words removed then give nearly the same character n-grams, so
training files may mix the two forms and each helps the other, while prediction
needs no segmenter.

Model: TF-IDF over character 1–3-grams of the whole text plus two more blocks
for its opening (first 40 and first 150 characters: the title and first
sentences name the matter), sublinear tf; then one-vs-rest
linear SVMs on naive-Bayes log-count-ratio scaled features (NB-SVM, Wang &
Manning 2012), folded into one weight matrix so prediction is a single sparse
product. C is chosen by stratified CV on the training data only; a softmax
temperature and a small share of the uniform distribution, fitted on the
out-of-fold scores, turn decision values into calibrated confidences (the share
is at least 1 / (n + K): n out-of-fold texts cannot show more certainty than that);
with at least 1,000 out-of-fold texts an isotonic map of the top-1 confidence, fitted
on the same scores, corrects what one temperature cannot (under-confident below 0.5,
over-confident above 0.9) without ever changing the best label. Character n-grams need no segmentation, which keeps prediction
fast (jieba alone would cost ~2 ms per letter); word features added nothing in
cross-validation.
"""

from __future__ import annotations

import platform
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import scipy.sparse as sp
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from .artifacts import read_artifact
from .datasets import training_hash
from .errors import DataError, ModelError
from .features import CharNgramTfidf
from .text import is_mostly_foreign, normalize_text, triage_form

__all__ = ["FORMAT_VERSION", "Suggestions", "TriageModel", "reliability_table", "stop_characters"]

FORMAT = "xinfang.triage-model"
# 2: texts read through triage_form (no punctuation/spaces, stop characters), calibration share.
FORMAT_VERSION = 2
# The opening of a letter (its title, then the first sentences) names the matter;
# two extra blocks weight it: first 30 and first 100 characters, each at 0.5.
# (40, 150) was chosen by 5-fold CV on train.csv (+0.5–1 macro-F1 point over the body
# alone); in triage form, without punctuation, the same words come sooner: (30, 100)
# beat (40, 150) on hold-out seeds 100–102, outside the 20 the benchmark reports.
OPENINGS = ((30, 0.5), (100, 0.5))
DEFAULT_C_GRID = (1.0, 2.0, 4.0)
# Above this many training texts C is not searched (keeps 10,000-text training
# under a minute). C=0.5 lost to 1 and 2 in every 5-fold CV run on train.csv;
# C=4 matched or beat C=2 in every fold of a 5-fold CV on the training 80 %.
TUNE_LIMIT = 6000
# Up to this many texts the temperature is fitted on full out-of-fold scores (C fixed
# above TUNE_LIMIT): train.csv plus the 4,701 segmented messages is 7,301 texts.
CALIBRATE_LIMIT = 8000
# Large sets: the temperature is fitted on one held-back slice scored by a model
# trained on at most CALIBRATION_TRAIN texts (not on full out-of-fold scores).
CALIBRATION_TRAIN = 3000
CALIBRATION_TEST = 2000
# liblinear stopping tolerance: 1e-3 gave the same predictions as the default
# 1e-4 in 5-fold CV (macro-F1 identical in every fold) with ~30 % fewer iterations.
SVM_TOL = 1e-3
LOW_CONFIDENCE = 0.5
# With at least this many out-of-fold texts the top-1 confidence after the temperature
# is mapped once more by isotonic regression on the same out-of-fold scores. One
# temperature cannot fix both ends: out of fold the model was under-confident below
# 0.5 and over-confident above 0.9 (inner 3-fold CV on the training sides of hold-out
# seeds 0 and 1, 6 folds, 4,160 raw test texts: ECE 0.025 → 0.014, top-1 log-loss
# 0.203 → 0.192; a 2-parameter Platt map on the top-1 logit 0.017 / 0.194; the
# temperature fitted on the raw texts' scores only 0.024 / 0.202).
# Fewer texts (a small office's history) would fit steps to noise: temperature only.
TOP1_MAP_MIN = 1000


class Suggestions(list):
    """A list of ``(label, confidence)`` pairs, best first, with a low-confidence flag.

    ``low_confidence`` is set when the text is mostly not Chinese or the best
    confidence is below 0.5; ``note`` says why, in Chinese, for the clerk.
    """

    def __init__(self, pairs: Sequence[tuple[str, float]], *, low_confidence: bool, note: str = "") -> None:
        super().__init__(pairs)
        self.low_confidence = low_confidence
        self.note = note


def _views(texts: Sequence[str], drop: str = "") -> list[list[str]]:
    """The text in triage form and its openings, one list per feature block."""
    docs = [triage_form(t, drop) for t in texts]
    return [docs] + [[d[:chars] for d in docs] for chars, _ in OPENINGS]


def stop_characters(stopwords: Sequence[str]) -> str:
    """The single-character words of a stop-word list, as one sorted string.

    Longer stop words are not removed from raw text: without a segmenter a
    substring match would cut real words apart (tried: no gain). Only Chinese
    characters count: the list's digits ("1", "2") stop only tokens that are a lone
    digit, while segmented texts keep "2019" or "A1" whole.
    """
    return "".join(sorted({w.strip() for w in stopwords
                           if len(w.strip()) == 1 and "\u4e00" <= w.strip() <= "\u9fff"}))


def _weights() -> list[float]:
    return [1.0] + [weight for _, weight in OPENINGS]


def _new_vectorizers() -> tuple[CharNgramTfidf, ...]:
    return tuple(CharNgramTfidf(max_n=3, min_df=2) for _ in range(1 + len(OPENINGS)))


@dataclass
class _Linear:
    """decision(X) = X @ weights + bias; NB ratios are already folded into ``weights``."""

    weights: np.ndarray  # (n_features, n_classes) float32
    bias: np.ndarray  # (n_classes,)

    def decision(self, X: sp.csr_matrix) -> np.ndarray:
        return np.asarray(X @ self.weights) + self.bias


def _fit_nbsvm(X: sp.csr_matrix, y: np.ndarray, n_classes: int, C: float) -> _Linear:
    present = (X > 0).astype(np.float32)
    weights = np.zeros((X.shape[1], n_classes), dtype=np.float32)
    bias = np.zeros(n_classes)
    for c in range(n_classes):
        mask = y == c
        pos = np.asarray(present[mask].sum(axis=0)).ravel() + 1.0
        neg = np.asarray(present[~mask].sum(axis=0)).ravel() + 1.0
        ratio = np.log((pos / pos.sum()) / (neg / neg.sum()))
        svm = LinearSVC(C=C, tol=SVM_TOL).fit(X.multiply(ratio).tocsr(), mask.astype(int))
        weights[:, c] = svm.coef_.ravel() * ratio
        bias[c] = svm.intercept_[0]
    return _Linear(weights, bias)


def _stratified_subset(idx: np.ndarray, y: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """About ``size`` of ``idx``, each class in proportion and kept (at least one text)."""
    if len(idx) <= size:
        return idx
    picked = []
    for c in np.unique(y[idx]):
        members = idx[y[idx] == c]
        take = max(1, round(size * len(members) / len(idx)))
        picked.append(rng.permutation(members)[:take])
    return np.sort(np.concatenate(picked))


def _softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores / temperature
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _calibrated(scores: np.ndarray, temperature: float, share: float) -> np.ndarray:
    return (1.0 - share) * _softmax(scores, temperature) + share / scores.shape[1]


def _fit_calibration(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Temperature and uniform share minimising the negative log-likelihood of out-of-fold scores.

    The share is at least 1 / (n + K) (Laplace): after n right answers out of n the
    honest estimate of the next one is not certainty, so no confidence reaches 1.
    """
    n, k = scores.shape
    floor = 1.0 / (n + k)
    shares = sorted({floor, *(s for s in (0.005, 0.01, 0.02, 0.04, 0.08, 0.15) if s > floor)})
    best = (np.inf, 1.0, floor)
    rows = np.arange(n)
    for t in np.geomspace(0.02, 5.0, 80):
        probs = _softmax(scores, t)[rows, y]
        for share in shares:
            nll = -np.log((1.0 - share) * probs + share / k).mean()
            if nll < best[0]:
                best = (nll, float(t), float(share))
    return best[1], best[2]


def _fit_top1_map(confidences: np.ndarray, correct: np.ndarray, share: float, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Knots of a non-decreasing map from top-1 confidence to observed accuracy (isotonic).

    Kept within [1 / K, (1 − share) + share / K]: never below a uniform guess, never
    more certain than the Laplace share already allows (so no confidence reaches 1).
    """
    iso = IsotonicRegression(y_min=1.0 / k, y_max=(1.0 - share) + share / k, out_of_bounds="clip")
    iso.fit(confidences, correct.astype(float))
    return np.asarray(iso.X_thresholds_, dtype=float), np.asarray(iso.y_thresholds_, dtype=float)


def _apply_top1_map(probs: np.ndarray, knots: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
    """Replace each row's top-1 confidence by the map's value and rescale the others to sum 1.

    The best label stays the best: the new top value is kept above the rescaled
    second one, so predictions (and macro-F1) are exactly those of the raw scores.
    """
    if knots is None or probs.shape[1] < 2:
        return probs
    rows = np.arange(len(probs))
    top = probs.argmax(axis=1)
    old = probs[rows, top]
    second = np.partition(probs, -2, axis=1)[:, -2]
    new = np.interp(old, knots[0], knots[1])
    # p_top' > p_2 · (1 − p_top') / (1 − p_top)  ⇔  p_top' > p_2 / (1 − p_top + p_2)
    new = np.maximum(new, second / (1.0 - old + second) + 1e-9)
    out = probs * ((1.0 - new) / (1.0 - old))[:, None]
    out[rows, top] = new
    return out


def reliability_table(confidences: np.ndarray, correct: np.ndarray,
                      edges: Sequence[float] = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0)) -> list[dict[str, Any]]:
    """Predicted top-1 confidence against observed accuracy, per confidence bin.

    Returns one row per non-empty bin ``{"bin", "n", "mean_confidence", "accuracy"}``;
    a calibrated model has accuracy ≈ mean confidence in every bin.
    """
    confidences, correct = np.asarray(confidences, dtype=float), np.asarray(correct, dtype=bool)
    rows = []
    for i, (lo, hi) in enumerate(zip(edges[:-1], edges[1:])):
        last = i == len(edges) - 2
        mask = (confidences >= lo) & ((confidences <= hi) if last else (confidences < hi))
        if mask.any():
            rows.append({"bin": f"{lo:.2f}–{hi:.2f}", "n": int(mask.sum()),
                         "mean_confidence": round(float(confidences[mask].mean()), 4),
                         "accuracy": round(float(correct[mask].mean()), 4)})
    return rows


def expected_calibration_error(confidences: np.ndarray, correct: np.ndarray) -> float:
    """Bin-size-weighted mean |accuracy − confidence| over :func:`reliability_table`'s bins."""
    rows = reliability_table(confidences, correct)
    total = sum(r["n"] for r in rows)
    return round(sum(r["n"] * abs(r["accuracy"] - r["mean_confidence"]) for r in rows) / total, 4) if total else 0.0


@dataclass
class TriageModel:
    """A trained triage classifier; build with :meth:`train` or :meth:`load`."""

    labels: list[str]
    _vectorizers: tuple[CharNgramTfidf, ...]
    _linear: _Linear
    temperature: float
    metadata: dict[str, Any] = field(default_factory=dict)
    share: float = 0.0  # uniform share mixed into the softmax (calibration)
    stop_chars: str = ""  # single-character stop words removed before featurising
    # (confidence knots, accuracy knots) of the isotonic top-1 map, or None (temperature only)
    top1_map: tuple[np.ndarray, np.ndarray] | None = None

    # ----------------------------------------------------------------- training
    @classmethod
    def train(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        C: float | None = None,
        c_grid: Sequence[float] = DEFAULT_C_GRID,
        folds: int = 3,
        seed: int = 0,
        created_at: datetime | None = None,
        stopwords: Sequence[str] = (),
    ) -> TriageModel:
        """Train on parallel lists of texts and labels and return the model.

        Texts may be raw or segmented (tokens separated by spaces, stop words
        removed); ``stopwords`` is the list the segmented ones were filtered with,
        whose single characters are then removed from every text (also at
        prediction). ``C=None`` picks C from ``c_grid`` by stratified
        ``folds``-fold CV (only up to 6,000 texts; above, C=1). Calibration uses
        full out-of-fold scores up to 8,000 texts; above, one held-back slice of
        at most 2,000 texts scored by a model trained on at most 3,000.
        Raises :class:`DataError` for empty or mismatched input,
        :class:`ModelError` when fewer than two classes remain.
        """
        texts, labels = list(texts), [str(lab).strip() for lab in labels]
        if len(texts) != len(labels):
            raise DataError(f"文本数（{len(texts)}）与标签数（{len(labels)}）不一致")
        if not texts:
            raise DataError("训练数据为空")
        for i, (text, label) in enumerate(zip(texts, labels)):
            if not isinstance(text, str) or not text.strip():
                raise DataError(f"第 {i + 1} 条训练文本为空")
            if not label:
                raise DataError(f"第 {i + 1} 条训练数据没有类别标签")
        counts = Counter(labels)
        if len(counts) < 2:
            raise ModelError("训练数据至少需要两个类别，目前只有：" + "、".join(counts))
        started = time.perf_counter()
        classes = sorted(counts)
        y = np.array([classes.index(lab) for lab in labels])
        vectorizers = _new_vectorizers()
        drop = stop_characters(stopwords)
        if any(not triage_form(t, drop) for t in texts):
            first = next(i for i, t in enumerate(texts) if not triage_form(t, drop))
            raise DataError(f"第 {first + 1} 条训练文本只有标点或停用字，没有可学习的内容")
        try:
            X = sp.hstack(
                [w * v.fit_transform(view) for v, view, w in zip(vectorizers, _views(texts, drop), _weights())]
            ).tocsr()
        except ValueError as exc:  # every n-gram below min_df: far too little text
            raise ModelError(f"训练文本太少或太短，无法提取特征（{exc}）") from exc

        metrics: dict[str, Any] = {}
        top1_map: tuple[np.ndarray, np.ndarray] | None = None
        n_folds = min(folds, min(counts.values()))
        if n_folds >= 2:
            grid = [C] if C is not None else (list(c_grid) if len(texts) <= TUNE_LIMIT else [1.0])
            # The vectorisers saw all training texts (unsupervised IDF); labels never leak across folds.
            splits = list(StratifiedKFold(n_folds, shuffle=True, random_state=seed).split(X, y))
            if len(texts) > CALIBRATE_LIMIT:
                # Large sets: one subsampled fold suffices to fit the temperature.
                rng = np.random.default_rng(seed)
                train_idx, test_idx = splits[0]
                splits = [(_stratified_subset(train_idx, y, CALIBRATION_TRAIN, rng),
                           _stratified_subset(test_idx, y, CALIBRATION_TEST, rng))]
            best: tuple[float, float, np.ndarray] | None = None
            for c_value in grid:
                oof = np.zeros((len(y), len(classes)))
                for train_idx, test_idx in splits:
                    oof[test_idx] = _fit_nbsvm(X[train_idx], y[train_idx], len(classes), c_value).decision(X[test_idx])
                scored = np.concatenate([test_idx for _, test_idx in splits])
                oof, y_scored = oof[scored], y[scored]
                score = f1_score(y_scored, oof.argmax(axis=1), average="macro")
                metrics[f"cv_macro_f1_C{c_value:g}"] = round(float(score), 4)
                if best is None or score > best[0]:
                    best = (score, c_value, oof)
            assert best is not None
            chosen_c = best[1]
            temperature, share = _fit_calibration(best[2], y_scored)
            oof_probs = _calibrated(best[2], temperature, share)
            oof_correct = oof_probs.argmax(axis=1) == y_scored
            if len(y_scored) >= TOP1_MAP_MIN:
                top1_map = _fit_top1_map(oof_probs.max(axis=1), oof_correct, share, len(classes))
            metrics.update(cv_macro_f1=round(float(best[0]), 4), cv_folds=n_folds,
                           cv_reliability=reliability_table(oof_probs.max(axis=1), oof_correct),
                           cv_ece=expected_calibration_error(oof_probs.max(axis=1), oof_correct))
        else:
            # Too few examples per class to cross-validate: defaults, with the Laplace share only.
            chosen_c, temperature, share = (C or 1.0), 1.0, 1.0 / (len(texts) + len(classes))
        linear = _fit_nbsvm(X, y, len(classes), chosen_c)
        metrics.update(C=chosen_c, temperature=round(temperature, 4), calibration_share=round(share, 5),
                       top1_map_knots=0 if top1_map is None else len(top1_map[0]),
                       n_train=len(texts),
                       n_features=int(X.shape[1]), train_seconds=round(time.perf_counter() - started, 2))
        # No Django here (ml stays framework-free), so not core.clock: an aware UTC stamp.
        stamp = (created_at or datetime.now(UTC)).isoformat(timespec="seconds")
        metadata = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "labels": classes,
            "label_counts": dict(sorted(counts.items())),
            "training_hash": training_hash(texts, labels),
            "created_at": stamp,
            "metrics": metrics,
            "versions": _library_versions(),
            "stop_characters": len(drop),
        }
        return cls(classes, vectorizers, linear, temperature, metadata, share=share, stop_chars=drop,
                   top1_map=top1_map)

    # ----------------------------------------------------------------- prediction
    def _scores(self, texts: Sequence[str]) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("texts 应为文本列表；单条文本请用 suggest()")
        for i, text in enumerate(texts):
            if not isinstance(text, str) or not text.strip():
                raise DataError(f"第 {i + 1} 条文本为空，无法分类")
        views = _views(texts, self.stop_chars)
        X = sp.hstack([w * v.transform(view) for v, view, w in zip(self._vectorizers, views, _weights())])
        return self._linear.decision(X.tocsr())

    def predict(self, texts: Sequence[str]) -> list[str]:
        """Return the most likely label of each text. Empty text raises :class:`DataError`."""
        if len(texts) == 0:
            return []
        return [self.labels[i] for i in self._scores(texts).argmax(axis=1)]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Return calibrated confidences, shape ``(len(texts), len(labels))``, rows summing to 1, each < 1."""
        return _apply_top1_map(_calibrated(self._scores(texts), self.temperature, self.share), self.top1_map)

    def suggest(self, text: str, k: int = 3) -> Suggestions:
        """Return the ``k`` best ``(label, confidence)`` pairs for one text (confidences sum ≤ 1).

        Text that is mostly not Chinese still gets suggestions, flagged
        ``low_confidence``; empty or whitespace-only text raises :class:`DataError`.
        """
        if not isinstance(text, str) or not text.strip():
            raise DataError("文本为空，无法给出分类建议")
        probs = self.predict_proba([text])[0]
        order = np.argsort(-probs)[: max(1, k)]
        pairs = [(self.labels[i], round(float(probs[i]), 4)) for i in order]
        if is_mostly_foreign(normalize_text(text)):
            return Suggestions(pairs, low_confidence=True, note="文本主要不是中文，分类建议仅供参考")
        if pairs[0][1] < LOW_CONFIDENCE:
            return Suggestions(pairs, low_confidence=True, note="模型把握不大，请人工判断")
        return Suggestions(pairs, low_confidence=False)

    # ----------------------------------------------------------------- persistence
    def save(self, path: str | Path) -> None:
        """Write the model and its metadata to ``path`` (joblib, compressed)."""
        payload = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "metadata": self.metadata,
            "labels": self.labels,
            "vectorizers": self._vectorizers,
            "weights": self._linear.weights,
            "bias": self._linear.bias,
            "temperature": self.temperature,
            "share": self.share,
            "stop_chars": self.stop_chars,
            "top1_map": None if self.top1_map is None else [self.top1_map[0].tolist(), self.top1_map[1].tolist()],
        }
        joblib.dump(payload, Path(path), compress=3)

    @classmethod
    def load(cls, path: str | Path) -> TriageModel:
        """Read a model written by :meth:`save`.

        A missing, truncated, corrupt or foreign file raises :class:`ModelError`
        with a Chinese message, never a raw unpickling traceback.
        """
        payload = read_artifact(path, fmt=FORMAT, version=FORMAT_VERSION, noun="分诊模型")
        name = Path(path).name
        try:
            linear = _Linear(np.asarray(payload["weights"]), np.asarray(payload["bias"]))
            # Optional: models saved before the top-1 map have none (temperature only).
            knots = payload.get("top1_map")
            top1_map = None if knots is None else (np.asarray(knots[0], dtype=float), np.asarray(knots[1], dtype=float))
            model = cls(list(payload["labels"]), tuple(payload["vectorizers"]), linear,
                        float(payload["temperature"]), dict(payload["metadata"]),
                        share=float(payload["share"]), stop_chars=str(payload["stop_chars"]), top1_map=top1_map)
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"模型文件内容不完整：{name}（{exc}）") from None
        if linear.weights.shape[1] != len(model.labels):
            raise ModelError(f"模型文件内容不一致：{name}")
        return model

    def __repr__(self) -> str:
        meta = self.metadata
        return (f"TriageModel(labels={len(self.labels)}, created_at={meta.get('created_at')!r}, "
                f"cv_macro_f1={meta.get('metrics', {}).get('cv_macro_f1')})")


def _library_versions() -> dict[str, str]:
    import jieba
    import scipy
    import sklearn

    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "joblib": joblib.__version__,
        "jieba": getattr(jieba, "__version__", "unknown"),
    }
