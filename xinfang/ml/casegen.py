"""Realistic enforcement cases and the petitions that arise from them, by a hidden process.

Imports no Django. The hidden process is what the screening models must rediscover: a
case's chance of turning into a petition rises with the grievance facts (death with
compensation unpaid, unsolved hit-and-run, a contested fine, a long impound), with the
officer's and the unit's way of working (latent, never written to the file), and with the
party having petitioned before. The ground truth (each petition's date) is returned
beside the cases, so benchmarks can score a ranking against it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

BASE_LOGIT = -6.6
GRIEVANCE_SCALE = 1.3
ROUGH = 3.2
ROUGH_SHARE = 0.2

__all__ = ["Unit", "default_units", "generate", "id_number"]

PLACES = ("人民路与解放路交叉口", "环城高速K12+300", "建设大道", "滨江路", "火车站广场", "开发区纬三路",
          "G205国道K88", "城南收费站", "学府路", "农贸市场路口", "工业园区东门", "长江大桥北引桥")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁苏浙赣鄂桂甘晋蒙陕吉闽贵粤川青藏琼宁新"
VIOLATIONS = (("1039", 200, 0, True), ("1625", 200, 6, True), ("1352", 200, 3, True), ("1636", 200, 3, True),
              ("6050", 150, 0, False), ("1301", 100, 0, False), ("1208", 50, 1, True), ("1711", 1500, 12, False))


@dataclass(frozen=True)
class Unit:
    code: str
    officers: tuple[str, ...]  # 警号


def default_units(n_units: int = 9, officers_per_unit: int = 8) -> list[Unit]:
    return [Unit(f"U{u + 1:02d}", tuple(f"{u + 1:02d}{o + 1:04d}" for o in range(officers_per_unit)))
            for u in range(n_units)]


def id_number(rng: random.Random) -> str:
    """一个校验位正确的 18 位身份证号（虚构）。"""
    body = f"{rng.choice(('3201', '3202', '3205', '3401', '3701'))}{rng.randint(1, 20):02d}" \
           f"{rng.randint(1955, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]
    return body + check


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def generate(n_cases: int, *, months: int, end: datetime, units: list[Unit] | None = None,
             seed: int = 1) -> Iterator[tuple[dict, datetime | None, float]]:
    """逐件生成 (案件字典, 信访日期或 None, 隐藏的信访概率)，决定时间均匀分布在 end 之前的 months 个月内，按时间先后。"""
    rng = random.Random(seed)
    units = units or default_units()
    # Latent ways of working: most officers are fine, a few generate grievances far above their share.
    officer_effect = {}
    for unit in units:
        unit_effect = rng.gauss(0, 0.3)
        for officer in unit.officers:
            rough = ROUGH if rng.random() < ROUGH_SHARE else 0.0
            officer_effect[(unit.code, officer)] = unit_effect + rng.gauss(0, 0.45) + rough
    span = timedelta(days=30.4 * months)
    start = end - span
    step = span / max(n_cases, 1)
    parties: list[tuple[str, str]] = []
    petitioned_parties: set[str] = set()
    for index in range(n_cases):
        decided = start + step * index + timedelta(minutes=rng.randint(0, 600))
        unit = rng.choice(units)
        officer = rng.choice(unit.officers)
        case, grievance = _case(rng, index, decided, unit, officer)
        if parties and rng.random() < 0.06:
            party_name, party_id = rng.choice(parties)
        else:
            party_name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
            party_id = id_number(rng)
            if len(parties) < 50000:
                parties.append((party_name, party_id))
        case["party_name"], case["party_id"] = party_name, party_id
        logit = BASE_LOGIT + GRIEVANCE_SCALE * grievance + officer_effect[(unit.code, officer)] + (1.6 if party_id in petitioned_parties else 0.0)
        petition_at = None
        probability = _sigmoid(logit)
        if rng.random() < probability:
            # Most petitions come within weeks of the decision; a tail comes after the 90-day horizon.
            petition_at = decided + timedelta(days=3 + rng.expovariate(1 / 22))
            petitioned_parties.add(party_id)
        yield case, petition_at, probability


def _case(rng: random.Random, index: int, decided: datetime, unit: Unit, officer: str) -> tuple[dict, float]:
    roll = rng.random()
    kind = "violation" if roll < 0.62 else ("accident" if roll < 0.88 else "impound")
    opened = decided - timedelta(days=rng.randint(0, 20) if kind == "accident" else rng.randint(0, 3),
                                 hours=rng.randint(0, 12))
    case = {
        "case_no": f"{decided:%Y%m}{unit.code}{index:08d}",
        "case_type": kind, "department_code": unit.code, "officer_no": officer,
        "opened_at": opened.replace(second=0, microsecond=0), "decided_at": decided.replace(second=0, microsecond=0),
        "closed_at": None, "place": rng.choice(PLACES),
        "plate": rng.choice(PROVINCES) + rng.choice("ABCDEFG") + f"{rng.randint(0, 99999):05d}",
        "severity": "", "deaths": 0, "injuries": 0, "responsibility": "", "hit_and_run": None,
        "hit_and_run_solved": None, "compensation": "", "review_requested": None, "violation_code": "",
        "fine": 0.0, "points": 0, "non_site": None, "contested": None, "impound_days": 0, "fee": 0.0, "summary": "",
    }
    grievance = 0.0
    open_case = False
    if kind == "accident":
        sev = rng.random()
        case["severity"] = "death" if sev < 0.06 else ("injury" if sev < 0.35 else "property")
        if case["severity"] == "death":
            case["deaths"] = 1 + (rng.random() < 0.15)
            grievance += 1.0
        if case["severity"] in ("death", "injury"):
            case["injuries"] = rng.randint(0 if case["severity"] == "death" else 1, 3)
        case["hit_and_run"] = rng.random() < 0.07
        if case["hit_and_run"]:
            case["hit_and_run_solved"] = rng.random() < 0.6
            if not case["hit_and_run_solved"]:
                grievance += 2.4
                open_case = True
        case["responsibility"] = rng.choices(("full", "major", "equal", "minor", "none", "undetermined"),
                                             (25, 25, 20, 15, 10, 5))[0]
        if case["responsibility"] == "undetermined":
            grievance += 1.1
        elif case["responsibility"] == "equal":
            grievance += 0.3
        if case["severity"] != "property" or rng.random() < 0.5:
            case["compensation"] = rng.choices(("paid", "partial", "unpaid"), (60, 22, 18))[0]
            if case["compensation"] == "unpaid":
                grievance += {"death": 2.6, "injury": 1.5}.get(case["severity"], 0.5)
                open_case = open_case or rng.random() < 0.6
            elif case["compensation"] == "partial":
                grievance += 0.6
        case["review_requested"] = rng.random() < 0.08
        if case["review_requested"]:
            grievance += 1.6
        case["summary"] = f"{case['place']}发生{ {'death': '死亡', 'injury': '伤人', 'property': '财产损失'}[case['severity']] }交通事故"
    elif kind == "violation":
        code, fine, points, non_site = rng.choice(VIOLATIONS)
        case.update(violation_code=code, fine=float(fine), points=points, non_site=non_site and rng.random() < 0.8)
        case["contested"] = rng.random() < 0.07
        if case["contested"]:
            grievance += 2.0
        if points >= 6:
            grievance += 0.6
        if case["non_site"] and fine >= 200:
            grievance += 0.3
        case["summary"] = f"违法代码{code}，罚款{fine}元，记{points}分"
    else:
        case["impound_days"] = int(rng.expovariate(1 / 14)) + 1
        case["fee"] = float(case["impound_days"] * 20)
        case["contested"] = rng.random() < 0.1
        if case["impound_days"] > 30:
            grievance += 1.4
        if case["fee"] > 1000:
            grievance += 0.6
        if case["contested"]:
            grievance += 1.2
        open_case = rng.random() < 0.15
        case["summary"] = f"扣留车辆{case['impound_days']}日"
    if not open_case:
        case["closed_at"] = case["decided_at"] + timedelta(days=rng.randint(0, 15), hours=rng.randint(1, 8))
    return case, grievance


def write_files(cases_path, outcomes_path, n_cases: int, *, months: int, end: datetime,
                units: list[Unit] | None = None, seed: int = 1) -> tuple[int, int]:
    """生成并写出 CASES（导入格式）与 OUTCOMES（case_no,petition_date）两个 CSV；返回 (案件数, 信访数)。"""
    import csv

    from .casefile import write_csv

    petitions: list[tuple[str, datetime]] = []

    def cases():
        for case, petition_at, _ in generate(n_cases, months=months, end=end, units=units, seed=seed):
            if petition_at is not None:
                petitions.append((case["case_no"], petition_at))
            yield case

    count = write_csv(cases_path, cases())
    with open(outcomes_path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["case_no", "petition_date"])
        for case_no, moment in petitions:
            writer.writerow([case_no, f"{moment:%Y-%m-%d}"])
    return count, len(petitions)
