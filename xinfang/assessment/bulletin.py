"""月度通报：点名得分最高与最低的单位，并写明是哪几项指标让它们排在那里。"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from xinfang.core import clock
from xinfang.org.models import Department

from .compute import TOTAL, compute_period
from .funnel import LABELS
from .registry import BY_KEY
from .scoring import MIN_MATTERS, UnitScore, score_units


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def peer_units() -> list[Department]:
    """参加排名的单位：根部门的直接下级（各大队、科室），各自含其下级。"""
    roots = Department.objects.filter(parent__isnull=True).values_list("pk", flat=True)
    return list(Department.objects.filter(parent_id__in=roots, is_active=True).order_by("path"))


@dataclass
class Reason:
    metric: str
    label: str
    value: float
    bureau: float | None
    flag: str

    @property
    def text(self) -> str:
        bureau = f"，全局 {self.bureau:g}%" if self.bureau is not None else ""
        flag = f"（{LABELS[self.flag]}）" if self.flag else ""
        unit = "" if BY_KEY[self.metric].kind == "count" else "%"
        return f"{self.label} {self.value:g}{unit}{bureau}{flag}"


@dataclass
class Bulletin:
    start: date
    end: date
    provisional: bool
    scores: list[UnitScore]
    best: list[tuple[UnitScore, list[Reason]]]
    lowest: list[tuple[UnitScore, list[Reason]]]

    def paragraphs(self) -> list[str]:
        head = f"{self.start:%Y年%m月}信访工作考核通报" + ("（月份未结束，数据为暂定）" if self.provisional else "")
        lines = [head]
        ranked = [s for s in self.scores if s.rank]
        lines.append(f"参加排名的单位 {len(ranked)} 个（期间内事项不足 {MIN_MATTERS} 件的单位不排名）。")
        for title, group in (("表扬", self.best), ("通报", self.lowest)):
            for s, reasons in group:
                lines.append(f"{title}：{s.name}，得分 {s.score:g}，第 {s.rank} 名。主要因为："
                             + "；".join(r.text for r in reasons) + "。")
        return lines


def _reasons(score: UnitScore, figures: dict, *, best: bool, top: int = 2) -> list[Reason]:
    """对得分贡献偏离全局最多的指标（最好的看高出的，最低的看拖后腿的）。"""
    rows = []
    for key, (value, points, weight) in score.parts.items():
        total = figures[key].get(TOTAL)
        bureau = total.value if total else None
        bureau_points = None if bureau is None else (bureau if BY_KEY[key].higher_is_better else 100 - bureau)
        gap = (points - bureau_points) * weight if bureau_points is not None else 0
        rows.append((gap, Reason(key, BY_KEY[key].label, value, bureau, score.flags.get(key, ""))))
    rows.sort(key=lambda r: -r[0] if best else r[0])
    return [r for gap, r in rows[:top] if (gap > 0 if best else gap < 0)] or [r for _, r in rows[:1]]


def monthly_bulletin(year: int, month: int, *, as_of: date | None = None, weights: dict | None = None,
                     min_matters: int = MIN_MATTERS, count: int = 1, figures: dict | None = None) -> Bulletin:
    as_of = as_of or clock.today()
    start, end = month_bounds(year, month)
    if figures is None:
        figures = compute_period(start, end, as_of=as_of)
    scores = score_units(figures, [(d.pk, d.name) for d in peer_units()], weights=weights, min_matters=min_matters)
    ranked = [s for s in scores if s.rank]
    best = [(s, _reasons(s, figures, best=True)) for s in ranked[:count]]
    lowest = [(s, _reasons(s, figures, best=False)) for s in ranked[::-1][:count] if len(ranked) > 1]
    return Bulletin(start, end, end >= as_of, scores, best, lowest)
