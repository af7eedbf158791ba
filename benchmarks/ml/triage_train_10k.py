"""Time training the triage model on 10,000 texts; prints one JSON line.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \\
      .venv/bin/python benchmarks/ml/triage_train_10k.py [--data DIR] [--n 10000]

The 10,000 texts are the 2,600 labelled rows of ``triage/train.csv`` plus the
first 7,400 unlabelled messages under ``messages/`` (hot, replies, unlabelled, in
that order), pseudo-labelled by a first model trained on train.csv with C=1 (not
timed). Real, distinct texts: repeating train.csv rows would make every n-gram
pass min_df (1.1 M features instead of 0.93 M) and slow liblinear with
duplicates, which no real corpus does. Prints
``{"n_train", "train_seconds", "train_cpu_seconds", "n_features", "C", "temperature"}``;
CPU seconds are of this process only (the machine may be shared).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from xinfang.ml.datasets import locate_shared_data, read_labelled_csv, read_message_texts  # noqa: E402
from xinfang.ml.evaluation import pin_single_thread  # noqa: E402
from xinfang.ml.triage import TriageModel  # noqa: E402


def corpus(root: Path, n: int) -> tuple[list[str], list[str]]:
    """The benchmark corpus: train.csv plus pseudo-labelled messages, ``n`` texts."""
    data = read_labelled_csv(root / "triage" / "train.csv")
    extra = read_message_texts(root)[: max(0, n - len(data))]
    if len(data) + len(extra) < n:
        raise SystemExit(f"只有 {len(data) + len(extra)} 条文本，不足 {n} 条")
    first = TriageModel.train(data.texts, data.labels, C=1.0, folds=1)
    texts, labels = data.texts + extra, data.labels + first.predict(extra)
    return texts[:n], labels[:n]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=None)
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args()
    pin_single_thread()
    root = locate_shared_data(args.data)
    if root is None:
        print("找不到数据目录", file=sys.stderr)
        return 2
    texts, labels = corpus(root, args.n)
    started, cpu = time.perf_counter(), time.process_time()
    model = TriageModel.train(texts, labels)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    metrics = model.metadata["metrics"]
    print(json.dumps({"n_train": len(texts), "train_seconds": round(wall, 1), "train_cpu_seconds": round(cpu, 1),
                      "n_features": metrics["n_features"], "C": metrics["C"],
                      "temperature": metrics["temperature"]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
