"""考核得分与排名：按可配置的权重把指标合成一个分数；件数不足的单位不排名；
排名同时给出漏斗图的旗标，小单位的偶然高低不当作好坏。"""

from __future__ import annotations

from dataclasses import dataclass, field

from .compute import Figure
from .funnel import classify
from .registry import BY_KEY, check_weights

# 默认考核权重（合计 100%）。越低越好的指标（重复信访率）按 100 减去其值计分。
DEFAULT_WEIGHTS = {
    "handling_on_time": 25, "acceptance_notice_on_time": 15, "first_time_resolution": 20,
    "three_rate_score": 20, "supervision_feedback_on_time": 10, "repeat_rate": 10,
}
# 排名要求的最少件数（期间内收到或期限到期的事项）：少于此数的单位只列出，不排名。
MIN_MATTERS = 30
SIZE_METRIC = "acceptance_notice_on_time"


def scorable(weights: dict) -> dict:
    weights = check_weights(weights)
    for key in weights:
        metric = BY_KEY[key]
        if metric.kind == "count" or metric.higher_is_better is None:
            raise ValueError(f"“{metric.label}”不能计入得分")
    return weights


@dataclass
class UnitScore:
    unit: object
    name: str
    size: int
    score: float | None
    rank: int | None = None
    parts: dict = field(default_factory=dict)  # 指标 → (值, 计分, 权重)
    flags: dict = field(default_factory=dict)  # 指标 → 漏斗旗标（相对全局，已按好坏方向换算）


def _points(metric_key: str, fig: Figure | None) -> float | None:
    if fig is None or fig.value is None:
        return None
    return fig.value if BY_KEY[metric_key].higher_is_better else 100 - fig.value


def score_units(figures: dict, units: list[tuple[object, str]], *, weights: dict | None = None,
                min_matters: int = MIN_MATTERS, total_key="total") -> list[UnitScore]:
    """units：(单位键, 名称)。返回按得分排好的列表：够件数的先排名，不够的列在后面、rank 为 None。"""
    weights = scorable(weights or DEFAULT_WEIGHTS)
    out = []
    for unit, name in units:
        size_fig = figures.get(SIZE_METRIC, {}).get(unit)
        size = size_fig.denominator if size_fig and size_fig.denominator else 0
        parts, flags = {}, {}
        for key, weight in weights.items():
            fig = figures.get(key, {}).get(unit)
            pts = _points(key, fig)
            if pts is not None:
                parts[key] = (fig.value, pts, weight)
            total = figures.get(key, {}).get(total_key)
            if BY_KEY[key].kind == "rate" and fig and fig.denominator and total and total.denominator:
                flag = classify(fig.numerator, fig.denominator, total.numerator / total.denominator)
                if flag and not BY_KEY[key].higher_is_better:  # 越低越好：高于上限才是差
                    flag = flag.replace("_low", "_x").replace("_high", "_low").replace("_x", "_high")
                flags[key] = flag
        used = sum(w for _, _, w in parts.values())
        score = round(sum(p * w for _, p, w in parts.values()) / used, 2) if used else None
        out.append(UnitScore(unit, name, size, score, parts=parts, flags=flags))
    ranked = sorted((u for u in out if u.size >= min_matters and u.score is not None), key=lambda u: -u.score)
    for i, u in enumerate(ranked, 1):
        u.rank = i
    rest = sorted((u for u in out if u.rank is None), key=lambda u: u.name)
    return ranked + rest
