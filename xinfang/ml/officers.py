"""Officers who may need support (早期干预): complaints against exposure, within peer groups.

Imports no Django. A flag proposes a conversation, training or a change of post; a
supervisor decides. It is never a sanction, and it never concerns petitioners.

Model (empirical Bayes): officer *i* in peer group *g* had ``actions`` enforcement actions and
``complaints`` complaints; ``complaints ~ Poisson(actions × r_g × ρᵢ)``, where ``r_g`` is the
group's complaints per action and ``ρᵢ`` the officer's relative risk. The distribution of ρ
is estimated from all officers together (each against their own group's rate) as the
nonparametric maximum-likelihood mixing distribution on a grid (Kiefer–Wolfowitz; EM as in
Laird 1978), so it takes whatever shape the officers have — most near 1 and a few well above
— instead of a gamma fixed by two moments. Each officer's posterior over ρ shrinks a quiet
officer's few events towards the peers, so one unlucky complaint does not flag anyone, and
a busy officer is compared per action, not per head: being busy is not a risk.

Levels (after Axon-style early-intervention rules: a threshold and a stronger one):

* ``critical``: P(ρ > 2) ≥ 0.9 and at least 3 complaints;
* ``warning``:  P(ρ > 1.5) ≥ 0.8 and at least 2 complaints;
* ``none`` otherwise.

``score`` is the posterior mean of ρ (1.0 = like the peers). Officers are listed by P(ρ > 2), then score.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

__all__ = ["OfficerActivity", "OfficerFlag", "FlagRules", "flag_officers"]

MIN_GROUP = 5  # smaller peer groups borrow the prior of all officers


@dataclass(frozen=True)
class OfficerActivity:
    officer_no: str
    peer_group: str
    actions: float
    complaints: int


@dataclass(frozen=True)
class FlagRules:
    warning_ratio: float = 1.5
    warning_probability: float = 0.8
    warning_min: int = 2
    critical_ratio: float = 2.0
    critical_probability: float = 0.9
    critical_min: int = 3


@dataclass(frozen=True)
class OfficerFlag:
    officer_no: str
    peer_group: str
    actions: float
    complaints: int
    score: float
    level: str  # none / warning / critical
    reasons: str
    p_warning: float
    p_critical: float


GRID = np.exp(np.linspace(math.log(0.02), math.log(50.0), 160))  # relative risks ρ the mixture may use
EM_STEPS = 300


def _group_rate(actions: np.ndarray, complaints: np.ndarray) -> float:
    total = float(actions.sum())
    return float(complaints.sum()) / total if total > 0 else 0.0


def _log_likelihood(expected: np.ndarray, complaints: np.ndarray) -> np.ndarray:
    """log P(complaints | ρ) for every officer (rows) and grid point (columns), up to a per-row constant."""
    lam = expected[:, None] * GRID[None, :]
    with np.errstate(divide="ignore"):
        return complaints[:, None] * np.log(np.maximum(lam, 1e-300)) - lam


def _posterior(loglik: np.ndarray, mixing: np.ndarray) -> np.ndarray:
    logp = loglik + np.log(np.maximum(mixing, 1e-300))[None, :]
    logp -= logp.max(axis=1, keepdims=True)
    p = np.exp(logp)
    return p / p.sum(axis=1, keepdims=True)


def _mixing(loglik: np.ndarray) -> np.ndarray:
    """NPMLE of the distribution of ρ on GRID by EM, started from a spread around 1."""
    mixing = np.exp(-0.5 * (np.log(GRID) / 0.5) ** 2)
    mixing /= mixing.sum()
    for _ in range(EM_STEPS):
        mixing = _posterior(loglik, mixing).mean(axis=0)
    return mixing


def flag_officers(activity: Iterable[OfficerActivity], rules: FlagRules | None = None) -> list[OfficerFlag]:
    """Aggregate activity per officer and return one flag per officer, highest P(ρ > 2) first."""
    rules = rules or FlagRules()
    totals: dict[str, list] = {}
    for row in activity:
        entry = totals.setdefault(row.officer_no, [row.peer_group, 0.0, 0])
        entry[1] += row.actions
        entry[2] += row.complaints
    if not totals:
        return []
    officers = list(totals)
    groups = np.array([totals[o][0] for o in officers], dtype=object)
    actions = np.array([totals[o][1] for o in officers], dtype=float)
    complaints = np.array([totals[o][2] for o in officers], dtype=float)
    everyone = _group_rate(actions, complaints)
    rate = np.zeros(len(officers))
    small = np.zeros(len(officers), dtype=bool)
    for group in set(groups):
        members = np.flatnonzero(groups == group)
        small[members] = len(members) < MIN_GROUP
        rate[members] = everyone if small[members[0]] else _group_rate(actions[members], complaints[members])
    # No exposure (no actions recorded) or a group without complaints says nothing about ρ:
    # such officers are left out of the fit and get the fitted distribution itself.
    informative = (actions > 0) & (rate > 0)
    loglik = _log_likelihood(actions * rate, complaints)
    mixing = _mixing(loglik[informative]) if informative.any() else np.full(len(GRID), 1.0 / len(GRID))
    posterior = _posterior(loglik, mixing)
    posterior[~informative] = mixing
    flags = [_flag(officers[i], groups[i], actions[i], int(complaints[i]), rate[i], posterior[i], small[i], rules)
             for i in range(len(officers))]
    flags.sort(key=lambda f: (-f.p_critical, -f.score, f.officer_no))
    return flags


def _flag(officer, group, actions, complaints, rate, posterior, small, rules: FlagRules) -> OfficerFlag:
    if rate <= 0.0:
        return OfficerFlag(officer, group, actions, complaints, 1.0, "none", "同组无投诉", 0.0, 0.0)
    score = float(posterior @ GRID)
    p_warning = float(posterior[GRID > rules.warning_ratio].sum())
    p_critical = float(posterior[GRID > rules.critical_ratio].sum())
    if p_critical >= rules.critical_probability and complaints >= rules.critical_min:
        level = "critical"
    elif p_warning >= rules.warning_probability and complaints >= rules.warning_min:
        level = "warning"
    else:
        level = "none"
    per_hundred = 100.0 * complaints / actions if actions > 0 else math.inf
    peers = "全体民警" if small else f"同组（{group}）"
    parts = [
        f"投诉 {complaints} 件，执法 {actions:g} 起"
        + (f"，每百起 {per_hundred:.2f} 件" if actions > 0 else "，无执法记录"),
        f"{peers}每百起 {100 * rate:.2f} 件",
        f"按执法量收缩估计为{'全体' if small else '同组'}平均的 {score:.2f} 倍",
    ]
    if level == "critical":
        parts.append(f"超过 {rules.critical_ratio:g} 倍的概率 {p_critical:.0%}，建议单位负责人谈心谈话并复核近期案件")
    elif level == "warning":
        parts.append(f"超过 {rules.warning_ratio:g} 倍的概率 {p_warning:.0%}，建议关注、必要时培训")
    elif complaints and actions > 0 and per_hundred > 100 * rate:
        parts.append("高于同组但可能出于偶然（投诉少或执法少），不提示")
    if small:
        parts.append(f"该组不足 {MIN_GROUP} 人，以全体民警为参照")
    parts.append("仅供参考，由主管领导研判处置，不作为处分依据")
    return OfficerFlag(officer, group, actions, complaints, score, level, "；".join(parts), p_warning, p_critical)
