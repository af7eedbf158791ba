import csv
import json
import subprocess
import sys
from datetime import date, timedelta

import numpy as np
import pytest

from xinfang.ml.warning_cli import detect_spikes_main, hot_issues_main, officer_flags_main


def _counts(path, rows, header="key,period_start,count"):
    path.write_text(header + "\n" + "\n".join(",".join(map(str, r)) for r in rows) + "\n", encoding="utf-8")
    return path


def _weekly(key, weeks, seed=0, spike=None):
    rng = np.random.default_rng(seed)
    start = date(2023, 1, 2)
    rows = []
    for i in range(weeks):
        count = int(rng.poisson(12))
        if spike is not None and i == spike:
            count = 45
        rows.append((key, (start + timedelta(days=7 * i)).isoformat(), count))
    return rows


def _read(path):
    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_detect_spikes_writes_one_alarm_row_per_input_row_in_order(tmp_path, capsys):
    rows = _weekly("大队A/违法处理", 130, spike=125) + _weekly("大队B/事故", 20, seed=1)
    counts = _counts(tmp_path / "counts.csv", rows)
    out = tmp_path / "alarms.csv"
    assert detect_spikes_main(["--counts", str(counts), "--out", str(out), "--period", "week"]) == 0
    result = _read(out)
    assert list(result[0]) == ["key", "period_start", "observed", "expected", "upper", "alarm"]
    assert [(r["key"], r["period_start"], int(r["observed"])) for r in result] == rows
    spike = result[125]
    assert spike["alarm"] == "1" and float(spike["expected"]) < float(spike["upper"]) < 45
    assert {r["alarm"] for r in result} <= {"0", "1"}
    summary = json.loads(capsys.readouterr().out)
    assert summary["rows"] == 150 and summary["series"] == 2 and summary["alarms"] >= 1


def test_a_one_or_two_period_series_gets_an_expected_and_an_upper_from_its_own_counts_and_no_alarm(tmp_path):
    rows = [("只有一周", "2026-03-02", 7), ("两周", "2026-03-02", 4), ("两周", "2026-03-09", 30), ("空", "2026-03-02", 0)]
    counts = _counts(tmp_path / "short.csv", rows)
    out = tmp_path / "out.csv"
    assert detect_spikes_main(["--counts", str(counts), "--out", str(out), "--period", "week"]) == 0
    result = {(r["key"], r["period_start"]): r for r in _read(out)}
    assert len(result) == 4 and all(r["upper"] != "" and r["alarm"] == "0" for r in result.values())
    alone = result[("只有一周", "2026-03-02")]
    assert float(alone["expected"]) == 7.0 and float(alone["upper"]) > 7
    # Each week of a two-week series is judged against the other one.
    first, second = result[("两周", "2026-03-02")], result[("两周", "2026-03-09")]
    assert float(first["expected"]) == 30.0 and float(second["expected"]) == 4.0
    assert float(second["upper"]) > 4 and float(first["upper"]) > 30
    empty = result[("空", "2026-03-02")]
    assert float(empty["expected"]) == 0.0 and float(empty["upper"]) >= 0


def test_detect_spikes_treats_a_skipped_week_as_zero_and_guesses_monthly_periods(tmp_path):
    rows = [("k", f"{2022 + m // 12}-{m % 12 + 1:02d}-01", 30 + (m % 3)) for m in range(30) if m != 10]
    counts = _counts(tmp_path / "m.csv", rows)
    out = tmp_path / "out.csv"
    assert detect_spikes_main(["--counts", str(counts), "--out", str(out)]) == 0
    assert len(_read(out)) == 29


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (("k", "2024-01-15", -3), "第 4 行 count 列：不能为负数"),
        (("k", "", 3), "第 4 行 period_start 列：日期为空"),
        (("k", "2024-01-15", "三"), "第 4 行 count 列：“三”不是数字"),
        (("k", "2024-01-15", 2.5), "第 4 行 count 列：应为整数"),
        (("k", "2024-01-17", 2), "不是整周"),
        (("k", "2024-01-08", 2), "重复出现"),
        (("", "2024-01-15", 2), "第 4 行 key 列"),
    ],
)
def test_bad_counts_are_refused_in_chinese_and_nothing_is_written(tmp_path, capsys, row, message):
    counts = _counts(tmp_path / "bad.csv", [("k", "2024-01-01", 3), ("k", "2024-01-08", 4), row])
    out = tmp_path / "alarms.csv"
    out.write_text("旧文件\n", encoding="utf-8")
    assert detect_spikes_main(["--counts", str(counts), "--out", str(out), "--period", "week"]) == 2
    assert message in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "旧文件\n"  # the old file is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alarms.csv", "bad.csv"]  # no temporary left


def test_a_counts_file_without_a_column_is_refused(tmp_path, capsys):
    counts = _counts(tmp_path / "c.csv", [("k", 3)], header="key,count")
    assert detect_spikes_main(["--counts", str(counts), "--out", str(tmp_path / "o.csv")]) == 2
    assert "缺少列：period_start" in capsys.readouterr().err
    assert not (tmp_path / "o.csv").exists()


def _messages(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "title", "text", "user", "time", "likes", "dislikes"])
        writer.writerows(rows)
    return path


def test_hot_issues_prints_one_json_list_hottest_first(tmp_path, capsys):
    rows = [(i, "A2区雨花停车场扣车停车费太高", "车辆被扣后停车保管费太高，请整改。", f"u{i}", f"2026/3/{i + 1} 10:00:00", i, 0)
            for i in range(6)]
    rows += [(10 + i, "A3区枫林路口电子警察抓拍不合理", "电子警察误拍黄灯，请核查。", f"v{i % 2}", f"2026-03-0{i + 1} 09:00:00", 0, 0)
             for i in range(4)]
    rows += [(20, "咨询驾驶证换证材料", "需要带什么材料？", "w", "2026/3/5 8:00:00", 0, 0)]
    assert hot_issues_main(["--csv", str(_messages(tmp_path / "m.csv", rows)), "--top", "5"]) == 0
    issues = json.loads(capsys.readouterr().out)
    assert [i["rank"] for i in issues] == [1, 2]
    assert issues[0]["petitioners"] == 6 and issues[1]["petitioners"] == 2
    assert sorted(issues[0]["message_ids"], key=int) == [str(i) for i in range(6)]
    assert issues[0]["heat"] > issues[1]["heat"]
    assert "停车" in issues[0]["description"] and "停车场" in issues[0]["place"]
    assert issues[0]["first"].startswith("2026-03-01") and issues[0]["last"].startswith("2026-03-06")


def test_hot_issues_refuses_a_bad_time_naming_the_line(tmp_path, capsys):
    path = _messages(tmp_path / "m.csv", [(1, "标题", "内容", "u", "昨天", 0, 0)])
    assert hot_issues_main(["--csv", str(path)]) == 2
    assert "第 2 行 time 列" in capsys.readouterr().err


def test_officer_flags_writes_the_contract_columns(tmp_path, capsys):
    path = tmp_path / "activity.csv"
    lines = ["officer_no,peer_group,period_start,actions,complaints"]
    for i, c in enumerate([1, 0, 2, 1, 1, 0, 1, 2, 1, 0]):
        lines += [f"P{i},事故中队,2026-01-01,50,{c}", f"P{i},事故中队,2026-02-01,50,0"]
    lines += ["HIGH,事故中队,2026-01-01,50,5", "HIGH,事故中队,2026-02-01,50,4", "BUSY,事故中队,2026-01-01,1000,9"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "flags.csv"
    assert officer_flags_main(["--activity", str(path), "--out", str(out)]) == 0
    flags = {r["officer_no"]: r for r in _read(out)}
    assert list(next(iter(flags.values()))) == ["officer_no", "score", "level", "reasons"]
    assert flags["HIGH"]["level"] == "critical" and flags["BUSY"]["level"] == "none"
    assert "执法" in flags["HIGH"]["reasons"]
    assert json.loads(capsys.readouterr().out)["critical"] == 1


def test_officer_flags_refuses_negative_actions(tmp_path, capsys):
    path = tmp_path / "a.csv"
    path.write_text("officer_no,peer_group,period_start,actions,complaints\nP1,g,2026-01-01,-5,0\n", encoding="utf-8")
    assert officer_flags_main(["--activity", str(path), "--out", str(tmp_path / "f.csv")]) == 2
    assert "第 2 行 actions 列：不能为负数" in capsys.readouterr().err
    assert not (tmp_path / "f.csv").exists()


def test_the_xinfang_command_runs_detect_spikes(tmp_path):
    counts = _counts(tmp_path / "c.csv", _weekly("k", 12))
    out = tmp_path / "o.csv"
    done = subprocess.run([sys.executable, "-m", "xinfang.manage", "detect-spikes", "--counts", str(counts),
                           "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert len(_read(out)) == 12
    bad = _counts(tmp_path / "bad.csv", [("k", "2024-01-01", -1)])
    done = subprocess.run([sys.executable, "-m", "xinfang.manage", "detect-spikes", "--counts", str(bad),
                           "--out", str(tmp_path / "x.csv")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "不能为负数" in done.stderr


def test_officer_flags_puts_officers_without_a_peer_group_into_one_group(tmp_path):
    lines = ["officer_no,peer_group,period_start,actions,complaints"]
    lines += [f"P{i},,2030-01-01,200,1" for i in range(20)] + ["HIGH,,2030-01-01,200,12"]
    path = tmp_path / "a.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "f.csv"
    assert officer_flags_main(["--activity", str(path), "--out", str(out)]) == 0
    flags = {r["officer_no"]: r for r in _read(out)}
    assert len(flags) == 21 and flags["HIGH"]["level"] != "none" and flags["P0"]["level"] == "none"


def test_hot_issues_accepts_messages_without_time_user_or_likes(tmp_path, capsys):
    path = tmp_path / "m.csv"
    path.write_text("id,title,text,user,time,likes,dislikes\n"
                    "1,,东风路口电子警察乱抓拍闯红灯，请求核查,,,,\n"
                    "2,东风路口电子警察,东风路口电子警察乱抓拍闯红灯，请求核查撤销,u2,2020-01-02,,\n", encoding="utf-8")
    assert hot_issues_main(["--csv", str(path), "--top", "3"]) == 0
    issues = json.loads(capsys.readouterr().out)
    assert issues[0]["message_ids"] == ["2", "1"] and issues[0]["first"] == issues[0]["last"] == "2020-01-02 00:00:00"


def test_the_contract_files_may_leave_out_optional_columns_be_gbk_and_repeat_an_id(tmp_path, capsys):
    # Exported by other tools: only id and text; Excel's GBK; one row exported twice.
    path = tmp_path / "m.csv"
    path.write_bytes(("ID,Text\n1,东风路口电子警察乱抓拍闯红灯，请求核查\n2,东风路口电子警察乱抓拍闯红灯，请求核查撤销\n"
                      "2,东风路口电子警察乱抓拍闯红灯，请求核查撤销\n").encode("gbk"))
    assert hot_issues_main(["--csv", str(path), "--top", "3"]) == 0
    captured = capsys.readouterr()
    assert sorted(json.loads(captured.out)[0]["message_ids"]) == ["1", "2"]
    assert "第 4 行 id 列：编号 2 重复" in captured.err
    activity = tmp_path / "a.csv"
    lines = ["officer_no,period_start,actions,complaints"]
    lines += [f"P{i},2030-01-01,200,1" for i in range(20)] + ["HIGH,2030-01-01,200,12"]
    activity.write_bytes(("\n".join(lines) + "\n").encode("gbk"))
    assert officer_flags_main(["--activity", str(activity), "--out", str(tmp_path / "f.csv")]) == 0
    assert {r["officer_no"]: r["level"] for r in _read(tmp_path / "f.csv")}["HIGH"] != "none"
    counts = tmp_path / "c.csv"
    counts.write_bytes(("\ufeffKey,Period_Start,Count\r\n" + "".join(
        f"大队甲,{(date(2024, 1, 1) + timedelta(weeks=i)).isoformat()},{c}\r\n"
        for i, c in enumerate([3, 4, 2, 5]))).encode("utf-8"))
    assert detect_spikes_main(["--counts", str(counts), "--out", str(tmp_path / "o.csv")]) == 0
    assert [r["key"] for r in _read(tmp_path / "o.csv")] == ["大队甲"] * 4
