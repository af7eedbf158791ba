from xinfang.ml.officers import OfficerActivity, flag_officers


def _group(rows, group="事故中队"):
    return [OfficerActivity(no, group, actions, complaints) for no, actions, complaints in rows]


PEERS = [(f"P{i:02d}", 100, c) for i, c in enumerate([1, 0, 2, 1, 1, 0, 1, 2, 1, 0])]


def _by_no(flags):
    return {f.officer_no: f for f in flags}


def test_a_busy_officer_with_complaints_in_proportion_is_not_flagged():
    flags = _by_no(flag_officers(_group(PEERS + [("BUSY", 1000, 9)])))
    assert flags["BUSY"].level == "none"
    assert 0.7 < flags["BUSY"].score < 1.3


def test_an_officer_with_many_complaints_for_few_actions_is_critical_with_reasons():
    flags = _by_no(flag_officers(_group(PEERS + [("HIGH", 100, 8)])))
    high = flags["HIGH"]
    assert high.level == "critical" and high.score > 2
    assert "投诉 8 件" in high.reasons and "不作为处分依据" in high.reasons


def test_one_complaint_against_a_quiet_officer_is_shrunk_and_not_flagged():
    flags = _by_no(flag_officers(_group(PEERS + [("QUIET", 5, 1)])))
    quiet = flags["QUIET"]
    assert quiet.level == "none"
    assert quiet.score < 20  # the raw rate is 20 per hundred vs about 0.9: shrinkage pulls it down
    assert "可能出于偶然" in quiet.reasons


def test_a_moderately_high_officer_gets_a_warning_not_a_critical():
    flags = _by_no(flag_officers(_group(PEERS + [("MID", 200, 9)])))
    assert flags["MID"].level in {"warning", "critical"}
    assert flags["MID"].p_warning > flags["MID"].p_critical


def test_officers_are_compared_within_their_peer_group():
    # 科室 officers act rarely and are complained about rarely; 事故中队 often and often.
    rows = _group([(f"S{i}", 10, 0) for i in range(6)] + [("S6", 10, 2)], "科室")
    rows += _group([(f"A{i}", 100, 10) for i in range(6)] + [("A6", 100, 12)], "事故中队")
    flags = _by_no(flag_officers(rows))
    assert flags["A6"].level == "none"  # 12 against peers' 10 is ordinary
    assert flags["S6"].score > flags["A6"].score


def test_a_small_peer_group_borrows_the_prior_of_all_officers():
    rows = _group(PEERS) + _group([("T1", 100, 1), ("T2", 100, 6)], "特勤")
    flags = _by_no(flag_officers(rows))
    assert "以全体民警为参照" in flags["T2"].reasons
    assert flags["T2"].level in {"warning", "critical"}


def test_rows_of_one_officer_over_several_periods_are_added_up():
    rows = _group(PEERS) + _group([("X", 50, 2), ("X", 50, 2)])
    flags = _by_no(flag_officers(rows))
    assert flags["X"].actions == 100 and flags["X"].complaints == 4
    assert len(flags) == 11


def test_a_group_without_complaints_flags_no_one():
    flags = flag_officers(_group([(f"Z{i}", 50, 0) for i in range(6)]))
    assert {f.level for f in flags} == {"none"}


def test_the_fitted_mix_of_risks_ranks_a_few_high_risk_officers_first_whatever_their_workload():
    # 90 officers at the group rate (1 per 100 actions) and 10 at three times it, with workloads from
    # 50 to 500 actions: the busiest ordinary officers have more complaints than the quietest high ones.
    rows = []
    for i in range(100):
        actions = 50 + 5 * (i % 91)
        rate = 0.03 if i % 10 == 0 else 0.01
        rows.append((f"O{i:03d}", actions, round(actions * rate)))
    flags = flag_officers(_group(rows))
    top = {f.officer_no for f in flags[:10]}
    assert top == {f"O{i:03d}" for i in range(0, 100, 10)}
    assert max(c for no, _, c in rows if no not in top) > min(c for no, _, c in rows if no in top)
