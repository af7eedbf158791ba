"""每个指标对手工事项的答案，逐单位手算（单位的数含其下级：大队A 含中队A1；支队含全部）。"""

from datetime import date

import pytest

from xinfang.assessment import facts
from xinfang.assessment.compute import TOTAL, compute, drill_down
from xinfang.assessment.registry import METRICS

from .fixture import AS_OF, END, START, build

# (分子, 分母) 或计数；单位键：BA 大队A（含中队A1）、SQ 中队A1、BB 大队B、OF 信访科、ALL 支队。
EXPECTED = {
    # 2 月收到 7 件（n6 在 1 月）：按期 n1 n3 n7 n8；超期 n2(+1) n4(+3) n5(未决定)
    "acceptance_notice_on_time": {"BA": (3, 4), "SQ": (2, 2), "BB": (0, 2), "OF": (1, 1), "ALL": (4, 7)},
    # 期限在 2 月（看处理意见的作出日期）：h1 按期、h2 晚一天、h3 延期后按期、h6 h9 超期未答、h7 按期、
    # h8 期限前一天作出（送达在期限后）按期、o1 期限为调休周六 2-14、1 月已答复；r3 受理 12-02，届满 1-31
    # 是周六，顺延到 2-02，已答复。
    # 按新的法定模型重新手算（原为 BA (4, 5)、ALL (7, 10)）：办理中的听证不再停钟——h4（期限 2-09，
    # 2-19 才作出）由按期变为超期，h5（听证中、期限 2-09 已过未答复）由不计变为超期；
    # t1 是建议意见类，没有办理期限，不计。
    "handling_on_time": {"BA": (3, 6), "SQ": (1, 1), "BB": (0, 2), "OF": (3, 3), "ALL": (6, 11)},
    # 2 月答复：h1 是；h2 再来、h3 请求复查、h4 不满意：否；h7 再来在 90 日后：是；h8 是；b2 是
    "first_time_resolution": {"BA": (3, 6), "SQ": (1, 1), "OF": (1, 1), "ALL": (4, 7)},
    "repeat_rate": {"BA": (1, 4), "SQ": (0, 2), "BB": (0, 2), "OF": (0, 1), "ALL": (1, 7)},
    "skip_level_count": {"BA": 2, "SQ": 1, "ALL": 2},
    "collective_count": {"BA": 1, "SQ": 1, "BB": 1, "ALL": 2},
    # 期初（2-01）收到已满 3 个月（早于 2025-11-01）未了结：b1 b2 b4 b5 b6；2 月了结 b2 b4
    "backlog_3m_resolution": {"BA": (1, 3), "SQ": (0, 1), "BB": (1, 1), "OF": (0, 1), "ALL": (2, 5)},
    "backlog_6m_resolution": {"BA": (1, 1), "OF": (0, 1), "ALL": (1, 2)},
    # 2 月作出的复查意见：r1 变更（大队A）、r2 维持（大队B）；r3 r4 在 1 月
    "review_overturn_rate": {"BA": (1, 1), "BB": (0, 1), "ALL": (1, 2)},
    # 回访：h1 h4 h2 在大队A，h7 在中队A1（过期未回访），h8 在信访科（未联系上，网上评价基本满意）
    "return_visit_rate": {"BA": (3, 4), "SQ": (0, 1), "OF": (1, 1), "ALL": (4, 5)},
    "response_rate": {"BA": (2, 4), "SQ": (0, 1), "OF": (0, 1), "ALL": (2, 5)},
    "resolution_rate": {"BA": (2, 3), "ALL": (2, 3)},
    "satisfaction_rate": {"BA": (2, 3), "OF": (1, 1), "ALL": (3, 4)},
    "supervision_feedback_on_time": {"BA": (1, 1), "BB": (0, 2), "ALL": (1, 3)},
    "supervision_closed_count": {"BA": 2, "SQ": 1, "ALL": 2},
    # 2 月落实完成：h1 赔偿（大队A）、h7 纠正（中队A1，计入大队A）、h2 纠正（落实单位大队B）；
    # h1 道歉在 3 月、b2 道歉未落实
    "execution_items_closed": {"BA": 2, "SQ": 1, "BB": 1, "ALL": 3},
    # 2 月来访：n1（登记员）、n2（大队长）与其重复来访（承办人）、n4（分管领导）、n7（登记员）
    "head_reception_share": {"BA": (1, 3), "BB": (1, 1), "OF": (0, 1), "ALL": (2, 5)},
    # 2 月答复且有起草记录：h1 h3 h4（承办人A）、h2（大队长）、h7（中队承办人）
    "head_handling_share": {"BA": (1, 5), "SQ": (0, 1), "ALL": (1, 5)},
    # 2 月了结：h1 h2 b2 r4（复查过）n3 n8 在大队A；b4 在大队B（n4 告知期限 2-27 + 3 天 = 3-02 才转送）；
    # o1 在信访科（非基层）
    # 应完成日期在 2 月的排查：大队A 2 件（2-05 按时、2-09 晚了），中队A1 1 件过期未排查（计入大队A），
    # 大队B 1 件在应完成日 2-27 的 23 时判定（当天结束前，按时）；信访科的应完成日期在 3 月，不计
    "screening_completion": {"BA": (2, 3), "SQ": (0, 1), "BB": (1, 1), "ALL": (3, 4)},
    "screening_on_time": {"BA": (1, 3), "SQ": (0, 1), "BB": (1, 1), "ALL": (2, 4)},
    "grassroots_resolution_share": {"BA": (5, 6), "SQ": (2, 2), "BB": (1, 1), "OF": (0, 1), "ALL": (6, 8)},
}
# 三率综合（10/45/45）：大队A (10×50 + 45×66.67 + 45×66.67)/100；信访科只有响应率 0 与满意率 100：
# (10×0 + 45×100)/55；中队A1 只有响应率 0；支队 (10×40 + 45×66.67 + 45×75)/100。
EXPECTED_SCORE = {"BA": 65.0, "SQ": 0.0, "OF": 81.82, "ALL": 67.75}


@pytest.fixture
def figures(cast):
    build(cast)
    return compute(facts.load(START, END, as_of=AS_OF))


def _unit(cast, key):
    return {"BA": cast.brigade_a.pk, "SQ": cast.squadron_a1.pk, "BB": cast.brigade_b.pk, "OF": cast.office.pk,
            "ALL": TOTAL}[key]


def test_every_registered_indicator_has_a_hand_computed_answer():
    assert set(EXPECTED) | {"three_rate_score"} == {m.key for m in METRICS}


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_indicator_matches_the_hand_computed_fixture(cast, figures, key):
    by_unit = {k: v for k, v in figures[key].items()}
    kind = {m.key: m.kind for m in METRICS}[key]
    expected = {_unit(cast, u): v for u, v in EXPECTED[key].items()}
    got = {u: (f.numerator if kind == "count" else (f.numerator, f.denominator)) for u, f in by_unit.items()
           if u in expected or u in (cast.detachment.pk,)}
    # 支队（根部门）的数与合计相同
    assert got.pop(cast.detachment.pk, got.get(TOTAL)) == got.get(TOTAL)
    assert got == expected
    units_with_data = {u for u in by_unit if u not in (TOTAL, cast.detachment.pk)}
    assert units_with_data == set(expected) - {TOTAL}


def test_three_rate_composite_uses_the_beijing_weights(cast, figures):
    got = {u: figures["three_rate_score"][_unit(cast, u)].value for u in EXPECTED_SCORE}
    assert got == EXPECTED_SCORE


def test_rates_are_percentages_rounded_to_two_places(cast, figures):
    assert figures["acceptance_notice_on_time"][TOTAL].value == 57.14
    assert figures["handling_on_time"][cast.brigade_a.pk].value == 50.0  # 3 / 6


def test_handling_due_on_a_working_saturday_is_not_moved(cast):
    m = build(cast)
    assert m["o1"].handling_due == date(2026, 2, 14)  # 2026 年春节调休：2 月 14 日（周六）上班
    assert m["n1"].acceptance_due == date(2026, 2, 24)  # 2-17 在春节假期内：顺延到节后第一个工作日


def test_drill_down_lists_exactly_the_records_behind_a_figure(cast):
    m = build(cast)
    f = facts.load(START, END, as_of=AS_OF)
    rows = drill_down("handling_on_time", f, unit=cast.brigade_a.pk)
    assert {r.number for r, _ in rows} == {m[k].number for k in ("h1", "h2", "h3", "h4", "h5", "h7")}
    late = drill_down("handling_on_time", f, unit=cast.brigade_a.pk, only="rest")
    assert {r.number for r, _ in late} == {m[k].number for k in ("h2", "h4", "h5")}
    on_time = drill_down("handling_on_time", f, unit=cast.office.pk, only="numerator")
    assert m["h8"].number in {r.number for r, _ in on_time}  # 送达晚于期限，作出在期限内
    assert m["t1"].number not in {r.number for r, _ in drill_down("handling_on_time", f)}
    done = drill_down("execution_items_closed", f, unit=cast.brigade_b.pk)  # 落实单位大队B，事项在大队A
    assert [r.matter_id for r, _ in done] == [m["h2"].pk]
    visits = drill_down("response_rate", f, unit=cast.office.pk)
    assert [r.matter_id for r, _ in visits] == [m["h8"].pk]
