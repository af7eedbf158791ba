"""造数：在现有组织上生成逼真的执法案件，并按隐藏的过程生成由它们引发的信访（历史关联）。

`xinfang generate-cases --cases N --months M [--seed S] [--csv-dir DIR]`：写入数据库；给出 --csv-dir
时另写 cases.csv 与 outcomes.csv（screening-eval 的输入，含尚未发生的"未来"信访，作为基准的真值）。
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from xinfang.core import clock
from xinfang.ml import casegen
from xinfang.ml.casefile import write_csv
from xinfang.org.models import Department, DepartmentKind, Staff

from .models import CasePetitionLink, EnforcementCase, LinkSource
from .privacy import protect_party_id

OFFICERS_PER_UNIT = 8


@dataclass
class Summary:
    cases: int
    petitions: int
    units: int


def ensure_unit_codes() -> list[Department]:
    """给没有单位代码的大队、中队配上代码（示范与造数用），返回办案单位。"""
    units = list(Department.objects.filter(kind__in=[DepartmentKind.BRIGADE, DepartmentKind.SQUADRON], is_active=True)
                 .order_by("path"))
    from xinfang.org.services import update_department

    with transaction.atomic():
        for department in units:
            if not department.code:
                update_department(department, by=None, code=f"D{department.pk:04d}")
    return list(Department.objects.filter(pk__in=[u.pk for u in units]).order_by("path"))


def _units(departments: list[Department]) -> list[casegen.Unit]:
    officers_by_department: dict[int, list[str]] = {}
    for department_id, number in Staff.objects.exclude(police_number="").values_list("department_id", "police_number"):
        officers_by_department.setdefault(department_id, []).append(number)
    units = []
    for department in departments:
        numbers = officers_by_department.get(department.pk, [])
        numbers += [f"{department.pk:03d}{i:03d}" for i in range(1, OFFICERS_PER_UNIT + 1 - len(numbers))]
        units.append(casegen.Unit(department.code, tuple(numbers)))
    return units


def generate_cases(n_cases: int, *, months: int, seed: int = 1, csv_dir: str | Path | None = None,
                   end: datetime | None = None) -> Summary:
    departments = ensure_unit_codes()
    if not departments:
        raise ValueError("没有大队或中队：请先建立组织机构（xinfang seed-demo）")
    end = end or timezone.localtime(clock.now()).replace(tzinfo=None)
    now = clock.now()
    by_code = {d.code: d.pk for d in departments}
    officer_ids = dict(Staff.objects.exclude(police_number="").values_list("police_number", "pk"))
    units = _units(departments)
    cases_out, outcomes_out = [], []
    petitions = 0
    batch: list[EnforcementCase] = []
    links: list[tuple[str, datetime]] = []

    def flush() -> None:
        with transaction.atomic():
            EnforcementCase.objects.bulk_create(batch, batch_size=1000, ignore_conflicts=True)
            ids = dict(EnforcementCase.objects.filter(case_no__in=[no for no, _ in links]).values_list("case_no", "pk"))
            CasePetitionLink.objects.bulk_create(
                [CasePetitionLink(case_id=ids[no], petition_at=at, source=LinkSource.HISTORY) for no, at in links if no in ids],
                batch_size=1000)
        batch.clear()
        links.clear()

    for case, petition_at, _ in casegen.generate(n_cases, months=months, end=end, units=units, seed=seed):
        if csv_dir is not None:
            cases_out.append(case)
            if petition_at is not None:
                outcomes_out.append((case["case_no"], petition_at))
        batch.append(_model(case, by_code, officer_ids))
        if petition_at is not None:
            aware = timezone.make_aware(petition_at)
            if aware <= now:  # 还没发生的信访不能出现在"历史"里
                links.append((case["case_no"], aware))
                petitions += 1
        if len(batch) >= 5000:
            flush()
    flush()
    if csv_dir is not None:
        folder = Path(csv_dir)
        folder.mkdir(parents=True, exist_ok=True)
        write_csv(folder / "cases.csv", cases_out)
        with open(folder / "outcomes.csv", "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["case_no", "petition_date"])
            writer.writerows((no, f"{at:%Y-%m-%d}") for no, at in outcomes_out)
    return Summary(cases=n_cases, petitions=petitions, units=len(units))


def _model(case: dict, by_code: dict[str, int], officer_ids: dict[str, int]) -> EnforcementCase:
    index, masked = protect_party_id(case["party_id"])
    values = {k: v for k, v in case.items() if k not in ("department_code", "party_id")}
    for key in ("opened_at", "decided_at", "closed_at"):
        if values[key] is not None:
            values[key] = timezone.make_aware(values[key])
    values["fine"] = Decimal(str(values["fine"]))
    values["fee"] = Decimal(str(values["fee"]))
    return EnforcementCase(department_id=by_code[case["department_code"]], officer_id=officer_ids.get(case["officer_no"]),
                           party_id=case["party_id"], party_id_index=index, party_id_masked=masked, imported_at=clock.now(), **values)
