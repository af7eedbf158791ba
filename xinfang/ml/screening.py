"""Grievance risk of enforcement cases: features, the rule score, the learned ranking, the eval contract.

Imports no Django. Two tiers, each with reasons in Chinese:

* rules — data (code, wording, weight), a case's score is the sum of the weights of the rules
  it meets; an administrator tunes the weights in the database, this module only evaluates.
* learned — a logistic regression on the same facts plus the officer's, the unit's and the
  party's *point-in-time* petition history; its reasons are the features that push a case's
  score up the most. It is stored as plain numbers (JSON), not a pickle.

History features are computed by one time-ordered sweep: a case sees only petitions dated
before its own decision, and the caller passes only outcomes known by the as-of date, so
nothing from the future reaches training or scoring.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import math
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

from .casefile import _parse_date, parse_row, read_rows
from .csvfile import open_text
from .errors import DataError, ModelError

__all__ = ["DEFAULT_RULES", "FEATURES", "LearnedRanker", "Rule", "case_feature_columns", "case_features",
           "history_columns", "history_features",
           "rule_score", "screening_eval", "screening_eval_main", "top_k_metrics"]

# (code, Chinese wording shown as a reason). Order is the column order of the matrix.
FEATURES: tuple[tuple[str, str], ...] = (
    ("is_accident", "交通事故案件"),
    ("is_violation", "违法处理案件"),
    ("is_impound", "扣留车辆案件"),
    ("death", "死亡事故"),
    ("injury", "伤人事故"),
    ("casualties", "伤亡人数较多"),
    ("unpaid", "赔偿未到位"),
    ("partial", "赔偿仅部分到位"),
    ("death_unpaid", "死亡事故且赔偿未到位"),
    ("injury_unpaid", "伤人事故且赔偿未到位"),
    ("hit_and_run_unsolved", "逃逸案件未破"),
    ("resp_undetermined", "事故责任无法认定"),
    ("resp_equal", "同等责任"),
    ("review_requested", "当事人已申请复核"),
    ("contested", "当事人对处理有异议"),
    ("points_ge6", "一次记 6 分以上"),
    ("fine_log", "罚款数额较大"),
    ("non_site_fined", "非现场处罚且罚款 200 元以上"),
    ("impound_long", "扣留超过 30 日"),
    ("impound_log", "扣留时间较长"),
    ("fee_high", "停车费超过 1000 元"),
    ("open_long", "决定后 30 日仍未结案"),
    ("officer_lift", "办案民警以往案件引发信访较多"),
    ("officer_volume", "办案民警办案量大"),
    ("unit_lift", "办案单位以往案件引发信访较多"),
    ("party_prior", "当事人此前有案件引发信访"),
)
FEATURE_INDEX = {code: i for i, (code, _) in enumerate(FEATURES)}
WORDING = dict(FEATURES)
HISTORY = ("officer_lift", "officer_volume", "unit_lift", "party_prior")
# Features that help the ranking but say nothing a person can act on: never shown as a reason.
NOT_A_REASON = frozenset({"is_accident", "is_violation", "is_impound", "officer_volume", "fine_log", "impound_log"})


@dataclass(frozen=True)
class Rule:
    code: str  # a feature code: the rule fires when that feature is positive
    wording: str
    weight: float
    enabled: bool = True


# 排查台账上常见的几类案件，权重是起点，管理员可在配置后台调整。
DEFAULT_RULES: tuple[Rule, ...] = (
    Rule("death_unpaid", "死亡事故且赔偿未到位", 5.0),
    Rule("hit_and_run_unsolved", "逃逸案件未破", 4.0),
    Rule("injury_unpaid", "伤人事故且赔偿未到位", 3.0),
    Rule("review_requested", "当事人已申请复核", 3.0),
    Rule("contested", "当事人对处理有异议", 3.0),
    Rule("party_prior", "当事人此前有案件引发信访", 3.0),
    Rule("resp_undetermined", "事故责任无法认定", 2.0),
    Rule("death", "死亡事故", 2.0),
    Rule("impound_long", "扣留超过 30 日", 2.0),
    Rule("fee_high", "停车费超过 1000 元", 1.0),
    Rule("points_ge6", "一次记 6 分以上", 1.0),
    Rule("partial", "赔偿仅部分到位", 1.0),
    Rule("open_long", "决定后 30 日仍未结案", 1.0),
)


def case_features(case: dict, *, as_of: datetime | None = None) -> list[float]:
    """一件案件自身事实的特征（历史特征另算，先填 0）。`as_of` 用于判断"30 日仍未结案"。"""
    kind = case.get("case_type")
    severity = case.get("severity") or ""
    comp = case.get("compensation") or ""
    decided = case["decided_at"]
    closed = case.get("closed_at")
    limit = decided + timedelta(days=30)
    if as_of is not None and as_of < limit:
        limit = as_of
    is_open_long = (closed is None or closed > limit) and (as_of is None or as_of >= decided + timedelta(days=30))
    fine = float(case.get("fine") or 0)
    days = int(case.get("impound_days") or 0)
    values = {
        "is_accident": kind == "accident",
        "is_violation": kind == "violation",
        "is_impound": kind == "impound",
        "death": severity == "death" or int(case.get("deaths") or 0) > 0,
        "injury": severity == "injury",
        "casualties": min(int(case.get("deaths") or 0) + int(case.get("injuries") or 0), 5) / 5,
        "unpaid": comp == "unpaid",
        "partial": comp == "partial",
        "hit_and_run_unsolved": bool(case.get("hit_and_run")) and not case.get("hit_and_run_solved"),
        "resp_undetermined": case.get("responsibility") == "undetermined",
        "resp_equal": case.get("responsibility") == "equal",
        "review_requested": bool(case.get("review_requested")),
        "contested": bool(case.get("contested")),
        "points_ge6": int(case.get("points") or 0) >= 6,
        "fine_log": math.log1p(fine) / 8,
        "non_site_fined": bool(case.get("non_site")) and fine >= 200,
        "impound_long": days > 30,
        "impound_log": math.log1p(days) / 5,
        "fee_high": float(case.get("fee") or 0) > 1000,
        "open_long": is_open_long,
    }
    values["death_unpaid"] = values["death"] and values["unpaid"]
    values["injury_unpaid"] = values["injury"] and values["unpaid"]
    return [float(values.get(code, 0.0)) for code, _ in FEATURES]


def history_features(cases: Sequence[dict], petitions: dict[str, datetime]) -> np.ndarray:
    """每件案件决定之时的历史：民警、单位以往案件的信访率（相对全局），当事人此前信访次数。

    `petitions` 只应含截至评估日已知的信访（case_no → 首次信访时间）。一次按时间排序的扫描：
    每件案件只看到日期在其决定时间之前的信访。返回 (n, 4) 数组，列序同 HISTORY。
    """
    index = {case["case_no"]: i for i, case in enumerate(cases)}
    events: list[tuple[datetime, int, int]] = []  # (time, kind 0=petition 1=case, case index)
    for i, case in enumerate(cases):
        events.append((case["decided_at"], 1, i))
    for case_no, moment in petitions.items():
        i = index.get(case_no)
        if i is not None:
            events.append((moment, 0, i))
    events.sort(key=lambda e: (e[0], e[1]))
    officer_cases: dict = defaultdict(int)
    officer_pets: dict = defaultdict(int)
    unit_cases: dict = defaultdict(int)
    unit_pets: dict = defaultdict(int)
    party_pets: dict = defaultdict(int)
    total_cases = total_pets = 0
    out = np.zeros((len(cases), len(HISTORY)), dtype=np.float32)
    for _, kind, i in events:
        case = cases[i]
        officer = (case["department_code"], case["officer_no"])
        unit = case["department_code"]
        party = case.get("party_id") or ""
        if kind == 0:
            officer_pets[officer] += 1
            unit_pets[unit] += 1
            total_pets += 1
            if party:
                party_pets[party] += 1
            continue
        rate = (total_pets + 1) / (total_cases + 20)
        out[i, 0] = math.log((officer_pets[officer] + 1) / (officer_cases[officer] * rate + 1))
        out[i, 1] = math.log1p(officer_cases[officer]) / 8
        out[i, 2] = math.log((unit_pets[unit] + 1) / (unit_cases[unit] * rate + 1))
        out[i, 3] = min(party_pets[party], 3) if party else 0
        officer_cases[officer] += 1
        unit_cases[unit] += 1
        total_cases += 1
    return out


def feature_matrix(cases: Sequence[dict], petitions: dict[str, datetime], *, as_of: datetime) -> np.ndarray:
    matrix = np.array([case_features(c, as_of=as_of) for c in cases], dtype=np.float32).reshape(len(cases), len(FEATURES))
    if len(cases):
        matrix[:, [FEATURE_INDEX[h] for h in HISTORY]] = history_features(cases, petitions)
    return matrix


# -- 按列计算（评分几百万件时用：不建每件一个字典，峰值内存只随列数组增长） ----------------------

CASE_TYPE_CODES = {"accident": 1, "violation": 2, "impound": 3}
SEVERITY_CODES = {"property": 1, "injury": 2, "death": 3}
COMPENSATION_CODES = {"paid": 1, "partial": 2, "unpaid": 3}
RESPONSIBILITY_CODES = {"full": 1, "major": 2, "equal": 3, "minor": 4, "none": 5, "undetermined": 6}
THIRTY_DAYS = 30 * 86400


def case_feature_columns(cols: dict[str, np.ndarray], *, as_of: int) -> np.ndarray:
    """与 case_features 逐件算出的相同，但整列一起算。

    `cols`：case_type/severity/compensation/responsibility 为上面的整数码（0 = 空），
    decided/closed 为秒（closed 未结案为 -1），其余为数值列（是/否为 1/0，空为 0）。`as_of` 为秒。
    历史特征的列先填 0（history_columns 另算）。"""
    n = len(cols["decided"])
    out = np.zeros((n, len(FEATURES)), dtype=np.float32)
    kind, sev, comp, resp = cols["case_type"], cols["severity"], cols["compensation"], cols["responsibility"]
    deaths, injuries = cols["deaths"].astype(np.int64), cols["injuries"].astype(np.int64)
    fine, days = cols["fine"].astype(np.float64), cols["impound_days"].astype(np.int64)
    decided, closed = cols["decided"], cols["closed"]

    def put(code, values):
        out[:, FEATURE_INDEX[code]] = values

    death = (sev == 3) | (deaths > 0)
    injury = sev == 2
    unpaid = comp == 3
    put("is_accident", kind == 1)
    put("is_violation", kind == 2)
    put("is_impound", kind == 3)
    put("death", death)
    put("injury", injury)
    put("casualties", np.minimum(deaths + injuries, 5) / 5)
    put("unpaid", unpaid)
    put("partial", comp == 2)
    put("death_unpaid", death & unpaid)
    put("injury_unpaid", injury & unpaid)
    put("hit_and_run_unsolved", (cols["hit_and_run"] > 0) & ~(cols["hit_and_run_solved"] > 0))
    put("resp_undetermined", resp == 6)
    put("resp_equal", resp == 3)
    put("review_requested", cols["review_requested"] > 0)
    put("contested", cols["contested"] > 0)
    put("points_ge6", cols["points"] >= 6)
    put("fine_log", np.log1p(fine) / 8)
    put("non_site_fined", (cols["non_site"] > 0) & (fine >= 200))
    put("impound_long", days > 30)
    put("impound_log", np.log1p(days) / 5)
    put("fee_high", cols["fee"] > 1000)
    due = decided + THIRTY_DAYS
    put("open_long", (as_of >= due) & ((closed < 0) | (closed > due)))
    return out


def _group_cumcount(groups: np.ndarray) -> np.ndarray:
    """每个元素之前（按数组顺序）同组元素的个数。"""
    order = np.argsort(groups, kind="stable")
    ordered = groups[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    sizes = np.diff(np.r_[starts, len(groups)])
    rank = np.arange(len(groups)) - np.repeat(starts, sizes)
    out = np.empty(len(groups), dtype=np.int64)
    out[order] = rank
    return out


def _petitions_before(groups: np.ndarray, moments: np.ndarray, pet_groups: np.ndarray,
                      pet_moments: np.ndarray, base: int) -> np.ndarray:
    """每件案件：同组、时间不晚于其决定时间的信访数。组号与时间拼成一个整数键后二分查找。"""
    shift = np.int64(1) << np.int64(34)
    keys = np.sort(pet_groups.astype(np.int64) * shift + (pet_moments - base))
    first = groups.astype(np.int64) * shift
    return np.searchsorted(keys, first + (moments - base), side="right") - np.searchsorted(keys, first, side="left")


def history_columns(decided: np.ndarray, officer: np.ndarray, unit: np.ndarray, party: np.ndarray,
                    pet_index: np.ndarray, pet_moments: np.ndarray) -> np.ndarray:
    """与 history_features 相同的结果，整列计算。案件须已按 (决定时间, 主键) 排好。

    decided：秒；officer、unit：整数组号；party：当事人组号（-1 = 无证件号码）；
    pet_index / pet_moments：引发信访的案件在数组中的位置与首次信访时间（秒，只含截至评估日已知的）。
    信访与案件同一秒时，信访算在前（与逐件扫描的排序一致）。"""
    n = len(decided)
    out = np.zeros((n, len(HISTORY)), dtype=np.float32)
    if not n:
        return out
    decided = decided.astype(np.int64)
    pet_moments = pet_moments.astype(np.int64)
    base = int(min(decided.min(), pet_moments.min() if len(pet_moments) else decided.min())) - 1
    total_pets = np.searchsorted(np.sort(pet_moments), decided, side="right")
    rate = (total_pets + 1) / (np.arange(n) + 20)
    officer_cases = _group_cumcount(officer)
    unit_cases = _group_cumcount(unit)
    officer_pets = _petitions_before(officer, decided, officer[pet_index], pet_moments, base)
    unit_pets = _petitions_before(unit, decided, unit[pet_index], pet_moments, base)
    has_party = party >= 0
    pet_party = party[pet_index]
    keep = pet_party >= 0
    party_pets = _petitions_before(np.where(has_party, party, 0), decided, pet_party[keep], pet_moments[keep], base)
    out[:, 0] = np.log((officer_pets + 1) / (officer_cases * rate + 1))
    out[:, 1] = np.log1p(officer_cases) / 8
    out[:, 2] = np.log((unit_pets + 1) / (unit_cases * rate + 1))
    out[:, 3] = np.where(has_party, np.minimum(party_pets, 3), 0)
    return out


def rule_score(matrix: np.ndarray, rules: Iterable[Rule]) -> tuple[np.ndarray, list[list[str]]]:
    """规则分 = 命中规则的权重之和；理由 = 命中的规则按权重从大到小的措辞。"""
    scores = np.zeros(len(matrix), dtype=np.float64)
    fired: list[list[tuple[float, str]]] = [[] for _ in range(len(matrix))]
    for rule in rules:
        if not rule.enabled or rule.code not in FEATURE_INDEX:
            continue
        hits = np.flatnonzero(matrix[:, FEATURE_INDEX[rule.code]] > 0)
        scores[hits] += rule.weight
        for i in hits:
            fired[i].append((rule.weight, rule.wording))
    reasons = [[w for _, w in sorted(f, key=lambda p: -p[0])] for f in fired]
    return scores, reasons


@dataclass
class LearnedRanker:
    """标准化后的逻辑回归；以纯数字保存（coef/intercept/mean/scale），理由取贡献最大的特征。"""

    coef: list[float] = field(default_factory=list)
    intercept: float = 0.0
    mean: list[float] = field(default_factory=list)
    scale: list[float] = field(default_factory=list)
    features: list[str] = field(default_factory=lambda: [code for code, _ in FEATURES])

    @classmethod
    def fit(cls, matrix: np.ndarray, labels: np.ndarray, *, C: float = 1.0) -> "LearnedRanker":
        from sklearn.linear_model import LogisticRegression

        labels = np.asarray(labels, dtype=int)
        if labels.min(initial=0) == labels.max(initial=0) or len(set(labels.tolist())) < 2:
            raise ModelError("训练数据只有一类结果，无法训练排序模型")
        mean = matrix.mean(axis=0)
        scale = matrix.std(axis=0)
        scale[scale == 0] = 1.0
        model = LogisticRegression(C=C, max_iter=500)
        model.fit((matrix - mean) / scale, labels)
        return cls(coef=model.coef_[0].tolist(), intercept=float(model.intercept_[0]),
                   mean=mean.tolist(), scale=scale.tolist())

    def to_dict(self) -> dict:
        return {"format": "xinfang-screening-lr", "format_version": 1, "coef": self.coef,
                "intercept": self.intercept, "mean": self.mean, "scale": self.scale, "features": self.features}

    @classmethod
    def from_dict(cls, payload: dict) -> "LearnedRanker":
        if payload.get("format") != "xinfang-screening-lr" or payload.get("format_version") != 1:
            raise ModelError("不是可用的案件风险模型（格式或版本不符）")
        if payload.get("features") != [code for code, _ in FEATURES]:
            raise ModelError("案件风险模型的特征与当前版本不符，请重新训练")
        return cls(coef=payload["coef"], intercept=payload["intercept"], mean=payload["mean"],
                   scale=payload["scale"], features=payload["features"])

    def contributions(self, matrix: np.ndarray) -> np.ndarray:
        return (matrix - np.asarray(self.mean)) / np.asarray(self.scale) * np.asarray(self.coef)

    def score(self, matrix: np.ndarray, *, reasons: int = 3) -> tuple[np.ndarray, list[list[str]]]:
        """返回 (概率, 每件的前几条理由)。理由只取把分数推高的特征，且该特征在本案确实存在。"""
        if not len(matrix):
            return np.zeros(0), []
        parts = self.contributions(matrix)
        logits = parts.sum(axis=1) + self.intercept
        probabilities = 1.0 / (1.0 + np.exp(-logits))
        shown = parts.copy()
        shown[:, [j for j, code in enumerate(self.features) if code in NOT_A_REASON]] = -np.inf
        top = np.argsort(-shown, axis=1)[:, :reasons]
        words = []
        for i in range(len(matrix)):
            words.append([WORDING[self.features[j]] for j in top[i] if shown[i, j] > 0.05 and matrix[i, j] > 0])
        return probabilities, words


def top_k_metrics(scores: np.ndarray, truth: np.ndarray, k: int) -> tuple[float, float]:
    """(precision@k, recall@k)；分数相同时按原顺序（稳定排序），不偏向任何一方。"""
    if k <= 0 or not len(scores):
        return 0.0, 0.0
    order = np.argsort(-scores, kind="stable")[:k]
    hits = float(truth[order].sum())
    positives = float(truth.sum())
    return hits / k, (hits / positives if positives else 0.0)


def labels_within(cases: Sequence[dict], petitions: dict[str, datetime], horizon: timedelta) -> np.ndarray:
    out = np.zeros(len(cases), dtype=np.int8)
    for i, case in enumerate(cases):
        moment = petitions.get(case["case_no"])
        if moment is not None and case["decided_at"] <= moment <= case["decided_at"] + horizon:
            out[i] = 1
    return out


MIN_TRAINING_POSITIVES = 30


def read_cases_file(path: str | Path) -> tuple[list[dict], int]:
    """读取导入格式的案件文件；返回 (有效案件, 跳过的行数)。同一案件编号只取第一行。"""
    header, rows = read_rows(path)
    cases, skipped, seen = [], 0, set()
    for number, cells in rows:
        case, problems = parse_row(number, header, cells)
        if case is None or case["case_no"] in seen:
            skipped += 1
            continue
        seen.add(case["case_no"])
        cases.append(case)
    return cases, skipped


def read_outcomes_file(path: str | Path) -> dict[str, datetime]:
    """OUTCOMES：case_no,petition_date（可用中文表头 案件编号,信访日期）；同一案件取最早一次。
    UTF-8 或 Excel/WPS 另存的 GBK 均可（见 csvfile）。"""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"文件不存在：{path}")
    out: dict[str, datetime] = {}
    number = 1
    try:
        with open_text(path) as handle:
            reader = csv.DictReader(handle)
            names = {n.strip().lower(): n for n in (reader.fieldnames or [])}
            case_col = names.get("case_no") or names.get("案件编号")
            date_col = names.get("petition_date") or names.get("信访日期")
            if not case_col or not date_col:
                raise DataError("OUTCOMES 文件第 1 行：应有 case_no,petition_date 两列")
            for number, row in enumerate(reader, start=2):
                case_no = (row.get(case_col) or "").strip()
                raw = (row.get(date_col) or "").strip()
                if not case_no or not raw:
                    continue
                try:
                    moment = _parse_date(raw)
                except ValueError as exc:
                    raise DataError(f"OUTCOMES 文件第 {number} 行「petition_date」列值「{raw}」：{exc}") from None
                if case_no not in out or moment < out[case_no]:
                    out[case_no] = moment
    except (UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"OUTCOMES 文件第 {number + 1} 行附近：不是有效的 CSV 文件（UTF-8 或 GBK）：{exc}") from None
    return out


def screening_eval(cases_path, outcomes_path, *, as_of: date, horizon_days: int = 90, k_frac: float = 0.2,
                   rules: Iterable[Rule] = DEFAULT_RULES) -> dict:
    """评估契约：只用截至 as_of 已知的信访训练，给 as_of 前 30 日决定的案件打分，与真实结果比较。"""
    if not 0 < k_frac <= 1:
        raise DataError("--k-frac 应在 0 与 1 之间")
    if horizon_days <= 0:
        raise DataError("--horizon-days 应为正整数")
    cutoff = datetime.combine(as_of, datetime.min.time())
    horizon = timedelta(days=horizon_days)
    cases, _ = read_cases_file(cases_path)
    cases = [c for c in cases if c["decided_at"] < cutoff]
    cases.sort(key=lambda c: (c["decided_at"], c["case_no"]))
    all_outcomes = read_outcomes_file(outcomes_path)
    # 截至 as_of 才知道的信访：训练与历史特征只用这些。
    known = {no: moment for no, moment in all_outcomes.items() if moment <= cutoff}
    decided = [c["decided_at"] for c in cases]
    train_end = bisect.bisect_left(decided, cutoff - horizon)
    score_start = bisect.bisect_left(decided, cutoff - timedelta(days=30))
    started = time.perf_counter()
    matrix = feature_matrix(cases, known, as_of=cutoff)
    train_x, train_y = matrix[:train_end], labels_within(cases[:train_end], known, horizon)
    score_x = matrix[score_start:]
    truth = labels_within(cases[score_start:], all_outcomes, horizon)
    rules = list(rules)
    ranker = None
    if int(train_y.sum()) >= MIN_TRAINING_POSITIVES and int(train_y.sum()) < len(train_y):
        ranker = LearnedRanker.fit(train_x, train_y)
    train_seconds = time.perf_counter() - started
    started = time.perf_counter()
    rule_scores, _ = rule_score(score_x, rules)
    learned = ranker.score(score_x)[0] if ranker is not None else rule_scores
    score_seconds = time.perf_counter() - started
    n = len(score_x)
    k = max(1, int(round(k_frac * n))) if n else 0
    precision, recall = top_k_metrics(learned, truth, k)
    rule_precision, rule_recall = top_k_metrics(rule_scores, truth, k)
    auc = None
    if n and 0 < truth.sum() < n:
        from sklearn.metrics import roc_auc_score

        auc = round(float(roc_auc_score(truth, learned)), 4)
    return {
        "n_scored": n, "base_rate": round(float(truth.mean()), 4) if n else 0.0, "k": k,
        "precision_at_k": round(precision, 4), "recall_at_k": round(recall, 4),
        "rule_precision_at_k": round(rule_precision, 4), "rule_recall_at_k": round(rule_recall, 4),
        "auc": auc, "train_seconds": round(train_seconds, 3), "score_seconds": round(score_seconds, 3),
    }


def screening_eval_main(argv: Sequence[str] | None = None) -> int:
    """``screening-eval --cases C.csv --outcomes O.csv --as-of YYYY-MM-DD``：只打印一行 JSON。"""
    from .cli import _Parser, _run

    parser = _Parser(prog="xinfang screening-eval", description="在两个文件上训练并评估案件信访风险排序")
    parser.add_argument("--cases", required=True, type=Path, help="案件文件（导入格式，CSV 或 .xlsx）")
    parser.add_argument("--outcomes", required=True, type=Path, help="信访结果 CSV（case_no,petition_date）")
    parser.add_argument("--as-of", required=True, help="评估日 YYYY-MM-DD")
    parser.add_argument("--horizon-days", type=int, default=90)
    parser.add_argument("--k-frac", type=float, default=0.2)

    def action(args: argparse.Namespace) -> dict:
        try:
            as_of = datetime.strptime(args.as_of, "%Y-%m-%d").date()
        except ValueError:
            raise DataError(f"--as-of 值「{args.as_of}」不是 YYYY-MM-DD 格式的日期") from None
        return screening_eval(args.cases, args.outcomes, as_of=as_of, horizon_days=args.horizon_days,
                              k_frac=args.k_frac)

    return _run(parser, argv, action)
