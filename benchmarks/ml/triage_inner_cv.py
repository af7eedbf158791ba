"""Inner cross-validation of triage model variants on ONE training split (never on the hold-outs).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ml/triage_inner_cv.py [--split-seed 0] [--folds 3]
        [--variants base,c05,...]

Takes the training 80 % of hold-out split ``--split-seed`` of ``triage/train.csv``
(its 20 % is never read), cuts it into ``--folds`` stratified folds, and for each
fold trains on the other folds plus all of ``extra_segmented.csv`` and scores the
raw texts of the fold. The candidate designs are the ones compared in
``benchmarks/ml/README.md``; the 20-split benchmark then runs once per adopted design.
Prints one JSON line per variant (mean macro-F1 and per fold).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold, train_test_split  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

from xinfang.ml import triage as T  # noqa: E402
from xinfang.ml.datasets import locate_shared_data, read_labelled_csv  # noqa: E402
from xinfang.ml.evaluation import pin_single_thread, read_stopwords  # noqa: E402


def _features(train: list[str], test: list[str], drop: str) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    vecs = T._new_vectorizers()
    tr = sp.hstack([w * v.fit_transform(view) for v, view, w in zip(vecs, T._views(train, drop), T._weights())])
    te = sp.hstack([w * v.transform(view) for v, view, w in zip(vecs, T._views(test, drop), T._weights())])
    return tr.tocsr(), te.tocsr()


def _nbsvm(X, y, k, C, *, loss="squared_hinge", class_weight=None, sample_weight=None):
    present = (X > 0).astype(np.float32)
    scores = []
    for c in range(k):
        mask = y == c
        pos = np.asarray(present[mask].sum(axis=0)).ravel() + 1.0
        neg = np.asarray(present[~mask].sum(axis=0)).ravel() + 1.0
        ratio = np.log((pos / pos.sum()) / (neg / neg.sum()))
        svm = LinearSVC(C=C, tol=T.SVM_TOL, loss=loss, class_weight=class_weight)
        svm.fit(X.multiply(ratio).tocsr(), mask.astype(int), sample_weight=sample_weight)
        scores.append((svm.coef_.ravel() * ratio, svm.intercept_[0]))
    W = np.stack([s[0] for s in scores], axis=1)
    b = np.array([s[1] for s in scores])
    return lambda Z: np.asarray(Z @ W) + b


def _plain(X, y, C):
    svm = LinearSVC(C=C, tol=T.SVM_TOL).fit(X, y)
    return svm.decision_function


VARIANTS = {
    "base": lambda X, y, k, w: _nbsvm(X, y, k, 1.0),
    "c05": lambda X, y, k, w: _nbsvm(X, y, k, 0.5),
    "c2": lambda X, y, k, w: _nbsvm(X, y, k, 2.0),
    "hinge": lambda X, y, k, w: _nbsvm(X, y, k, 1.0, loss="hinge"),
    "balanced": lambda X, y, k, w: _nbsvm(X, y, k, 1.0, class_weight="balanced"),
    "extra_half": lambda X, y, k, w: _nbsvm(X, y, k, 1.0, sample_weight=w),
    "nbsvm+svm": None,  # special-cased: average of NB-SVM and plain SVM decision values
}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=None)
    parser.add_argument("--split-seed", type=int, default=0)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    args = parser.parse_args()
    pin_single_thread()
    root = locate_shared_data(args.data)
    drop = T.stop_characters(read_stopwords(root / "triage" / "extra_stopwords.txt"))
    with (root / "triage" / "train.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    train_rows, _ = train_test_split(rows, test_size=0.2, stratify=[r["label"] for r in rows],
                                     random_state=args.split_seed)
    raw = [f"{r['title'].strip()}。{r['text'].strip()}" if (r.get("title") or "").strip() else r["text"].strip()
           for r in train_rows]
    raw_y = [r["label"] for r in train_rows]
    extra = read_labelled_csv(root / "triage" / "extra_segmented.csv")
    classes = sorted(set(raw_y))
    yr = np.array([classes.index(v) for v in raw_y])
    ye = np.array([classes.index(v) for v in extra.labels])
    folds = list(StratifiedKFold(args.folds, shuffle=True, random_state=0).split(raw, yr))
    cache = []
    for tr, te in folds:
        X, Xt = _features([raw[i] for i in tr] + extra.texts, [raw[i] for i in te], drop)
        y = np.r_[yr[tr], ye]
        w = np.r_[np.ones(len(tr)), np.full(len(ye), 0.5)]
        cache.append((X, Xt, y, yr[te], w))
    for name in [v for v in args.variants.split(",") if v]:
        started, f1s = time.perf_counter(), []
        for X, Xt, y, yt, w in cache:
            if name == "nbsvm+svm":
                a, b = _nbsvm(X, y, len(classes), 1.0)(Xt), _plain(X, y, 1.0)(Xt)
                s = a / a.std() + b / b.std()
            else:
                s = VARIANTS[name](X, y, len(classes), w)(Xt)
            f1s.append(float(f1_score(yt, s.argmax(axis=1), average="macro")))
        print(json.dumps({"variant": name, "mean": round(float(np.mean(f1s)), 4),
                          "folds": [round(f, 4) for f in f1s],
                          "seconds": round(time.perf_counter() - started, 1)}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
