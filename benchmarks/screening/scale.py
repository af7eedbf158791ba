"""Import, scoring and page latency of the screening app at N cases (SQLite by default).

    .venv/bin/python benchmarks/screening/scale.py --cases 1000000 [--months 12]

Uses its own var dir (var/bench-screening, or XINFANG_VAR_DIR); set XINFANG_DATABASE_URL for
PostgreSQL. Steps, each timed, import and scoring in a child process so its peak RSS is its own:
1. the demo organisation with unit codes; 2. a CASES CSV from the generator; 3. `xinfang import-cases`;
4. `xinfang score-cases`; 5. the monthly rounds of last month; 6. p95 of an officer's screening
list and the unit overview page, 50 requests each, through Django's test client.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("XINFANG_VAR_DIR", str(ROOT / "var" / "bench-screening"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")
XINFANG = str(ROOT / ".venv" / "bin" / "xinfang")


def child(*args: str) -> tuple[float, float]:
    """Run `xinfang args…`; return (seconds, peak RSS of the child in MB)."""
    started = time.perf_counter()
    subprocess.run([XINFANG, *args], check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    return seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def p95(samples: list[float]) -> float:
    samples = sorted(samples)
    return samples[int(0.95 * (len(samples) - 1))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--skip-score", action="store_true")
    args = parser.parse_args()
    subprocess.run([XINFANG, "migrate", "--noinput"], check=True, stdout=subprocess.DEVNULL)

    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from xinfang.core import clock
    from xinfang.ml import casegen
    from xinfang.ml.casefile import write_csv
    from xinfang.org.demo import seed_demo
    from xinfang.org.models import Staff
    from xinfang.screening import monthly
    from xinfang.screening.generate import _units, ensure_unit_codes
    from xinfang.screening.models import EnforcementCase, ScreeningItem, ScreeningRound

    settings.ALLOWED_HOSTS = ["*"]
    seed_demo()
    units = _units(ensure_unit_codes())
    result = {"cases": args.cases, "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
              "load_before": os.getloadavg()}
    csv_path = Path(os.environ["XINFANG_VAR_DIR"]) / f"cases-{args.cases}.csv"
    if not csv_path.exists():
        started = time.perf_counter()
        end = timezone.localtime(clock.now()).replace(tzinfo=None)
        write_csv(csv_path, (c for c, _, _ in casegen.generate(args.cases, months=args.months, end=end, units=units)))
        result["generate_seconds"] = round(time.perf_counter() - started, 1)
    result["csv_mb"] = round(csv_path.stat().st_size / 1024 ** 2)
    result["import_seconds"], result["import_peak_mb"] = map(lambda v: round(v, 1), child("import-cases", str(csv_path)))
    result["cases_in_db"] = EnforcementCase.objects.count()
    started = time.perf_counter()
    child("import-cases", str(csv_path))
    result["reimport_unchanged_seconds"] = round(time.perf_counter() - started, 1)
    if not args.skip_score:
        result["score_seconds"], result["score_peak_mb"] = map(lambda v: round(v, 1), child("score-cases"))
    started = time.perf_counter()
    monthly.open_due_rounds()
    result["open_rounds_seconds"] = round(time.perf_counter() - started, 1)
    result["screening_items"] = ScreeningItem.objects.count()
    client = Client()
    officer_no = (ScreeningItem.objects.values_list("officer_no", flat=True).order_by("-id").first())
    officer = Staff.objects.filter(police_number=officer_no).first()
    if officer is None:
        officer = Staff.objects.get(username="handler")
        officer.police_number = officer_no
        officer.save(update_fields=["police_number"])
    client.force_login(officer)
    client.get("/screening/")
    samples = []
    for _ in range(50):
        started = time.perf_counter()
        assert client.get("/screening/").status_code == 200
        samples.append(time.perf_counter() - started)
    result["officer_list_items"] = ScreeningItem.objects.filter(officer_no=officer_no).count()
    result["officer_list_p95_ms"] = round(p95(samples), 1)
    head = Staff.objects.get(username="head")
    client.force_login(head)
    round_ = ScreeningRound.objects.filter(department=head.department).first()
    for name, url in (("unit_overview_p95_ms", "/screening/rounds/"),
                      ("unit_round_page_p95_ms", f"/screening/rounds/{round_.pk}/" if round_ else "/screening/rounds/")):
        client.get(url)
        samples = []
        for _ in range(50):
            started = time.perf_counter()
            assert client.get(url).status_code == 200
            samples.append(time.perf_counter() - started)
        result[name] = round(p95(samples), 1)
    result["load_after"] = os.getloadavg()
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
