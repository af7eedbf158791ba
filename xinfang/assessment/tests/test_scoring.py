"""考核得分（可配置权重、合计须 100%）、小单位不排名、月度通报点名最好与最低及其原因。"""

import pytest
from django.core.exceptions import ValidationError

from xinfang.assessment import facts
from xinfang.assessment.bulletin import monthly_bulletin
from xinfang.assessment.compute import compute
from xinfang.assessment.scoring import score_units

from .fixture import AS_OF, END, START, build


@pytest.fixture
def figures(cast):
    build(cast)
    return compute(facts.load(START, END, as_of=AS_OF))


def test_scores_follow_the_default_weights_by_hand(cast, figures):
    units = [(cast.brigade_a.pk, "大队A"), (cast.brigade_b.pk, "大队B"), (cast.office.pk, "信访科")]
    scores = {s.name: s for s in score_units(figures, units, min_matters=2)}
    # 大队A：(50×25 + 75×15 + 50×20 + 65×20 + 100×10 + (100−25)×10) / 100。按期办结率按新的法定模型
    # 重新手算为 3/6 = 50（原 4/5 = 80，得分 71.75）：办理中的听证不停钟，h4 h5 算超期。
    assert scores["大队A"].score == 64.25
    # 大队B：只有按期办结 0、告知 0、督办反馈 0、重复信访率 0（计 100）四项，权重 60：1000/60
    assert scores["大队B"].score == 16.67
    assert (scores["大队A"].rank, scores["大队B"].rank) == (1, 2)
    # 信访科只有 1 件收到：不足最少件数，不排名
    assert scores["信访科"].rank is None and scores["信访科"].score == 95.96


def test_weights_that_do_not_sum_to_100_are_refused_in_chinese(cast, figures):
    with pytest.raises(ValidationError) as error:
        score_units(figures, [(cast.brigade_a.pk, "大队A")], weights={"handling_on_time": 60, "repeat_rate": 30})
    assert "权重合计须为 100%，现为 90%" in str(error.value)


def test_counts_cannot_be_weighted_into_a_score(cast, figures):
    with pytest.raises(ValueError, match="越级访件数"):
        score_units(figures, [], weights={"handling_on_time": 50, "skip_level_count": 50})


def test_monthly_bulletin_names_the_best_and_the_lowest_with_their_indicators(cast):
    build(cast)
    bulletin = monthly_bulletin(2026, 2, as_of=AS_OF, min_matters=2)
    (best, why_best), = bulletin.best
    (low, why_low), = bulletin.lowest
    assert (best.name, low.name) == ("大队A", "大队B")
    assert why_low[0].label == "按期办结率" and why_low[0].value == 0.0
    text = "\n".join(bulletin.paragraphs())
    assert "表扬：大队A，得分 64.25，第 1 名" in text and "通报：大队B，得分 16.67，第 2 名" in text
    assert "按期办结率 0%" in text and not bulletin.provisional


def test_staff_are_assessed_on_the_matters_they_handle(cast):
    build(cast)
    by_staff = compute(facts.load(START, END, as_of=AS_OF), group_by="handler", rollup=False)
    got = {k: (f.numerator, f.denominator) for k, f in by_staff["handling_on_time"].items() if k not in (None, "total")}
    assert got == {cast.handler_a.pk: (1, 1), cast.head_a.pk: (0, 1), cast.squad_handler.pk: (1, 1)}
    scores = score_units(by_staff, [(cast.handler_a.pk, "承办人A"), (cast.head_a.pk, "大队长A")], min_matters=0,
                         weights={"handling_on_time": 100})
    assert [(s.name, s.score) for s in scores] == [("承办人A", 100.0), ("大队长A", 0.0)]
