"""把 xinfang.ml.screening 接到数据库：规则来自 RiskRule，模型来自 RiskModelVersion，分数与理由写回案件。"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

from django.db import connection, transaction

from xinfang.audit.services import record
from xinfang.core import clock
from xinfang.ml.errors import ModelError
from xinfang.ml.screening import (MIN_TRAINING_POSITIVES, LearnedRanker, Rule, feature_matrix, labels_within,
                                  rule_score, top_k_metrics)

from .models import CasePetitionLink, EnforcementCase, LinkSource, RiskModelVersion, RiskRule, RiskTier

HORIZON = timedelta(days=90)
CASE_NO_SPLIT = re.compile(r"[\s,，、;；/]+")
_COLUMNS = ("pk", "case_no", "case_type", "department_id", "officer_no", "decided_at", "closed_at", "party_id_index",
            "severity", "deaths", "injuries", "responsibility", "hit_and_run", "hit_and_run_solved", "compensation",
            "review_requested", "fine", "points", "non_site", "contested", "impound_days", "fee")


def active_rules() -> list[Rule]:
    return [Rule(r.code, r.wording, r.weight, r.enabled) for r in RiskRule.objects.all()]


def current_model() -> RiskModelVersion | None:
    return RiskModelVersion.objects.filter(is_current=True).order_by("-created_at").first()


def _load_cases(queryset=None) -> list[dict]:
    rows = (queryset if queryset is not None else EnforcementCase.objects.all()).order_by("decided_at", "pk")
    cases = []
    for values in rows.values_list(*_COLUMNS).iterator(chunk_size=5000):
        case = dict(zip(_COLUMNS, values))
        case["department_code"] = case.pop("department_id")
        case["party_id"] = case.pop("party_id_index")
        cases.append(case)
    return cases


def _petitions(known_by: datetime) -> dict[str, datetime]:
    """每件案件最早一次引发信访的时间（只取截至 known_by 已发生的）。"""
    out: dict[str, datetime] = {}
    for case_no, moment in (CasePetitionLink.objects.filter(petition_at__lte=known_by)
                            .values_list("case__case_no", "petition_at").iterator(chunk_size=5000)):
        if case_no not in out or moment < out[case_no]:
            out[case_no] = moment
    return out


def score_cases(*, now: datetime | None = None) -> dict:
    """给全部案件重算规则分与风险分、写入前三条理由；有启用的模型时按模型排序，否则按规则。"""
    now = now or clock.now()
    cases = _load_cases()
    matrix = feature_matrix(cases, _petitions(now), as_of=now)
    rule_scores, rule_reasons = rule_score(matrix, active_rules())
    version = current_model()
    ranker = LearnedRanker.from_dict(version.parameters) if version else None
    learned, learned_reasons = ranker.score(matrix) if ranker else (rule_scores, rule_reasons)
    tier = RiskTier.LEARNED if ranker else RiskTier.RULES
    batch: list[EnforcementCase] = []
    for i, case in enumerate(cases):
        reasons = (learned_reasons[i] or rule_reasons[i])[:3] if ranker else rule_reasons[i][:3]
        batch.append(EnforcementCase(pk=case["pk"], rule_score=float(rule_scores[i]),
                                     risk_score=round(float(learned[i]), 6), risk_tier=tier,
                                     risk_reasons=reasons, scored_at=now))
        if len(batch) >= 2000:
            _write_scores(batch)
    _write_scores(batch)
    return {"cases": len(cases), "tier": tier}


def _write_scores(batch: list[EnforcementCase]) -> None:
    """一批分数用一条参数化 UPDATE 写回（bulk_update 的 CASE WHEN 在百万行上太慢）。"""
    if not batch:
        return
    table = EnforcementCase._meta.db_table
    ops = connection.ops
    rows = [(item.rule_score, item.risk_score, item.risk_tier, json.dumps(item.risk_reasons, ensure_ascii=False),
             ops.adapt_datetimefield_value(item.scored_at), item.pk) for item in batch]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET rule_score = %s, risk_score = %s, risk_tier = %s, "
                           f"risk_reasons = %s, scored_at = %s WHERE id = %s", rows)
    batch.clear()


def train_model(*, by=None, now: datetime | None = None, k_frac: float = 0.2) -> RiskModelVersion:
    """用本单位自己的历史训练：决定满 90 日的案件，是否在 90 日内引发信访。

    按决定时间取最后 20% 作为留出集；留出集上 precision@k 不低于规则的才启用，否则保存但不启用。
    历史不足（引发信访的案件太少）时抛出 ModelError，页面继续只按规则排序。
    """
    now = now or clock.now()
    cases = _load_cases(EnforcementCase.objects.filter(decided_at__lt=now - HORIZON))
    known = _petitions(now)
    labels = labels_within(cases, known, HORIZON)
    if int(labels.sum()) < 2 * MIN_TRAINING_POSITIVES:
        raise ModelError(f"历史不足：已满 90 日的案件中只有 {int(labels.sum())} 件引发信访"
                         f"（至少需要 {2 * MIN_TRAINING_POSITIVES} 件），暂只按规则排序")
    matrix = feature_matrix(cases, known, as_of=now)
    split = int(len(cases) * 0.8)
    ranker = LearnedRanker.fit(matrix[:split], labels[:split])
    holdout_x, holdout_y = matrix[split:], labels[split:]
    k = max(1, int(round(k_frac * len(holdout_y))))
    probabilities, _ = ranker.score(holdout_x)
    precision, recall = top_k_metrics(probabilities, holdout_y, k)
    rules, _ = rule_score(holdout_x, active_rules())
    rule_precision, _ = top_k_metrics(rules, holdout_y, k)
    auc = None
    if 0 < holdout_y.sum() < len(holdout_y):
        from sklearn.metrics import roc_auc_score

        auc = float(roc_auc_score(holdout_y, probabilities))
    promote = bool(precision >= rule_precision and holdout_y.sum() > 0)
    with transaction.atomic():
        if promote:
            RiskModelVersion.objects.filter(is_current=True).update(is_current=False)
        version = RiskModelVersion.objects.create(
            created_at=now, parameters=ranker.to_dict(), n_train=split, n_positive=int(labels[:split].sum()),
            n_holdout=len(holdout_y), holdout_from=clock.local_date(cases[split]["decided_at"]),
            precision_at_k=precision, rule_precision_at_k=rule_precision, recall_at_k=recall, auc=auc,
            is_current=promote,
            note="留出集上不低于规则，已启用" if promote else "留出集上不如规则，未启用")
        record(actor=by, action="screening.model_trained", obj=version,
               changes={"precision_at_k": [None, round(precision, 4)], "is_current": [None, promote]})
    return version


def sync_petition_links() -> int:
    """把信访件「关联执法案件编号」里能对上的编号记为关联（可重复执行，已有的不重复）。返回新增条数。"""
    from xinfang.petitions.models import Petition

    existing = set(CasePetitionLink.objects.exclude(petition=None).values_list("petition_id", "case_id"))
    new = []
    for petition_id, numbers, received_at in (Petition.objects.exclude(case_numbers="")
                                              .values_list("pk", "case_numbers", "received_at").iterator()):
        wanted = [n for n in CASE_NO_SPLIT.split(numbers) if n]
        for case_id in EnforcementCase.objects.filter(case_no__in=wanted).values_list("pk", flat=True):
            if (petition_id, case_id) not in existing:
                new.append(CasePetitionLink(case_id=case_id, petition_id=petition_id, petition_at=received_at,
                                            source=LinkSource.PETITION))
                existing.add((petition_id, case_id))
    with transaction.atomic():
        CasePetitionLink.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def nightly() -> None:
    """后台任务：对上新的信访关联，重算全部案件的风险分。"""
    sync_petition_links()
    score_cases()


def ranking_note() -> str:
    """页面上说明当前按什么排序。"""
    version = current_model()
    if version is None:
        return "本单位引发信访的历史案件还不够训练模型，当前只按规则排序；每条理由都是一条规则。"
    return (f"按模型排序（{version.created_at:%Y-%m-%d} 训练，留出集上前 20% 命中率 {version.precision_at_k:.0%}，"
            f"规则为 {version.rule_precision_at_k:.0%}）。")

