"""Near-duplicate index benchmark (same as ``xinfang dedupe-bench``, without Django).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ml/dedupe_bench.py --n 1000000 [--queries 1000] [--seed 0]

One JSON line on stdout (n, index_seconds, query_p50_ms, query_p95_ms, recall,
precision); diagnostics (memory, CPU-time figures, truth-pair counts) on stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from xinfang.ml.cli import dedupe_bench_main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(dedupe_bench_main(sys.argv[1:]))
