"""Every detector over a petitions database, read only (nothing written: safe on the shared 1M database).

    XINFANG_VAR_DIR=/work/bench1m .venv/bin/python benchmarks/warning/detectors_bench.py [--days 30]

Times, for the last complete week before the newest petition: the weekly counts (one grouped
query per series family), the rise detector on every series (``detect_last``, no warnings
raised), the officers' activity and flags, and the shared-grievance clustering of the last
``--days`` days of petitions (fetch + ``hot_issues``). Prints one JSON line per step and a total.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xinfang.settings")

import django  # noqa: E402

django.setup()

from django.db.models import Max  # noqa: E402

from xinfang.core import clock  # noqa: E402
from xinfang.core.calendar import current_calendar  # noqa: E402
from xinfang.ml.spikes import DetectorOptions, detect_last  # noqa: E402
from xinfang.ml.warning_cli import _holiday_share  # noqa: E402
from xinfang.petitions.models import Petition  # noqa: E402
from xinfang.warning import detectors  # noqa: E402


def step(name: str, started: float, **extra) -> float:
    seconds = time.perf_counter() - started
    print(json.dumps({"step": name, "seconds": round(seconds, 2), **extra, "load": os.getloadavg()[0]},
                     ensure_ascii=False), flush=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--skip-hot", action="store_true")
    args = parser.parse_args()
    newest = Petition.objects.aggregate(m=Max("received_at"))["m"]
    today = clock.local_date(newest) + timedelta(days=1)  # the day after the newest petition, as the daily job sees it
    last_week = detectors._monday(today) - timedelta(days=7)
    total = 0.0
    t = time.perf_counter()
    series = detectors.weekly_series(last_week)
    total += step("weekly_counts", t, series=len(series), petitions_in_window=sum(sum(v) for v in series.values()))
    t = time.perf_counter()
    first = last_week - timedelta(weeks=detectors.HISTORY_WEEKS - 1)
    calendar = current_calendar()
    holiday = [_holiday_share(first + timedelta(weeks=i), 7, calendar) for i in range(detectors.HISTORY_WEEKS)]
    alarms = 0
    for counts in series.values():
        start = next((i for i, c in enumerate(counts) if c), len(counts))
        if len(counts) - start < 2:
            continue
        alarms += detect_last(counts[start:], DetectorOptions(period="week"), holiday=holiday[start:]).alarm
    total += step("rise_fits", t, alarms=alarms)
    t = time.perf_counter()
    from xinfang.ml.officers import flag_officers

    activity = detectors.officer_activity(today)
    flags = flag_officers(activity) if activity else []
    total += step("officers", t, officers=len(activity), flagged=sum(f.level != "none" for f in flags))
    if not args.skip_hot:
        from xinfang.ml.hot import Message, hot_issues

        t = time.perf_counter()
        rows = list(Petition.objects.filter(received_at__gt=newest - timedelta(days=args.days))
                    .values_list("pk", "content", "matter_id", "received_at"))
        messages = [Message(str(pk), content[:30], content, f"m{matter}", clock.localtime(at).replace(tzinfo=None))
                    for pk, content, matter, at in rows]
        top = hot_issues(messages, top=10)
        hot = step("hot_issues", t, petitions=len(rows), top=[(h.petitioners, h.description) for h in top[:5]])
        total += hot
    print(json.dumps({"total_seconds": round(total, 2), "petitions": Petition.objects.count(),
                      "load": os.getloadavg()}, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
