"""把 xinfang.ml.screening 接到数据库：规则来自 RiskRule，模型来自 RiskModelVersion，分数与理由写回案件。"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction

from xinfang.audit.services import record
from xinfang.core import clock
from xinfang.ml.errors import ModelError
import numpy as np

from xinfang.ml.screening import (CASE_TYPE_CODES, COMPENSATION_CODES, FEATURE_INDEX, HISTORY,
                                  MIN_TRAINING_POSITIVES, RESPONSIBILITY_CODES, SEVERITY_CODES, LearnedRanker, Rule,
                                  case_feature_columns, history_columns, rule_score,
                                  top_k_metrics)

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


# 评分按列读：每件案件只占列数组里的几十个字节（500 万件约 0.4 GB），不建字典。
_FACT_COLUMNS = ("case_type", "severity", "compensation", "responsibility", "deaths", "injuries", "hit_and_run",
                 "hit_and_run_solved", "review_requested", "points", "non_site", "contested", "impound_days")
_CODES = {"case_type": CASE_TYPE_CODES, "severity": SEVERITY_CODES, "compensation": COMPENSATION_CODES,
          "responsibility": RESPONSIBILITY_CODES}
READ_CHUNK = 50_000
WRITE_CHUNK = 20_000


def _epoch(column: str) -> str:
    qn = connection.ops.quote_name(column)
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(EPOCH FROM {qn}) AS BIGINT)"
    return f"CAST(strftime('%%s', {qn}) AS INTEGER)"


def _real(column: str) -> str:
    return f"CAST({connection.ops.quote_name(column)} AS {'DOUBLE PRECISION' if connection.vendor == 'postgresql' else 'REAL'})"


def load_columns(*, decided_before: datetime | None = None) -> dict[str, np.ndarray]:
    """把案件按列读进 numpy 数组（按主键分块流式读），再按 (决定时间, 主键) 排好。

    officer / unit / party 是整数组号（party 为 -1 表示没有证件号码）；closed 未结案为 -1。"""
    table = connection.ops.quote_name(EnforcementCase._meta.db_table)
    select = ", ".join(["id", _epoch("decided_at"), f"COALESCE({_epoch('closed_at')}, -1)", "department_id",
                        "officer_no", "party_id_index", _real("fine"), _real("fee"), *_FACT_COLUMNS])
    where, params = "", []
    if decided_before is not None:
        where, params = "AND decided_at < %s", [connection.ops.adapt_datetimefield_value(decided_before)]
    parts: dict[str, list[np.ndarray]] = {name: [] for name in (
        "pk", "decided", "closed", "unit", "officer", "party", "has_party", "fine", "fee", *_FACT_COLUMNS)}
    officers: dict[tuple, int] = {}
    last = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(f"SELECT {select} FROM {table} WHERE id > %s {where} ORDER BY id LIMIT %s",
                           [last, *params, READ_CHUNK])
            rows = cursor.fetchall()
            if not rows:
                break
            last = rows[-1][0]
            columns = list(zip(*rows))
            del rows
            pk, decided, closed, unit, officer_no, party = columns[:6]
            parts["pk"].append(np.array(pk, dtype=np.int64))
            parts["decided"].append(np.array(decided, dtype=np.int64))
            parts["closed"].append(np.array(closed, dtype=np.int64))
            parts["unit"].append(np.array(unit, dtype=np.int32))
            parts["officer"].append(np.fromiter(
                (officers.setdefault(key, len(officers)) for key in zip(unit, officer_no)), dtype=np.int32,
                count=len(pk)))
            # 当事人只按盲索引分组（存其 hash()，每件 8 字节；500 万个索引串本身要近 1 GB），不留下任何证件号码。
            parts["party"].append(np.fromiter((hash(value) if value else 0 for value in party), dtype=np.int64,
                                              count=len(pk)))
            parts["has_party"].append(np.fromiter((1 if value else 0 for value in party), dtype=np.int8,
                                                  count=len(pk)))
            parts["fine"].append(np.array(columns[6], dtype=np.float32))
            parts["fee"].append(np.array(columns[7], dtype=np.float32))
            for name, values in zip(_FACT_COLUMNS, columns[8:]):
                codes = _CODES.get(name)
                if codes is not None:
                    parts[name].append(np.fromiter((codes.get(v, 0) for v in values), dtype=np.int8, count=len(pk)))
                elif name in ("deaths", "injuries", "points", "impound_days"):
                    parts[name].append(np.array(values, dtype=np.int32))
                else:  # 是/否：空算否
                    parts[name].append(np.fromiter((1 if v else 0 for v in values), dtype=np.int8, count=len(pk)))
    cols = {name: (np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int64)) for name, chunks in parts.items()}
    groups = np.unique(cols["party"], return_inverse=True)[1].reshape(-1).astype(np.int32)
    cols["party"] = np.where(cols.pop("has_party") > 0, groups, -1).astype(np.int32)
    order = np.lexsort((cols["pk"], cols["decided"]))
    return {name: values[order] for name, values in cols.items()}


def _petition_columns(cols: dict[str, np.ndarray], known_by: datetime) -> tuple[np.ndarray, np.ndarray]:
    """截至 known_by 已发生的信访：(引发信访的案件在 cols 中的位置, 首次信访时间秒)。"""
    table = connection.ops.quote_name(CasePetitionLink._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT case_id, MIN({_epoch('petition_at')}) FROM {table} WHERE petition_at <= %s "
                       f"GROUP BY case_id", [connection.ops.adapt_datetimefield_value(known_by)])
        rows = cursor.fetchall()
    if not rows or not len(cols["pk"]):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    case_ids = np.array([r[0] for r in rows], dtype=np.int64)
    moments = np.array([r[1] for r in rows], dtype=np.int64)
    by_pk = np.argsort(cols["pk"])
    sorted_pk = cols["pk"][by_pk]
    at = np.clip(np.searchsorted(sorted_pk, case_ids), 0, len(sorted_pk) - 1)
    found = sorted_pk[at] == case_ids
    return by_pk[at[found]], moments[found]


def column_matrix(cols: dict[str, np.ndarray], known_by: datetime, *, as_of: datetime,
                  rows: slice | None = None, history: np.ndarray | None = None) -> np.ndarray:
    """cols 中（一段）案件的特征矩阵；history 为整列先算好的历史特征（不给则现算）。"""
    if history is None:
        history = history_columns(cols["decided"], cols["officer"], cols["unit"], cols["party"],
                                  *_petition_columns(cols, known_by))
    part = {name: values[rows] for name, values in cols.items()} if rows is not None else cols
    matrix = case_feature_columns(part, as_of=int(as_of.timestamp()))
    matrix[:, [FEATURE_INDEX[h] for h in HISTORY]] = history[rows] if rows is not None else history
    return matrix


def score_cases(*, now: datetime | None = None, chunk: int = WRITE_CHUNK) -> dict:
    """给全部案件重算规则分与风险分、写入前三条理由；有启用的模型时按模型排序，否则按规则。

    按列读、按块算与写：特征矩阵与理由只为当前一块（默认 2 万件）建，峰值内存只随列数组增长。"""
    now = now or clock.now()
    cols = load_columns()
    n = len(cols["pk"])
    history = history_columns(cols["decided"], cols["officer"], cols["unit"], cols["party"],
                              *_petition_columns(cols, now))
    rules = active_rules()
    version = current_model()
    ranker = LearnedRanker.from_dict(version.parameters) if version else None
    tier = RiskTier.LEARNED if ranker else RiskTier.RULES
    write = _score_writer()
    scored_at = connection.ops.adapt_datetimefield_value(now)
    dumps = json.dumps
    for start in range(0, n, chunk):
        rows = slice(start, min(start + chunk, n))
        matrix = column_matrix(cols, now, as_of=now, rows=rows, history=history)
        rule_scores, rule_reasons = rule_score(matrix, rules)
        if ranker:
            learned, learned_reasons = ranker.score(matrix)
            reasons = [(lr or rr)[:3] for lr, rr in zip(learned_reasons, rule_reasons)]
        else:
            learned, reasons = rule_scores, [rr[:3] for rr in rule_reasons]
        params = [(float(r), round(float(s), 6), tier, dumps(why, ensure_ascii=False), scored_at, int(pk))
                  for r, s, why, pk in zip(rule_scores, learned, reasons, cols["pk"][rows])]
        with transaction.atomic(), connection.cursor() as cursor:
            write(cursor, params)
    return {"cases": n, "tier": tier}


_SCORE_COLUMNS = ("rule_score", "risk_score", "risk_tier", "risk_reasons", "scored_at")


def _score_writer():
    """How one chunk of (rule_score, risk_score, risk_tier, risk_reasons, scored_at, id) rows is written.

    SQLite: one prepared UPDATE per row, in one transaction (fast in-process). PostgreSQL: the chunk is
    COPYed into a temporary table and applied by one joined UPDATE — per-row UPDATEs there are parsed and
    executed one by one by the server (930 s for 5M cases under load; at 500k quiet, 102 s → 59 s)."""
    table = connection.ops.quote_name(EnforcementCase._meta.db_table)
    if connection.vendor != "postgresql":
        update = f"UPDATE {table} SET {', '.join(f'{c} = %s' for c in _SCORE_COLUMNS)} WHERE id = %s"
        return lambda cursor, params: cursor.executemany(update, params)

    def copy_then_join(cursor, params) -> None:
        cursor.execute("CREATE TEMPORARY TABLE IF NOT EXISTS screening_scores_chunk (rule_score double precision, "
                       "risk_score double precision, risk_tier varchar(8), risk_reasons text, "
                       "scored_at timestamptz, id bigint)")
        cursor.execute("TRUNCATE screening_scores_chunk")  # also inside a caller's transaction: only this chunk
        with cursor.copy(f"COPY screening_scores_chunk ({', '.join(_SCORE_COLUMNS)}, id) FROM STDIN") as copy:
            for row in params:
                copy.write_row(row)
        cursor.execute(f"UPDATE {table} AS c SET rule_score = s.rule_score, risk_score = s.risk_score, "
                       f"risk_tier = s.risk_tier, risk_reasons = s.risk_reasons::jsonb, scored_at = s.scored_at "
                       f"FROM screening_scores_chunk AS s WHERE c.id = s.id")

    return copy_then_join


def train_model(*, by=None, now: datetime | None = None, k_frac: float = 0.2) -> RiskModelVersion:
    """用本单位自己的历史训练：决定满 90 日的案件，是否在 90 日内引发信访。

    按决定时间取最后 20% 作为留出集；留出集上 precision@k 不低于规则的才启用，否则保存但不启用。
    历史不足（引发信访的案件太少）时抛出 ModelError，页面继续只按规则排序。
    """
    now = now or clock.now()
    cols = load_columns(decided_before=now - HORIZON)
    pet_index, pet_moments = _petition_columns(cols, now)
    labels = np.zeros(len(cols["pk"]), dtype=np.int8)
    decided = cols["decided"][pet_index]
    labels[pet_index[(pet_moments >= decided) & (pet_moments <= decided + int(HORIZON.total_seconds()))]] = 1
    if int(labels.sum()) < 2 * MIN_TRAINING_POSITIVES:
        raise ModelError(f"历史不足：已满 90 日的案件中只有 {int(labels.sum())} 件引发信访"
                         f"（至少需要 {2 * MIN_TRAINING_POSITIVES} 件），暂只按规则排序")
    history = history_columns(cols["decided"], cols["officer"], cols["unit"], cols["party"], pet_index, pet_moments)
    matrix = column_matrix(cols, now, as_of=now, history=history)
    split = int(len(labels) * 0.8)
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
            n_holdout=len(holdout_y), holdout_from=clock.local_date(datetime.fromtimestamp(int(cols["decided"][split]), UTC)),
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

