"""`xinfang metrics`：固定的输出契约、按单位筛选、坏输入给中文说明并以 2 退出。"""

import csv
import io
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from .fixture import build

NOW = datetime(2026, 9, 30, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def run(*args) -> str:
    out = io.StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("metrics", *args, stdout=out)
    return out.getvalue()


def test_json_gives_numerator_and_denominator_of_every_indicator_per_unit(cast):
    build(cast)
    payload = json.loads(run("--from", "2026-02-01", "--to", "2026-02-28", "--format", "json"))
    units = {u["unit"]: u for u in payload["units"]}
    ba = units[str(cast.brigade_a.pk)]["metrics"]
    # 办理中的听证不停钟后重新手算：h1 h3 h7 按期，h2 h4 h5 超期（见 test_registry_fixture）
    assert ba["handling_on_time"] == {"numerator": 3, "denominator": 6, "value": 50.0}
    assert ba["skip_level_count"] == {"numerator": 2, "denominator": None, "value": 2.0}
    assert payload["total"]["acceptance_notice_on_time"] == {"numerator": 4, "denominator": 7, "value": 57.14}
    assert payload["provisional"] is False
    assert len(units) == 6 and all(len(u["metrics"]) == len(payload["metrics"]) for u in units.values())


def test_csv_has_one_row_per_unit_and_indicator(cast):
    build(cast)
    rows = list(csv.DictReader(io.StringIO(run("--from", "2026-02-01", "--to", "2026-02-28", "--format", "csv"))))
    row = next(r for r in rows if r["unit"] == str(cast.brigade_b.pk) and r["metric"] == "supervision_feedback_on_time")
    assert (row["label"], row["numerator"], row["denominator"], row["value"]) == ("督办按期反馈率", "0", "2", "0.0")
    assert next(r for r in rows if r["unit"] == "total" and r["metric"] == "response_rate")["value"] == "40.0"


def test_unit_option_limits_rows_to_that_unit_and_its_subtree(cast):
    build(cast)
    payload = json.loads(run("--from", "2026-02-01", "--to", "2026-02-28", "--unit", str(cast.brigade_a.pk)))
    assert [u["unit_name"] for u in payload["units"]] == ["大队A", "中队A1"]
    assert payload["total"]["handling_on_time"]["denominator"] == 6  # h1 h2 h3 h4 h5 h7


def test_a_period_ending_before_it_starts_is_refused_in_chinese_with_exit_code_2(db):
    with pytest.raises(CommandError) as error:
        run("--from", "2026-03-01", "--to", "2026-02-01")
    assert error.value.returncode == 2
    assert "结束日 2026-02-01 早于开始日 2026-03-01" in str(error.value)


@pytest.mark.parametrize("args, words", [
    (("--from", "2026-13-01", "--to", "2026-12-31"), "日期格式应为 YYYY-MM-DD"),
    (("--from", "2026-01-01", "--to", "2026-01-31", "--unit", "999999"), "没有代码为“999999”的单位"),
])
def test_bad_dates_and_unknown_units_are_refused(db, args, words):
    with pytest.raises(CommandError) as error:
        run(*args)
    assert error.value.returncode == 2 and words in str(error.value)


def test_a_period_still_running_is_marked_provisional(cast):
    payload = json.loads(run("--from", "2026-09-01", "--to", "2026-09-30"))
    assert payload["provisional"] is True


def test_unit_is_found_by_its_unit_code(cast):
    from xinfang.org.services import update_department

    update_department(cast.brigade_a, by=None, code="D0100")
    build(cast)
    payload = json.loads(run("--from", "2026-02-01", "--to", "2026-02-28", "--unit", "D0100"))
    assert [(u["unit_name"], u["code"]) for u in payload["units"]] == [("大队A", "D0100"), ("中队A1", "")]


def test_three_rate_weights_are_configurable_and_must_sum_to_100(cast):
    build(cast)
    payload = json.loads(run("--from", "2026-02-01", "--to", "2026-02-28",
                             "--three-rate-weights", "response_rate=0,resolution_rate=50,satisfaction_rate=50"))
    # 支队：解决率 66.67、满意率 75 → 各半（默认 10/45/45 为 67.75，见 test_registry_fixture）
    assert payload["total"]["three_rate_score"]["value"] == 70.83
    with pytest.raises(CommandError) as error:
        run("--from", "2026-02-01", "--to", "2026-02-28",
            "--three-rate-weights", "response_rate=10,resolution_rate=45,satisfaction_rate=40")
    assert error.value.returncode == 2 and "权重合计须为 100%，现为 95%" in str(error.value)
