"""Command-line entry points, wired to ``xinfang triage-eval`` and ``xinfang dedupe-bench``.

Each prints exactly one JSON line on stdout and returns 0; on bad input it
prints a Chinese message on stderr and returns a non-zero code (2: bad data or
arguments, 1: unexpected failure).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import MLError

__all__ = ["dedupe_bench_main", "triage_eval_main"]


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors in Chinese and returns instead of exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(f"参数错误：{message}")


class _UsageError(Exception):
    pass


def _run(parser: _Parser, argv: Sequence[str] | None, action) -> int:  # noqa: ANN001
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
        result = action(args)
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    except _UsageError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except (MLError, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except MemoryError:
        print("错误：内存不足", file=sys.stderr)
        return 1
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


def triage_eval_main(argv: Sequence[str] | None = None) -> int:
    """``triage-eval --train A.csv [--train B.csv …] --test C.csv [--stopwords S.txt]``: print the metrics JSON.

    Several ``--train`` files are concatenated (raw and segmented texts may mix);
    ``--stopwords`` is the list the segmented texts were filtered with.
    """
    parser = _Parser(prog="xinfang triage-eval", description="训练分诊模型并在测试集上评估")
    parser.add_argument("--train", required=True, type=Path, action="append",
                        help="训练集 CSV（id,title,text,label），可给多个；原文与切词后的文本可混用")
    parser.add_argument("--test", required=True, type=Path, help="测试集 CSV（id,title,text,label）")
    parser.add_argument("--stopwords", type=Path, default=None,
                        help="切词文本去停用词时用的词表（一行一个词），其中的单字在训练和预测时都会去掉")

    def action(args: argparse.Namespace) -> dict:
        from .evaluation import read_stopwords, triage_eval

        return triage_eval(args.train, args.test, stopwords=read_stopwords(args.stopwords))

    return _run(parser, argv, action)


def dedupe_bench_main(argv: Sequence[str] | None = None) -> int:
    """``dedupe-bench --n N [--data DIR] [--queries Q] [--seed S]``: print the benchmark JSON.

    Diagnostics (memory, brute-force time) go to stderr as a second JSON line.
    """
    parser = _Parser(prog="xinfang dedupe-bench", description="近似重复检索基准测试")
    parser.add_argument("--n", required=True, type=int, help="索引中的文本数")
    parser.add_argument("--data", default=None, help="共享数据目录（默认 $XINFANG_SHARED_DATA 或 ../shared/data）")
    parser.add_argument("--queries", type=int, default=1000, help="抽样查询数")
    parser.add_argument("--seed", type=int, default=0, help="随机种子")

    def action(args: argparse.Namespace) -> dict:
        from .dedupe_bench import dedupe_bench

        if args.n < 1 or args.queries < 1:
            raise _UsageError("参数错误：--n 和 --queries 必须为正整数")
        extra: dict = {}
        result = dedupe_bench(args.n, args.data, queries=args.queries, seed=args.seed, extra=extra)
        print(json.dumps(extra, ensure_ascii=False), file=sys.stderr, flush=True)
        return result

    return _run(parser, argv, action)
