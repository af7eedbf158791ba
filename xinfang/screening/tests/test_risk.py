from datetime import datetime

import pytest
import time_machine
from django.utils import timezone

from xinfang.ml.errors import ModelError
from xinfang.screening import risk
from xinfang.screening.generate import generate_cases
from xinfang.screening.models import CasePetitionLink, EnforcementCase, RiskModelVersion, RiskRule, RiskTier


def test_rules_score_and_explain_in_chinese_when_there_is_no_history(make_case):
    risky = make_case(case_type="accident", severity="death", deaths=1, compensation="unpaid")
    plain = make_case()
    risk.score_cases()
    risky.refresh_from_db()
    plain.refresh_from_db()
    assert risky.risk_tier == RiskTier.RULES and risky.rule_score == 7.0
    assert risky.risk_reasons[0] == "死亡事故且赔偿未到位"
    assert plain.risk_score == 0 and plain.risk_reasons == []
    assert "只按规则排序" in risk.ranking_note()


def test_an_administrator_tuned_weight_changes_the_score(make_case):
    case = make_case(contested=True)
    RiskRule.objects.filter(code="contested").update(weight=9.5)
    risk.score_cases()
    case.refresh_from_db()
    assert case.rule_score == 9.5 and case.risk_reasons == ["当事人对处理有异议"]


def test_a_disabled_rule_no_longer_counts(make_case):
    case = make_case(contested=True)
    RiskRule.objects.filter(code="contested").update(enabled=False)
    risk.score_cases()
    case.refresh_from_db()
    assert case.rule_score == 0


def test_too_little_history_keeps_the_rules_and_says_why(make_case):
    make_case(decided=datetime(2026, 1, 1))
    with pytest.raises(ModelError, match="历史不足"):
        risk.train_model()
    assert not RiskModelVersion.objects.exists()


def test_petition_case_numbers_link_petitions_to_their_cases(make_case, coded):
    from xinfang.petitions.testing import register

    case = make_case(case_no="320100-2026-001")
    matter = register(coded.clerk, department=coded.brigade_a, case_numbers=f"{case.case_no}，不存在的编号")
    assert risk.sync_petition_links() == 1
    assert risk.sync_petition_links() == 0
    link = CasePetitionLink.objects.get()
    assert link.case == case and link.petition.matter == matter


@pytest.mark.django_db
def test_the_learned_ranking_is_trained_on_history_promoted_on_a_temporal_holdout_and_explains(coded):
    with time_machine.travel(timezone.make_aware(datetime(2026, 11, 1, 9)), tick=False):
        summary = generate_cases(15000, months=12, seed=4)
        assert summary.petitions > 100
        version = risk.train_model()
        assert version.n_train + version.n_holdout < 15000  # the last 90 days have no known outcome yet
        assert version.n_holdout == pytest.approx(0.25 * version.n_train, abs=2)
        assert version.auc > 0.75 and version.holdout_from.year == 2026
        assert version.is_current == (version.precision_at_k >= version.rule_precision_at_k)
        result = risk.score_cases()
    if version.is_current:
        assert result["tier"] == RiskTier.LEARNED
        top = EnforcementCase.objects.order_by("-risk_score").first()
        assert top.risk_reasons and all(isinstance(r, str) for r in top.risk_reasons)
        assert "按模型排序" in risk.ranking_note()


@pytest.mark.django_db
def test_the_columnar_scoring_computes_the_same_features_as_the_case_by_case_one(coded):
    """评分按列算（几百万件不建字典）：特征矩阵与逐件算的参照路径逐格相同，含历史特征与"30 日未结"。"""
    import numpy as np

    from xinfang.ml.screening import feature_matrix

    with time_machine.travel(timezone.make_aware(datetime(2026, 11, 1, 9)), tick=False):
        generate_cases(4000, months=6, seed=7)
        now = timezone.now()
        cases = risk._load_cases()
        expected = feature_matrix(cases, risk._petitions(now), as_of=now)
        columns = risk.load_columns()
        got = risk.column_matrix(columns, now, as_of=now)
        assert [c["pk"] for c in cases] == columns["pk"].tolist()
        assert CasePetitionLink.objects.count() > 20 and expected[:, -1].max() > 0  # 有当事人此前信访的案件
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_scoring_in_chunks_writes_every_case_with_the_same_scores(make_case):
    cases = [make_case(contested=i % 3 == 0, points=6 if i % 2 else 0) for i in range(7)]
    risk.score_cases(chunk=2)
    got = {c.pk: (c.rule_score, c.risk_reasons) for c in EnforcementCase.objects.all()}
    for i, case in enumerate(cases):
        assert got[case.pk][0] == (3.0 if i % 3 == 0 else 0) + (1.0 if i % 2 else 0)
    assert EnforcementCase.objects.filter(scored_at=None).count() == 0
