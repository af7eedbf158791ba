"""Held-out and cross-validated macro-F1 of the triage model on the shared train.csv.

    .venv/bin/python benchmarks/ml/triage_holdout.py [--data DIR] [--cv 5] [--seed 0] [--splits 10]

Splits train.csv into a stratified 80/20 split (seed 0) in a temporary
directory (the data never enters the repository), runs
``xinfang.ml.evaluation.triage_eval`` on it, then 5-fold CV on the whole file,
and times training on 10,000 texts (train.csv plus pseudo-labelled messages,
the corpus of ``triage_train_10k.py``). ``--splits N`` adds N more stratified
80/20 hold-outs (seeds seed … seed+N−1, each trained and scored exactly like the
first): one split is one draw, and their spread shows how far apart draws fall.
Prints one JSON object.
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
from sklearn.model_selection import train_test_split  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from triage_train_10k import corpus  # noqa: E402

from xinfang.ml.datasets import locate_shared_data  # noqa: E402
from xinfang.ml.evaluation import cross_validate_csv, pin_single_thread, triage_eval  # noqa: E402
from xinfang.ml.triage import TriageModel  # noqa: E402


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "title", "text", "label"])
        writer.writeheader()
        writer.writerows(rows)


def _holdout(rows: list[dict[str, str]], seed: int) -> dict[str, object]:
    """Train on a stratified 80 % of ``rows`` and score the other 20 % via ``triage_eval``."""
    train_rows, test_rows = train_test_split(
        rows, test_size=0.2, stratify=[r["label"] for r in rows], random_state=seed
    )
    with tempfile.TemporaryDirectory() as tmp:
        _write(Path(tmp) / "train.csv", train_rows)
        _write(Path(tmp) / "test.csv", test_rows)
        return triage_eval(Path(tmp) / "train.csv", Path(tmp) / "test.csv")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=None)
    parser.add_argument("--cv", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--splits", type=int, default=0)
    parser.add_argument("--skip-10k", action="store_true")
    args = parser.parse_args()
    pin_single_thread()
    root = locate_shared_data(args.data)
    if root is None:
        print("找不到数据目录", file=sys.stderr)
        return 2
    source = root / "triage" / "train.csv"
    with source.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    result: dict[str, object] = {"holdout": _holdout(rows, args.seed)}
    if args.splits:
        first = result["holdout"]["macro_f1"]
        scores = [first] + [_holdout(rows, seed)["macro_f1"] for seed in range(args.seed + 1, args.seed + args.splits)]
        result["repeated_holdout"] = {
            "seeds": f"{args.seed}-{args.seed + args.splits - 1}",
            "macro_f1_per_split": scores,
            "macro_f1_mean": round(float(np.mean(scores)), 4),
            "macro_f1_std": round(float(np.std(scores)), 4),
            "macro_f1_min": min(scores),
            "macro_f1_max": max(scores),
            "splits_at_or_above_0.90": sum(score >= 0.90 for score in scores),
        }
    if args.cv:
        result["cv"] = cross_validate_csv(source, folds=args.cv, seed=args.seed)
    if not args.skip_10k:
        texts, labels = corpus(root, 10_000)
        started, cpu = time.perf_counter(), time.process_time()
        TriageModel.train(texts, labels)
        result["train_seconds_10k"] = round(time.perf_counter() - started, 1)
        result["train_cpu_seconds_10k"] = round(time.process_time() - cpu, 1)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
