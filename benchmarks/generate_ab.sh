#!/bin/bash
# 造数用时：本分支与某个提交（默认 e7e7641，意见行由迁移补写之前）各造 N 件信访件，交替各跑 RUNS 次，
# 打印每次的墙钟、CPU（user+sys）与峰值内存。两边各用一个刚迁移好的 SQLite 库（每次从模板复制）。
#   benchmarks/generate_ab.sh [N=50000] [REV=e7e7641] [RUNS=3]
set -euo pipefail
N=${1:-50000}; REV=${2:-e7e7641}; RUNS=${3:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd); BIN="$ROOT/.venv/bin/xinfang"; TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
git -C "$ROOT" archive "$REV" xinfang | tar -x -C "$TMP" --one-top-level=old
cd "$TMP"  # 不在仓库里运行：import 才会按 PYTHONPATH 取旧版代码
XINFANG_VAR_DIR="$TMP/tpl_new" "$BIN" migrate -v0
XINFANG_VAR_DIR="$TMP/tpl_old" PYTHONPATH="$TMP/old" "$BIN" migrate -v0
echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq "$RUNS"); do
  for side in new old; do
    rm -rf "$TMP/run" && cp -a "$TMP/tpl_$side" "$TMP/run"
    path=""; [ "$side" = old ] && path="$TMP/old"
    XINFANG_VAR_DIR="$TMP/run" PYTHONPATH="$path" /usr/bin/time -f "$side run $i: wall %e s, cpu %U+%S s, peak %M KiB" \
      "$BIN" generate --petitions "$N" --seed 1 --quiet
  done
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
