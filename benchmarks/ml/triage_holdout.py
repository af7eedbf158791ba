"""Held-out macro-F1 of the triage model on the shared train.csv, with and without the extra set.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \\
      .venv/bin/python benchmarks/ml/triage_holdout.py --splits 20 [--data DIR] [--cv 0] [--skip-10k]

For each of ``--splits`` stratified 80/20 hold-outs of ``triage/train.csv``
(seeds seed … seed+N−1) the model is trained twice through
``xinfang.ml.evaluation.triage_eval`` (the ``triage-eval`` code path) and scored
on the same 20 %:

- ``without_extra``: the 80 % only;
- ``with_extra``: the 80 % plus all of ``triage/extra_segmented.csv`` (4,701
  segmented messages, *training side only*, never in a test fold) and
  ``triage/extra_stopwords.txt``;
- ``with_extra_pseudo`` (opt-in with ``--configs``; a candidate, not shipped):
  ``with_extra``, then the unlabelled messages (near copies of any train.csv text
  dropped) labelled by that model, class-balanced (``triage_pseudo.py``), added,
  and the model trained again; its training time counts both trainings.

Reports mean, std, min and max macro-F1 per configuration, a reliability table
(top-1 confidence against observed accuracy, pooled over the test folds of all
splits), the prediction rate (one core, CPU time), the time to train on
everything (train.csv + extra set), and optionally ``--cv`` folds of CV on
train.csv alone and the 10,000-text training time. Temporary CSV files live in a
temporary directory; no data enters the repository. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from triage_pseudo import class_balanced_pseudo, distinct_messages  # noqa: E402
from triage_train_10k import corpus  # noqa: E402

from xinfang.ml.datasets import locate_shared_data, read_labelled_csv, read_message_texts  # noqa: E402
from xinfang.ml.evaluation import (  # noqa: E402
    cross_validate_csv,
    measure_predict_rate,
    pin_single_thread,
    read_stopwords,
    read_training_files,
    triage_eval,
)
from xinfang.ml.triage import TriageModel, expected_calibration_error, reliability_table  # noqa: E402

CONFIGS = ("without_extra", "with_extra")


def _pseudo_train(texts: list[str], labels: list[str], messages: list[str], stopwords: list[str]) -> TriageModel:
    """Train, add the class-balanced pseudo-labelled messages, train again (config ``with_extra_pseudo``)."""
    first = TriageModel.train(texts, labels, stopwords=stopwords)
    counts = np.array([labels.count(lab) for lab in first.labels])
    chosen, picked = class_balanced_pseudo(first.predict_proba(messages), counts)
    return TriageModel.train(texts + [messages[i] for i in chosen], labels + [first.labels[j] for j in picked],
                             stopwords=stopwords)


def _pseudo_eval(train: list[Path], test: Path, messages: list[str], stopwords: list[str],
                 out: dict) -> dict[str, object]:
    texts, labels = read_training_files(train)
    data = read_labelled_csv(test)
    started = time.perf_counter()
    model = _pseudo_train(texts, labels, messages, stopwords)
    seconds = time.perf_counter() - started
    probs = model.predict_proba(data.texts)
    predicted = [model.labels[i] for i in probs.argmax(axis=1)]
    out.update(confidence=probs.max(axis=1), correct=np.array(predicted) == np.array(data.labels))
    return {"macro_f1": round(float(f1_score(data.labels, predicted, average="macro")), 4),
            "train_seconds": round(seconds, 2), "n_train": model.metadata["metrics"]["n_train"],
            "predict_per_second": round(measure_predict_rate(model, data.texts), 1)}


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "title", "text", "label"])
        writer.writeheader()
        writer.writerows(rows)


def _summary(scores: list[float]) -> dict[str, object]:
    return {
        "macro_f1_mean": round(float(np.mean(scores)), 4),
        "macro_f1_std": round(float(np.std(scores)), 4),
        "macro_f1_min": round(min(scores), 4),
        "macro_f1_max": round(max(scores), 4),
        "splits_at_or_above_0.93": sum(s >= 0.93 for s in scores),
        "macro_f1_per_split": scores,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=None)
    parser.add_argument("--splits", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cv", type=int, default=0)
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--skip-10k", action="store_true")
    args = parser.parse_args()
    pin_single_thread()
    root = locate_shared_data(args.data)
    if root is None:
        print("找不到数据目录", file=sys.stderr)
        return 2
    source, extra = root / "triage" / "train.csv", root / "triage" / "extra_segmented.csv"
    stopwords = read_stopwords(root / "triage" / "extra_stopwords.txt")
    configs = [c for c in args.configs.split(",") if c]
    with source.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    messages = (distinct_messages(read_message_texts(root), read_labelled_csv(source).texts)
                if "with_extra_pseudo" in configs else [])
    scores: dict[str, list[float]] = {c: [] for c in configs}
    confidence: dict[str, list[np.ndarray]] = {c: [] for c in configs}
    correct: dict[str, list[np.ndarray]] = {c: [] for c in configs}
    rates: dict[str, list[float]] = {c: [] for c in configs}
    train_seconds: dict[str, list[float]] = {c: [] for c in configs}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.seed, args.seed + args.splits):
            train_rows, test_rows = train_test_split(
                rows, test_size=0.2, stratify=[r["label"] for r in rows], random_state=seed)
            _write(Path(tmp) / "train.csv", train_rows)
            _write(Path(tmp) / "test.csv", test_rows)
            for config in configs:
                out: dict = {}
                if config == "with_extra_pseudo":
                    result = _pseudo_eval([Path(tmp) / "train.csv", extra], Path(tmp) / "test.csv",
                                          messages, stopwords, out)
                elif config == "with_extra":
                    result = triage_eval([Path(tmp) / "train.csv", extra], Path(tmp) / "test.csv",
                                         stopwords=stopwords, model_out=out)
                else:
                    result = triage_eval(Path(tmp) / "train.csv", Path(tmp) / "test.csv", model_out=out)
                scores[config].append(result["macro_f1"])
                rates[config].append(result["predict_per_second"])
                train_seconds[config].append(result["train_seconds"])
                confidence[config].append(out["confidence"])
                correct[config].append(out["correct"])
                print(json.dumps({"seed": seed, "config": config, **result}, ensure_ascii=False),
                      file=sys.stderr, flush=True)
    report: dict[str, object] = {"splits": f"{args.seed}-{args.seed + args.splits - 1}"}
    for config in configs:
        conf, ok = np.concatenate(confidence[config]), np.concatenate(correct[config])
        report[config] = {
            **_summary(scores[config]),
            "predict_per_second_median": round(float(np.median(rates[config])), 1),
            "train_seconds_median": round(float(np.median(train_seconds[config])), 2),
            "reliability": reliability_table(conf, ok),
            "ece": expected_calibration_error(conf, ok),
            "max_confidence": round(float(conf.max()), 4),
        }
    if "with_extra" in configs:
        texts = read_labelled_csv(source).texts + read_labelled_csv(extra).texts
        labels = read_labelled_csv(source).labels + read_labelled_csv(extra).labels
        started, cpu = time.perf_counter(), time.process_time()
        TriageModel.train(texts, labels, stopwords=stopwords)
        report["train_everything"] = {"n": len(texts), "seconds": round(time.perf_counter() - started, 1),
                                      "cpu_seconds": round(time.process_time() - cpu, 1)}
    if "with_extra_pseudo" in configs:
        texts = read_labelled_csv(source).texts + read_labelled_csv(extra).texts
        labels = read_labelled_csv(source).labels + read_labelled_csv(extra).labels
        started, cpu = time.perf_counter(), time.process_time()
        _pseudo_train(texts, labels, messages, stopwords)
        report["train_everything_pseudo"] = {"n": len(texts), "messages": len(messages),
                                             "seconds": round(time.perf_counter() - started, 1),
                                             "cpu_seconds": round(time.process_time() - cpu, 1)}
    if args.cv:
        report["cv_train_csv_only"] = cross_validate_csv(source, folds=args.cv, seed=args.seed)
    if not args.skip_10k:
        texts, labels = corpus(root, 10_000)
        started, cpu = time.perf_counter(), time.process_time()
        TriageModel.train(texts, labels)
        report["train_seconds_10k"] = round(time.perf_counter() - started, 1)
        report["train_cpu_seconds_10k"] = round(time.process_time() - cpu, 1)
    print(json.dumps(report, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
