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
# The Farrington component exactly as R runs it (10-level factor, 26-week gap, NB plug-in, one test at alpha 0.005) …
.venv/bin/xinfang detect-spikes --counts "$WORK/counts.csv" --out "$WORK/ours.csv" --period week --no-holidays \
  --threshold nb-plugin --seasonal factor --alpha 0.005 --alpha-pair 0 >/dev/null
# … and our defaults (harmonic season, 8-week gap, predictive NB μ + aμ² threshold, single test at 0.0005
# + two-week test at 0.0045).
.venv/bin/xinfang detect-spikes --counts "$WORK/counts.csv" --out "$WORK/default.csv" --period week --no-holidays >/dev/null
Rscript benchmarks/warning/farrington.R "$WORK/counts.csv" "$WORK/r.csv"
echo -n "R-settings: "; .venv/bin/python benchmarks/warning/r_agreement.py compare "$WORK/ours.csv" "$WORK/r.csv"
echo -n "defaults:   "; .venv/bin/python benchmarks/warning/r_agreement.py compare "$WORK/default.csv" "$WORK/r.csv"
