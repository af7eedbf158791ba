"""测试与示范共用：给固定人物表的部门配上单位代码，写一个小案件文件。"""

from __future__ import annotations

from datetime import datetime

from xinfang.ml.casefile import write_csv
from xinfang.org.services import update_department


def give_codes(cast) -> None:
    update_department(cast.brigade_a, by=None, code="A")
    update_department(cast.squadron_a1, by=None, code="A1")
    update_department(cast.brigade_b, by=None, code="B")
    cast.brigade_a.refresh_from_db()


def sample_case(case_no: str, **values) -> dict:
    case = {"case_no": case_no, "case_type": "accident", "department_code": "A", "officer_no": "A001",
            "opened_at": datetime(2026, 3, 1, 9), "decided_at": datetime(2026, 3, 5, 10), "closed_at": None,
            "place": "人民路", "party_name": "张三", "party_id": "320102199001011234", "severity": "injury",
            "injuries": 1, "compensation": "paid", "summary": "追尾"}
    case.update(values)
    return case


def write_cases(path, cases) -> None:
    write_csv(path, cases)
