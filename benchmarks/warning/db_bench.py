"""Detectors over the petitions database, and the warning centre's p95.

    XINFANG_VAR_DIR=var/bench .venv/bin/python benchmarks/warning/db_bench.py [--warnings 2000] [--requests 40]

Uses whatever database the settings point at (generate it first with `xinfang generate`).
Times one `run_rise_detection` for the last complete week before the newest petition,
then fills the warning table with ``--warnings`` open warnings spread over the units and
times GET /warning/ for a bureau leader and a unit head. The warnings it adds are deleted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")

import django  # noqa: E402

django.setup()

from django.db.models import Max  # noqa: E402
from django.test import Client  # noqa: E402

from xinfang.core import clock  # noqa: E402
from xinfang.org.models import Department, RoleCode, Staff  # noqa: E402
from xinfang.petitions.models import Petition  # noqa: E402
from xinfang.warning import detectors  # noqa: E402
from xinfang.warning.models import Warning, WarningKind  # noqa: E402


def p95(values):
    return sorted(values)[max(0, int(round(0.95 * len(values))) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--warnings", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--only-centre", action="store_true", help="只测预警中心")
    args = parser.parse_args()
    petitions = Petition.objects.count()
    newest = Petition.objects.aggregate(m=Max("received_at"))["m"]
    today = clock.local_date(newest) + timedelta(days=1)  # the day after the newest petition, as the daily job sees it
    Warning.objects.filter(key__startswith="bench:").delete()
    started = time.perf_counter()
    raised = 0 if args.only_centre else detectors.run_rise_detection(today)
    detect_seconds = time.perf_counter() - started
    print(json.dumps({"petitions": petitions, "detect_seconds": round(detect_seconds, 2), "rise_warnings": raised,
                      "load": os.getloadavg()}), flush=True)
    # Hot issues over the last 30 days of petitions (the text is the petition's content).
    from xinfang.ml.hot import Message, hot_issues

    month = [] if args.only_centre else list(Petition.objects.filter(received_at__gt=newest - timedelta(days=30))
                 .values_list("pk", "content", "matter_id", "received_at"))
    started = time.perf_counter()
    messages = [Message(str(pk), content[:30], content, f"m{matter}", at) for pk, content, matter, at in month]
    top = hot_issues(messages, top=10)
    hot_seconds = time.perf_counter() - started
    print(json.dumps({"month_petitions": len(month), "hot_seconds": round(hot_seconds, 2)}), flush=True)
    departments = list(Department.objects.all())
    now = clock.now()
    Warning.objects.bulk_create([
        Warning(kind=list(WarningKind)[i % 5], key=f"bench:{i}", title=f"基准预警 {i}", detail="基准",
                department=departments[i % len(departments)], created_at=now - timedelta(minutes=i))
        for i in range(args.warnings)
    ])
    timings = {}
    try:
        for label, role in (("局领导", RoleCode.BUREAU_LEADER), ("单位负责人", RoleCode.UNIT_HEAD)):
            user = Staff.objects.filter(roles__code=role).first()
            if user is None:
                continue
            client = Client(HTTP_HOST="127.0.0.1")
            client.force_login(user)
            client.get("/warning/")
            samples = []
            for _ in range(args.requests):
                t = time.perf_counter()
                response = client.get("/warning/")
                samples.append((time.perf_counter() - t) * 1000)
                assert response.status_code == 200
            timings[label] = {"p50_ms": round(statistics.median(samples), 1), "p95_ms": round(p95(samples), 1)}
    finally:
        Warning.objects.filter(key__startswith="bench:").delete()
    print(json.dumps({"petitions": petitions, "detect_seconds": round(detect_seconds, 2), "rise_warnings": raised,
                      "month_petitions": len(month), "hot_seconds": round(hot_seconds, 2),
                      "hot_top": [(h.description, h.petitioners) for h in top[:3]],
                      "extra_warnings": args.warnings, "centre": timings,
                      "load": os.getloadavg()}, ensure_ascii=False))


if __name__ == "__main__":
    main()
