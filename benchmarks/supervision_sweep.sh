#!/usr/bin/env bash
# 督办扫描基准：在 `xinfang generate --petitions 1000000` 生成的库上计时 `xinfang sweep`。
#   SQLite：     XINFANG_VAR_DIR=/tmp/xf_sup_bench benchmarks/supervision_sweep.sh
#   PostgreSQL：  XINFANG_VAR_DIR=/tmp/xf_sup_bench_pg XINFANG_DATABASE_URL=postgres://postgres@127.0.0.1:5432/xf_sup_bench benchmarks/supervision_sweep.sh
# 第一次扫描要为全部超期、将到期事项写下红黄牌状态与追责线索；第二次（同一 --now）什么也不写。
set -euo pipefail
cd "$(dirname "$0")/.."
NOW="${NOW:-2026-11-26T09:00}"
.venv/bin/xinfang migrate -v0
for run in first second; do
  start=$(date +%s.%N)
  out=$(.venv/bin/xinfang sweep --now "$NOW")
  end=$(date +%s.%N)
  printf '%s\t%.1f s\t%s\n' "$run" "$(echo "$end - $start" | bc)" "$out"
done
