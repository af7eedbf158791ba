#!/usr/bin/env bash
# Agreement of `xinfang detect-spikes` with R surveillance::farringtonFlexible (Noufaily settings)
# on simulated weekly series. Installs Debian's r-cran-surveillance here (never in CI).
#   benchmarks/warning/r_agreement.sh [SERIES] [SEED]
set -euo pipefail
cd "$(dirname "$0")/../.."
SERIES=${1:-20}; SEED=${2:-0}
WORK=$(mktemp -d)
command -v Rscript >/dev/null && Rscript -e 'library(surveillance)' >/dev/null 2>&1 || \
  { apt-get install -y -q r-cran-surveillance >/dev/null; }
.venv/bin/python benchmarks/warning/r_agreement.py simulate "$WORK/counts.csv" --series "$SERIES" --seed "$SEED"
.venv/bin/xinfang detect-spikes --counts "$WORK/counts.csv" --out "$WORK/ours.csv" --period week --no-holidays >/dev/null
Rscript benchmarks/warning/farrington.R "$WORK/counts.csv" "$WORK/r.csv"
.venv/bin/python benchmarks/warning/r_agreement.py compare "$WORK/ours.csv" "$WORK/r.csv"
