"""Import, scoring and page latency of the screening app at N cases (SQLite by default).

    .venv/bin/python benchmarks/screening/scale.py --cases 1000000 [--months 12] [--csv PATH]
        [--steps prepare,import,reimport,score,rounds,pages]

Uses its own var dir (var/bench-screening, or XINFANG_VAR_DIR); set XINFANG_DATABASE_URL for
PostgreSQL. Steps, each timed, import and scoring in a child process so its peak RSS is its own
(summed with the import's parse worker):
1. prepare: the demo organisation with unit codes and a CASES CSV from the generator (skipped if the
CSV exists); 2. `xinfang import-cases`; 3. the same file again (must say "unchanged");
4. `xinfang score-cases`; 5. the monthly rounds of last month; 6. p95 of an officer's screening
list, the unit overview and the unit's round page, 50 requests each, through Django's test client.
`--steps` runs a subset (e.g. `prepare` niced outside the benchmark lock, then the timed steps under it).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
os.environ.setdefault("XINFANG_VAR_DIR", str(ROOT / "var" / "bench-screening"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")
XINFANG = str(ROOT / ".venv" / "bin" / "xinfang")


CPU: dict[str, float] = {}


def _tree_rss_mb(pid: int) -> float:
    """RSS of pid and all its descendants, summed (the import's parse worker counts too; shared pages twice)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/statm") as handle:
                total += int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    todo.extend(int(c) for c in handle.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total / 1024 ** 2


def child(*args: str) -> tuple[float, float]:
    """Run `xinfang args…`; return (seconds, peak RSS in MB of that child and its own children together,
    sampled every 0.2 s, or the child's own peak if that is higher). Its CPU seconds (its children's
    included: wait4 counts waited-for descendants) go to CPU."""
    started = time.perf_counter()
    process = subprocess.Popen([XINFANG, *args], stdout=subprocess.DEVNULL)
    peak = 0.0
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        peak = max(peak, _tree_rss_mb(process.pid))
        time.sleep(0.2)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, args)
    CPU[args[0]] = round(usage.ru_utime + usage.ru_stime, 1)
    return round(time.perf_counter() - started, 1), round(max(peak, usage.ru_maxrss / 1024))


def p95(samples: list[float]) -> float:
    samples = sorted(samples)
    return samples[int(0.95 * (len(samples) - 1))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--skip-score", action="store_true")
    parser.add_argument("--csv", type=Path, help="CASES 文件（默认在 var 目录下按件数命名）")
    parser.add_argument("--steps", default="prepare,import,reimport,score,rounds,pages")
    args = parser.parse_args()
    steps = set(args.steps.split(","))
    if args.skip_score:
        steps.discard("score")
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
    from xinfang.screening.models import EnforcementCase, ImportRun, ScreeningItem, ScreeningRound

    settings.ALLOWED_HOSTS = ["*"]
    seed_demo()
    units = _units(ensure_unit_codes())
    result = {"cases": args.cases, "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
              "load_before": os.getloadavg()}
    csv_path = args.csv or Path(os.environ["XINFANG_VAR_DIR"]) / f"cases-{args.cases}.csv"
    if "prepare" in steps and not csv_path.exists():
        started = time.perf_counter()
        end = timezone.localtime(clock.now()).replace(tzinfo=None)
        write_csv(csv_path, (c for c, _, _ in casegen.generate(args.cases, months=args.months, end=end, units=units)))
        result["generate_seconds"] = round(time.perf_counter() - started, 1)
    if csv_path.exists():
        result["csv_mb"] = round(csv_path.stat().st_size / 1024 ** 2)
    if "import" in steps:
        result["import_seconds"], result["import_peak_mb"] = child("import-cases", str(csv_path))
        result["import_cpu_seconds"] = CPU["import-cases"]
        result["cases_in_db"] = EnforcementCase.objects.count()
        result["load_after_import"] = os.getloadavg()
    if "reimport" in steps:
        result["reimport_unchanged_seconds"], result["reimport_peak_mb"] = child("import-cases", str(csv_path))
        result["reimport_cpu_seconds"] = CPU["import-cases"]
        run = ImportRun.objects.order_by("-started_at").first()
        result["reimport_counts"] = {"created": run.created, "updated": run.updated, "unchanged": run.unchanged}
    if "score" in steps:
        result["score_seconds"], result["score_peak_mb"] = child("score-cases")
        result["score_cpu_seconds"] = CPU["score-cases"]
        result["load_after_score"] = os.getloadavg()
    if "rounds" in steps:
        started = time.perf_counter()
        monthly.open_due_rounds()
        result["open_rounds_seconds"] = round(time.perf_counter() - started, 1)
    result["screening_items"] = ScreeningItem.objects.count()
    if "pages" not in steps:
        result["load_after"] = os.getloadavg()
        print(json.dumps(result, ensure_ascii=False))
        return
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
