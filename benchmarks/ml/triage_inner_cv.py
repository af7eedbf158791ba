"""Inner cross-validation of triage model variants on ONE training split (never on the hold-outs).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ml/triage_inner_cv.py [--split-seed 0] [--folds 3]
        [--variants base,c05,...]

Takes the training 80 % of hold-out split ``--split-seed`` of ``triage/train.csv``
(its 20 % is never read), cuts it into ``--folds`` stratified folds, and for each
fold trains on the other folds plus all of ``extra_segmented.csv`` and scores the
raw texts of the fold. The candidate designs are the ones compared in
``benchmarks/ml/README.md``; the 20-split benchmark then runs once per adopted design.
Prints one JSON line per variant (mean macro-F1 and per fold).

``--split-seed`` may list several seeds (``0,1``): the folds of each training side
are pooled. Second session's variants (2026-12-01, 16:20–16:40 UTC):

- ``words``: NB-SVM on word uni- and bigrams alone, the words found by forward
  maximum matching (FMM) over the extra set's jieba vocabulary (tokens of 2–4
  characters seen ≥ 2 times, 31,317) plus the multi-character stop words, which
  are then dropped — a segmenter with no jieba at prediction (~0.2 ms a letter);
- ``words_ens``: its decision values and the shipped model's, each divided by its
  std, summed; ``words_cat0.5`` / ``words_cat1``: word block appended to the
  character blocks at weight 0.5 / 1, one NB-SVM;
- ``fmm_form`` / ``fmm_form_drop``: the character blocks computed on the FMM form
  (stop tokens dropped, kept words joined) instead of deleting single stop
  characters; ``_drop`` also deletes the single stop characters afterwards;
- ``extra_w1.5`` / ``extra_w2``: segmented texts at sample weight 1.5 / 2.

Fourth session's variants (2026-12-01, 19:10–19:45 UTC; ``triage_pseudo.py`` for the
unlabelled messages, near copies of any train.csv text dropped):

- ``bias_raw`` / ``bias_all``: per-class offsets added to the decision values, tuned
  for macro-F1 (coordinate search, ±0.5) on 3-fold out-of-fold scores of the
  training fold, its raw texts only / all its texts;
- ``pseudo_<t>_<w>``: self-training, every message the model is ≥ t sure of
  (temperature-calibrated), labelled by it, added at sample weight w;
- ``pbal_<f>_<w>``: the same, class-balanced: per class at most f × its labelled
  count of the most confident (≥ 0.9) messages;
- ``ens_nb_<m>``: mean of temperature-calibrated probabilities of NB-SVM and
  m = ``lr`` (multinomial logistic regression, C = 30), ``cnb`` (complement NB,
  α = 0.3) or ``svm`` (plain linear SVM), each calibrated on its own out-of-fold scores;
- ``vocab_msgs``: vocabulary and idf fitted on the training fold + messages;
- ``shared<n>`` / ``shared<n>m``: only n-grams seen in ≥ n raw texts (the training
  fold's, and the messages with ``m``) — n-grams only segmented text has never fire
  on a raw letter;
- ``crop<f>``: each raw training text's first f of its characters added (weight 0.5).

Fifth session's variants (2026-12-01, 21:45–22:20 UTC, quiet machine): the NB-SVM's own
knobs, another representation, another learner, and label cleaning —

- ``alpha<a>``: the NB ratio's smoothing count a (shipped: 1);
- ``beta<b>``: Wang & Manning's interpolation of each class's weights towards their mean
  magnitude, w' = (1 − b)·mean|w| + b·w (shipped: b = 1, none);
- ``nblr<C>``: logistic regression instead of the SVM on the NB-scaled features;
- ``binary``: binary presence (l2-normalised per block) instead of sublinear TF-IDF;
- ``tfratio<a>``: the NB ratio counted on TF-IDF mass instead of presence, smoothing a;
- ``augment`` / ``augment_raw``: Daumé's feature augmentation, a shared copy of every
  feature plus a raw-only and a segmented-only copy (``_raw``: the raw-only copy alone);
  a letter at prediction fills the shared and raw copies;
- ``lsa<d>_<g>`` / ``lsa<d>m_<g>``: d latent dimensions (truncated SVD of the training
  fold's TF-IDF, with ``m`` also of the 9,040 distinct messages), l2-normalised, appended
  at weight g as unscaled dense features;
- ``mlp<g>``: a one-hidden-layer network (128 units, 60,000 features by χ², 12 epochs)
  whose z-scored log-probabilities are added at weight g to the NB-SVM's z-scored scores;
- ``clean<t>`` / ``cleanseg<t>``: training texts whose own label gets < t of the
  calibrated 3-fold out-of-fold probability are dropped (``seg``: segmented ones only).

``--calibration`` instead compares, on the same folds, the shipped temperature
calibration (fitted on full 3-fold out-of-fold scores of the training fold, as
``TriageModel.train`` does) with the temperature fitted on raw texts' scores only,
a Platt map of the top-1 logit and the isotonic top-1 map, all scored on the raw
test fold of the model fitted on the whole training fold.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from scipy.optimize import minimize  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold, train_test_split  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.naive_bayes import ComplementNB  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from triage_pseudo import class_balanced_pseudo, distinct_messages  # noqa: E402

from xinfang.ml import triage as T  # noqa: E402
from xinfang.ml.features import char_ngram_keys  # noqa: E402
from xinfang.ml.features import CharNgramTfidf  # noqa: E402
from xinfang.ml.text import looks_segmented, normalize_text  # noqa: E402
from xinfang.ml.datasets import locate_shared_data, read_labelled_csv, read_message_texts  # noqa: E402
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


_SPACE = {cp: " " for cp in range(0x10000) if not chr(cp).isalnum()}


class _Fmm:
    """Forward maximum matching over the segmented set's vocabulary; stop words dropped."""

    def __init__(self, segmented: list[str], stopwords: list[str], max_len: int = 4) -> None:
        from collections import Counter

        counts = Counter(t for text in segmented for t in normalize_text(text).split() if 2 <= len(t) <= max_len)
        words = sorted(w for w, c in counts.items() if c >= 2 and w.isalnum())
        self.vocab = {w: chr(0xF0000 + i) for i, w in enumerate(words)}  # one private-use code point a word
        self.singles = set()
        for w in (normalize_text(w) for w in stopwords):
            if 2 <= len(w) <= max_len:
                self.vocab[w] = ""
            elif len(w) == 1:
                self.singles.add(w)
        self.prefix: dict[str, int] = {}
        for w in self.vocab:
            self.prefix[w[:2]] = max(self.prefix.get(w[:2], 0), len(w))

    def tokens(self, text: str) -> list[tuple[str, str]]:
        out = []
        for s in normalize_text(text).translate(_SPACE).split():
            i = 0
            while i < len(s):
                length = self.prefix.get(s[i:i + 2], 0)
                while length >= 2:
                    code = self.vocab.get(s[i:i + length])
                    if code is not None:
                        if code:
                            out.append((s[i:i + length], code))
                        i += length
                        break
                    length -= 1
                else:
                    if s[i] not in self.singles:
                        out.append((s[i], s[i]))
                    i += 1
        return out

    def codes(self, text: str) -> str:  # one character a word: CharNgramTfidf(max_n=2) gives word 1–2-grams
        return "".join(code for _, code in self.tokens(text))

    def form(self, text: str) -> str:  # kept words joined
        return "".join(word for word, _ in self.tokens(text))


def _logit(p):
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _calibration_maps(oof, y, final, seg):
    """Top-1 confidences on the test fold under each calibration, fitted on ``oof`` only."""

    t, s = T._fit_calibration(oof, y)
    po = T._calibrated(oof, t, s)
    co, ok = po.max(axis=1), po.argmax(axis=1) == y
    pf = T._calibrated(final, t, s)
    cf = pf.max(axis=1)
    tr, sr = T._fit_calibration(oof[~seg], y[~seg])

    def nll(ab):
        q = np.clip(1 / (1 + np.exp(-(ab[0] * _logit(co) + ab[1]))), 1e-9, 1 - 1e-9)
        return -np.mean(ok * np.log(q) + (~ok) * np.log(1 - q))

    a, b = minimize(nll, [1.0, 0.0], method="Nelder-Mead").x
    knots = T._fit_top1_map(co, ok, s, oof.shape[1])
    return {"temperature": cf, "temperature_raw_only": T._calibrated(final, tr, sr).max(axis=1),
            "platt_top1": 1 / (1 + np.exp(-(a * _logit(cf) + b))),
            "isotonic_top1": T._apply_top1_map(pf, knots).max(axis=1)}


def _plain(X, y, C):
    svm = LinearSVC(C=C, tol=T.SVM_TOL).fit(X, y)
    return svm.decision_function


def _oof(fit, X, y, folds=3):
    """Out-of-fold decision values of ``fit(X, y) -> scorer`` inside a training fold."""
    k = int(y.max()) + 1
    out = np.zeros((len(y), k))
    for a, b in StratifiedKFold(folds, shuffle=True, random_state=0).split(X, y):
        out[b] = fit(X[a], y[a])(X[b])
    return out


def _tune_bias(scores, y, k, rounds=3, grid=np.linspace(-0.5, 0.5, 41)):
    bias = np.zeros(k)
    best = f1_score(y, scores.argmax(axis=1), average="macro")
    for _ in range(rounds):
        for c in range(k):
            for g in grid:
                trial = bias.copy()
                trial[c] = g
                f = f1_score(y, (scores + trial).argmax(axis=1), average="macro")
                if f > best + 1e-9:
                    best, bias = f, trial
    return bias


def _calibrator(oof, y):
    t, share = T._fit_calibration(oof, y)
    return lambda scores: T._calibrated(scores, t, share)


_MEMBERS = {
    "lr": lambda A, b: LogisticRegression(C=30, max_iter=300).fit(A, b).decision_function,
    "cnb": lambda A, b: ComplementNB(alpha=0.3).fit(A, b).predict_log_proba,
    "svm": lambda A, b: LinearSVC(C=1.0, tol=T.SVM_TOL).fit(A, b).decision_function,
}


def _semi(name, ctx, cache):
    """Decision values on the test fold for the fourth session's variants."""
    X, Xt, y, k, drop = ctx["X"], ctx["Xt"], ctx["y"], ctx["k"], ctx["drop"]
    train_texts, test_texts, msgs = ctx["train_texts"], ctx["test_texts"], ctx["messages"]
    nb = lambda A, b: _nbsvm(A, b, k, 1.0)  # noqa: E731
    if "fit" not in cache:
        cache["fit"], cache["oof"] = nb(X, y), _oof(nb, X, y)
    base, oof = cache["fit"], cache["oof"]
    if name in ("bias_raw", "bias_all"):
        rows = ctx["is_raw"] if name == "bias_raw" else slice(None)
        return base(Xt) + _tune_bias(oof[rows], y[rows], k)
    if name.startswith(("pseudo_", "pbal_")):
        _, a, w = name.split("_")
        probs = _calibrator(oof, y)(base(_features(train_texts, msgs, drop)[1]))
        if name.startswith("pseudo_"):
            chosen = np.flatnonzero(probs.max(axis=1) >= float(a))
            picked = probs.argmax(axis=1)[chosen]
        else:
            chosen, picked = class_balanced_pseudo(probs, np.bincount(y, minlength=k), frac=float(a))
        X2, Xt2 = _features(train_texts + [msgs[i] for i in chosen], test_texts, drop)
        weights = np.r_[np.ones(len(y)), np.full(len(chosen), float(w))]
        return _nbsvm(X2, np.r_[y, picked], k, 1.0, sample_weight=weights)(Xt2)
    if name.startswith("ens_nb_"):
        member = _MEMBERS[name.removeprefix("ens_nb_")]
        other = _calibrator(_oof(member, X, y), y)(member(X, y)(Xt))
        return (_calibrator(oof, y)(base(Xt)) + other) / 2
    if name == "vocab_msgs" or name.startswith("shared"):
        vecs = T._new_vectorizers()
        views = T._views(train_texts, drop)
        vocab_views = T._views(train_texts + msgs, drop) if name == "vocab_msgs" else views
        for v, view in zip(vecs, vocab_views):
            v.fit(view)
        if name.startswith("shared"):
            spec = name.removeprefix("shared")
            raw_docs = train_texts[: ctx["n_raw"]] + (msgs if spec.endswith("m") else [])
            for v, view in zip(vecs, T._views(raw_docs, drop)):
                doc, key = char_ngram_keys(view, v.max_n)
                pairs = np.unique(np.stack([key, doc.astype(np.uint64)], axis=1), axis=0)
                keys, df = np.unique(pairs[:, 0], return_counts=True)
                keep = np.isin(v.vocabulary_, keys[df >= int(spec.rstrip("m"))])
                v.vocabulary_, v.idf_ = v.vocabulary_[keep], v.idf_[keep]
        X2, Xt2 = (sp.hstack([w * v.transform(view) for v, view, w in zip(vecs, T._views(t, drop), T._weights())]).tocsr()
                   for t in (train_texts, test_texts))
        return _nbsvm(X2, y, k, 1.0)(Xt2)
    if name.startswith("crop"):
        crops = [t[: max(20, int(len(t) * float(name.removeprefix("crop"))))] for t in train_texts[: ctx["n_raw"]]]
        X2, Xt2 = _features(train_texts + crops, test_texts, drop)
        weights = np.r_[np.ones(len(y)), np.full(len(crops), 0.5)]
        return _nbsvm(X2, np.r_[y, y[: ctx["n_raw"]]], k, 1.0, sample_weight=weights)(Xt2)
    raise SystemExit(f"unknown variant {name}")


def _nb_knobs(X, y, k, *, alpha=1.0, beta=1.0, lr_c=None, counts=None):
    """NB-SVM with its knobs exposed: ratio smoothing, interpolation, LR instead of the SVM."""
    present = (X > 0).astype(np.float32) if counts is None else counts
    W, b = np.zeros((X.shape[1], k)), np.zeros(k)
    for c in range(k):
        mask = y == c
        pos = np.asarray(present[mask].sum(axis=0)).ravel() + alpha
        neg = np.asarray(present[~mask].sum(axis=0)).ravel() + alpha
        ratio = np.log((pos / pos.sum()) / (neg / neg.sum()))
        clf = (LogisticRegression(C=lr_c, solver="liblinear", dual=True, max_iter=200) if lr_c
               else LinearSVC(C=1.0, tol=T.SVM_TOL))
        clf.fit(X.multiply(ratio).tocsr(), mask.astype(int))
        w = clf.coef_.ravel()
        if beta != 1.0:
            w = (1 - beta) * np.abs(w).mean() + beta * w
        W[:, c], b[c] = w * ratio, clf.intercept_[0]
    return lambda Z: np.asarray(Z @ W) + b


def _nb_dense(X, L, y, k):
    """NB-SVM on X plus dense columns L that the NB ratio does not scale."""
    present = (X > 0).astype(np.float32)
    W, V, b = np.zeros((X.shape[1], k)), np.zeros((L.shape[1], k)), np.zeros(k)
    for c in range(k):
        mask = y == c
        pos = np.asarray(present[mask].sum(axis=0)).ravel() + 1.0
        neg = np.asarray(present[~mask].sum(axis=0)).ravel() + 1.0
        ratio = np.log((pos / pos.sum()) / (neg / neg.sum()))
        svm = LinearSVC(C=1.0, tol=T.SVM_TOL).fit(sp.hstack([X.multiply(ratio), sp.csr_matrix(L)]).tocsr(),
                                                  mask.astype(int))
        w = svm.coef_.ravel()
        W[:, c], V[:, c], b[c] = w[: X.shape[1]] * ratio, w[X.shape[1]:], svm.intercept_[0]
    return lambda Z, M: np.asarray(Z @ W) + M @ V + b


def _fifth(name, ctx, cache):
    """Decision values on the test fold for the fifth session's variants."""
    from sklearn.preprocessing import normalize

    X, Xt, y, k, is_raw = ctx["X"], ctx["Xt"], ctx["y"], ctx["k"], ctx["is_raw"]
    number = lambda prefix: float(name.removeprefix(prefix))  # noqa: E731
    if name.startswith("alpha"):
        return _nb_knobs(X, y, k, alpha=number("alpha"))(Xt)
    if name.startswith("beta"):
        return _nb_knobs(X, y, k, beta=number("beta"))(Xt)
    if name.startswith("nblr"):
        return _nb_knobs(X, y, k, lr_c=number("nblr"))(Xt)
    if name.startswith("tfratio"):
        return _nb_knobs(X, y, k, alpha=number("tfratio"), counts=X)(Xt)
    if name == "binary":
        vecs = T._new_vectorizers()
        for v, view in zip(vecs, T._views(ctx["train_texts"], ctx["drop"])):
            v.fit(view)
        binarised = [sp.hstack([w * normalize((v.transform(view) > 0).astype(np.float64)) for v, view, w
                                in zip(vecs, T._views(texts, ctx["drop"]), T._weights())]).tocsr()
                     for texts in (ctx["train_texts"], ctx["test_texts"])]
        return _nbsvm(binarised[0], y, k, 1.0)(binarised[1])
    if name in ("augment", "augment_raw"):
        raw_rows, seg_rows = sp.diags(is_raw.astype(float)), sp.diags((~is_raw).astype(float))
        parts, test_parts = [X, raw_rows @ X], [Xt, Xt]
        if name == "augment":
            parts.append(seg_rows @ X)
            test_parts.append(0 * Xt)
        return _nbsvm(sp.hstack(parts).tocsr(), y, k, 1.0)(sp.hstack(test_parts).tocsr())
    if name.startswith("lsa"):
        from sklearn.decomposition import TruncatedSVD

        spec, weight = name.removeprefix("lsa").split("_")
        key = "lsa" + spec
        if key not in cache:
            fit_on = X
            if spec.endswith("m"):
                fit_on = sp.vstack([X, _features(ctx["train_texts"], ctx["messages"], ctx["drop"])[1]]).tocsr()
            svd = TruncatedSVD(int(spec.rstrip("m")), random_state=0, n_iter=5).fit(fit_on)
            cache[key] = (normalize(svd.transform(X)), normalize(svd.transform(Xt)))
        L, Lt = cache[key]
        return _nb_dense(X, float(weight) * L, y, k)(Xt, float(weight) * Lt)
    if name.startswith("mlp"):
        from sklearn.feature_selection import chi2
        from sklearn.neural_network import MLPClassifier

        if "mlp" not in cache:
            top = np.argsort(-np.nan_to_num(chi2(X, y)[0]))[:60000]
            net = MLPClassifier(hidden_layer_sizes=(128,), batch_size=128, max_iter=12, learning_rate_init=2e-3,
                                random_state=0).fit(X[:, top], y)
            cache["mlp"] = (net.predict_log_proba(Xt[:, top]), _nbsvm(X, y, k, 1.0)(Xt))
        net_scores, base = cache["mlp"]
        net_scores = net_scores - net_scores.mean(axis=1, keepdims=True)
        return base / base.std() + number("mlp") * net_scores / net_scores.std()
    if name.startswith("clean"):
        if "own" not in cache:
            oof = _oof(lambda A, b: _nbsvm(A, b, k, 1.0), X, y)
            cache["own"] = _calibrator(oof, y)(oof)[np.arange(len(y)), y]
        keep = cache["own"] >= number("cleanseg" if name.startswith("cleanseg") else "clean")
        if name.startswith("cleanseg"):
            keep |= is_raw
        return _nbsvm(X[keep], y[keep], k, 1.0)(Xt)
    raise SystemExit(f"unknown variant {name}")


_FIFTH = ("alpha", "beta", "nblr", "tfratio", "binary", "augment", "lsa", "mlp", "clean")


_SEMI = ("bias_", "pseudo_", "pbal_", "ens_nb_", "vocab_msgs", "shared", "crop")

VARIANTS = {
    "base": lambda X, y, k, w: _nbsvm(X, y, k, 1.0),
    "c05": lambda X, y, k, w: _nbsvm(X, y, k, 0.5),
    "c2": lambda X, y, k, w: _nbsvm(X, y, k, 2.0),
    "hinge": lambda X, y, k, w: _nbsvm(X, y, k, 1.0, loss="hinge"),
    "balanced": lambda X, y, k, w: _nbsvm(X, y, k, 1.0, class_weight="balanced"),
    "extra_half": lambda X, y, k, w: _nbsvm(X, y, k, 1.0, sample_weight=w),
    "nbsvm+svm": None,  # special-cased: average of NB-SVM and plain SVM decision values
    "extra_w1.5": lambda X, y, k, w: _nbsvm(X, y, k, 1.0, sample_weight=np.where(w < 1, 1.5, 1.0)),
    "extra_w2": lambda X, y, k, w: _nbsvm(X, y, k, 1.0, sample_weight=np.where(w < 1, 2.0, 1.0)),
    # special-cased below (other features):
    "words": None, "words_ens": None, "words_cat0.5": None, "words_cat1": None,
    "fmm_form": None, "fmm_form_drop": None,
}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=None)
    parser.add_argument("--split-seed", default="0", help="one seed or several, comma-separated")
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--variants", default="base,c05,c2,hinge,balanced,extra_half,nbsvm+svm")
    parser.add_argument("--calibration", action="store_true")
    args = parser.parse_args()
    pin_single_thread()
    root = locate_shared_data(args.data)
    stopwords = read_stopwords(root / "triage" / "extra_stopwords.txt")
    drop = T.stop_characters(stopwords)
    with (root / "triage" / "train.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    extra = read_labelled_csv(root / "triage" / "extra_segmented.csv")
    fmm = _Fmm(extra.texts, stopwords)
    names_ = [v for v in args.variants.split(",") if v]
    needs_messages = any(n.startswith(("pseudo_", "pbal_", "vocab_msgs")) or (n.startswith("shared") and n.endswith("m"))
                         or (n.startswith("lsa") and n.split("_")[0].endswith("m")) for n in names_)
    messages = distinct_messages(read_message_texts(root), read_labelled_csv(root / "triage" / "train.csv").texts) \
        if needs_messages else []
    names = [v for v in args.variants.split(",") if v]
    f1s: dict[str, list[float]] = {n: [] for n in names}
    pooled: dict[str, list] = {}
    for split_seed in (int(v) for v in str(args.split_seed).split(",")):
        train_rows, _ = train_test_split(rows, test_size=0.2, stratify=[r["label"] for r in rows],
                                         random_state=split_seed)
        raw = [f"{r['title'].strip()}。{r['text'].strip()}" if (r.get("title") or "").strip() else r["text"].strip()
               for r in train_rows]
        raw_y = [r["label"] for r in train_rows]
        classes = sorted(set(raw_y))
        yr = np.array([classes.index(v) for v in raw_y])
        ye = np.array([classes.index(v) for v in extra.labels])
        k = len(classes)
        for tr, te in StratifiedKFold(args.folds, shuffle=True, random_state=0).split(raw, yr):
            train_texts, test_texts = [raw[i] for i in tr] + extra.texts, [raw[i] for i in te]
            y, yt = np.r_[yr[tr], ye], yr[te]
            w = np.r_[np.ones(len(tr)), np.full(len(ye), 0.5)]
            X, Xt = _features(train_texts, test_texts, drop)
            if args.calibration:
                splits = StratifiedKFold(3, shuffle=True, random_state=0).split(X, y)
                oof = np.zeros((len(y), k))
                for a, b in splits:
                    oof[b] = T._fit_nbsvm(X[a], y[a], k, 1.0).decision(X[b])
                final = T._fit_nbsvm(X, y, k, 1.0).decision(Xt)
                correct = final.argmax(axis=1) == yt
                seg = np.array([looks_segmented(t) for t in train_texts])
                for name, conf in _calibration_maps(oof, y, final, seg).items():
                    pooled.setdefault(name, []).append((conf, correct))
                continue
            cache: dict[str, object] = {}

            def words():
                if "words" not in cache:
                    vec = CharNgramTfidf(max_n=2, min_df=2)
                    cache["words"] = (vec.fit_transform([fmm.codes(t) for t in train_texts]),
                                      vec.transform([fmm.codes(t) for t in test_texts]))
                return cache["words"]

            ctx = {"X": X, "Xt": Xt, "y": y, "k": k, "drop": drop, "train_texts": train_texts,
                   "test_texts": test_texts, "messages": messages, "n_raw": len(tr),
                   "is_raw": np.arange(len(y)) < len(tr)}
            semi_cache: dict[str, object] = {}
            for name in names:
                if name.startswith(_SEMI):
                    s = _semi(name, ctx, semi_cache)
                elif name.startswith(_FIFTH):
                    s = _fifth(name, ctx, semi_cache)
                elif name == "nbsvm+svm":
                    a, b = _nbsvm(X, y, k, 1.0)(Xt), _plain(X, y, 1.0)(Xt)
                    s = a / a.std() + b / b.std()
                elif name == "words":
                    Xw, Xwt = words()
                    s = _nbsvm(Xw, y, k, 1.0)(Xwt)
                elif name == "words_ens":
                    Xw, Xwt = words()
                    a, b = _nbsvm(X, y, k, 1.0)(Xt), _nbsvm(Xw, y, k, 1.0)(Xwt)
                    s = a / a.std() + b / b.std()
                elif name.startswith("words_cat"):
                    Xw, Xwt = words()
                    ww = float(name.removeprefix("words_cat"))
                    s = _nbsvm(sp.hstack([X, ww * Xw]).tocsr(), y, k, 1.0)(sp.hstack([Xt, ww * Xwt]).tocsr())
                elif name.startswith("fmm_form"):
                    d = drop if name.endswith("_drop") else ""
                    Xf, Xft = _features([fmm.form(t) for t in train_texts], [fmm.form(t) for t in test_texts], d)
                    s = _nbsvm(Xf, y, k, 1.0)(Xft)
                else:
                    s = VARIANTS[name](X, y, k, w)(Xt)
                f1s[name].append(float(f1_score(yt, s.argmax(axis=1), average="macro")))
    if args.calibration:
        for name, parts in pooled.items():
            conf, ok = np.concatenate([c for c, _ in parts]), np.concatenate([o for _, o in parts])
            print(json.dumps({"calibration": name, "ece": T.expected_calibration_error(conf, ok),
                              "top1_log_loss": round(float(-np.mean(np.where(ok, np.log(conf), np.log1p(-conf)))), 4),
                              "max_confidence": round(float(conf.max()), 4),
                              "reliability": T.reliability_table(conf, ok)}, ensure_ascii=False), flush=True)
        return 0
    for name in names:
        gain = np.array(f1s[name]) - np.array(f1s[names[0]])
        print(json.dumps({"variant": name, "mean": round(float(np.mean(f1s[name])), 4),
                          "folds": [round(f, 4) for f in f1s[name]],
                          "paired_gain_vs_first": round(float(gain.mean()), 4),
                          "folds_better_than_first": int((gain > 0).sum())}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
