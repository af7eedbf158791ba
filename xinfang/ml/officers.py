"""Officers who may need support (早期干预): complaints against exposure, within peer groups.

Imports no Django. A flag proposes a conversation, training or a change of post; a
supervisor decides. It is never a sanction, and it never concerns petitioners.

Model (empirical Bayes, gamma–Poisson): officer *i* in peer group *g* had ``actions``
enforcement actions and ``complaints`` complaints; ``complaints ~ Poisson(actions × λᵢ)``
with ``λᵢ ~ Gamma(α_g, β_g)`` fitted to the whole group by moments (Marshall 1991). The
posterior ``Gamma(α + complaints, β + actions)`` shrinks a quiet officer's few events
towards the group rate, so one unlucky complaint does not flag anyone, and a busy officer
is compared per action, not per head: being busy is not a risk.

Levels (after Axon-style early-intervention rules: a threshold and a stronger one):

* ``critical``: P(λ > 2 × group rate) ≥ 0.9 and at least 3 complaints;
* ``warning``:  P(λ > 1.5 × group rate) ≥ 0.8 and at least 2 complaints;
* ``none`` otherwise.

``score`` is the posterior mean of λ over the group rate (1.0 = like the peers).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy import stats

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


def _prior(actions: np.ndarray, complaints: np.ndarray) -> tuple[float, float, float]:
    """Return ``(rate, alpha, beta)`` of the group's gamma prior by moments."""
    total_actions = float(actions.sum())
    rate = float(complaints.sum()) / total_actions if total_actions > 0 else 0.0
    if rate <= 0.0:
        return 0.0, 1.0, 1.0
    exposed = actions > 0
    a, c = actions[exposed], complaints[exposed]
    x = c / a
    s2 = float(np.sum(a * (x - rate) ** 2) / a.sum())
    between = s2 - rate / float(a.mean())  # spread beyond what Poisson noise explains
    # Never a point mass: officers do differ (a coefficient of variation of at least 0.3).
    between = max(between, (rate * 0.3) ** 2)
    return rate, rate**2 / between, rate / between


def flag_officers(activity: Iterable[OfficerActivity], rules: FlagRules | None = None) -> list[OfficerFlag]:
    """Aggregate activity per officer and return one flag per officer, highest score first."""
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
    everyone = _prior(actions, complaints)
    flags: list[OfficerFlag] = []
    for group in sorted(set(groups)):
        members = np.flatnonzero(groups == group)
        small = len(members) < MIN_GROUP
        rate, alpha, beta = everyone if small else _prior(actions[members], complaints[members])
        for i in members:
            flags.append(_flag(officers[i], group, actions[i], int(complaints[i]), rate, alpha, beta, small, rules))
    flags.sort(key=lambda f: (-f.p_critical, -f.score, f.officer_no))
    return flags


def _flag(officer, group, actions, complaints, rate, alpha, beta, small, rules: FlagRules) -> OfficerFlag:
    if rate <= 0.0:
        return OfficerFlag(officer, group, actions, complaints, 1.0, "none", "同组无投诉", 0.0, 0.0)
    shape, inverse_scale = alpha + complaints, beta + actions
    posterior = stats.gamma(shape, scale=1.0 / inverse_scale)
    score = (shape / inverse_scale) / rate
    p_warning = float(posterior.sf(rules.warning_ratio * rate))
    p_critical = float(posterior.sf(rules.critical_ratio * rate))
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
