"""指标登记表：每个考核指标在这里定义一次——分子、分母、按哪个日期计入期间、排除什么、依据哪一条。

页面、通报、月报、`xinfang metrics` 都从这里取数，下钻列出的就是 `select` 选中的那些记录，
所以一个数字在哪里都只有一个意思。每个指标的 `select(记录, 期间)` 返回：
None —— 不计入（不在分母）；True / False —— 计入分母，且是否计入分子。计数类指标只看 True。
事实只来自 facts.py。
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable

from django.core.exceptions import ValidationError

from .facts import (SATISFIED_VALUES, ExecutionFact, Facts, MatterFact, OrderFact, ReceptionFact, ScreeningFact,
                    VisitFact)
from xinfang.petitions.models import MatterType, Status as S

# 初信初访一次性化解：答复送达后多少天内没有再来、没有请求复查、没有不满意评价。
FIRST_RESOLUTION_WINDOW_DAYS = 90


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    kind: str  # "rate"（百分比）/ "count"（件数）/ "composite"（加权综合分）
    source: str  # "matters" / "visits" / "orders" / "receptions" / "executions"
    basis: str  # 依据的条文或规则
    counted_by: str  # 按哪个日期计入期间
    numerator: str
    denominator: str
    exclusions: str
    select: Callable | None = None
    # True：越高越好（可计入考核得分）；False：越低越好；None：只作观察（如负责人接待占比）
    higher_is_better: bool | None = True

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("key", "label", "kind", "source", "basis", "counted_by",
                                               "numerator", "denominator", "exclusions", "higher_is_better")}


def _in(day: date | None, p: Facts) -> bool:
    return day is not None and p.start <= day <= p.end


def _months_before(day: date, months: int) -> date:
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    m += 1
    import calendar

    return date(y, m, min(day.day, calendar.monthrange(y, m)[1]))


# -- 各指标的选择规则 ------------------------------------------------------------------


def _notice_on_time(m: MatterFact, p: Facts):
    if not _in(m.received_on, p) or m.acceptance_due is None:
        return None
    if m.decided_on is None and m.acceptance_due >= p.as_of:
        return None  # 告知期限未到、尚未决定：还不能判断
    return m.decided_on is not None and m.decided_on <= m.acceptance_due


def _handling_on_time(m: MatterFact, p: Facts):
    # 只有申诉求决类走60日办理期限；建议意见类、检举控告类没有这个时钟，不在分母。
    if m.matter_type != MatterType.COMPLAINT or not _in(m.handling_due, p):
        return None
    made = m.reply_decided_on  # 处理意见作出即"办结"；送达是另一件事（第三十五条的请求期限由它起算）
    if made is None and m.handling_due >= p.as_of:
        return None  # 期限未到（办理中的听证不停钟：听证中的事项照常计）
    return made is not None and made <= m.handling_due


def _first_time_resolved(m: MatterFact, p: Facts):
    if not _in(m.replied_on, p):
        return None
    window_end = m.replied_on + timedelta(days=FIRST_RESOLUTION_WINDOW_DAYS)
    repeated = any(d <= window_end for d in m.repeat_dates)
    reviewed = m.review_requested_on is not None and m.review_requested_on <= window_end
    return not (repeated or reviewed or m.unsatisfied)


def _repeat(m: MatterFact, p: Facts):
    return bool(m.repeat_dates) if _in(m.received_on, p) else None


def _skip_level(m: MatterFact, p: Facts):
    return True if _in(m.received_on, p) and m.is_skip_level else None


def _collective(m: MatterFact, p: Facts):
    return True if _in(m.received_on, p) and m.is_collective else None


def _backlog(months: int):
    def select(m: MatterFact, p: Facts):
        if m.received_on >= _months_before(p.start, months):
            return None
        if m.status in (S.DECLINED, S.TRANSFERRED, S.DIVERTED) and m.finished_on is None:
            return None
        if m.finished_on is not None and m.finished_on < p.start:
            return None  # 期间开始前已了结，不是积案
        return m.finished_on is not None and m.finished_on <= p.end
    return select


def _overturned(m: MatterFact, p: Facts):
    # 期间内作出的最近一项复查（复核）意见为准：同一事项在期间内先复查后复核只计一次。
    in_period = [overturned for day, overturned in m.reviews if _in(day, p)]
    return in_period[-1] if in_period else None


def _visit_due(v: VisitFact, p: Facts) -> bool:
    return _in(v.replied_on, p) and (v.done or v.due_on < p.as_of)


def _visited(v: VisitFact, p: Facts):
    return v.done if _visit_due(v, p) else None


def _responded(v: VisitFact, p: Facts):
    return v.reached_in_time if _visit_due(v, p) else None


def _solved(v: VisitFact, p: Facts):
    return v.solved == "yes" if _in(v.replied_on, p) and v.solved else None


def _satisfied(v: VisitFact, p: Facts):
    return v.satisfaction in SATISFIED_VALUES if _in(v.replied_on, p) and v.satisfaction else None


def _feedback_on_time(o: OrderFact, p: Facts):
    if not _in(o.issued_on, p):
        return None
    if o.first_feedback_on is None and o.due_on >= p.as_of:
        return None
    return o.first_feedback_on is not None and o.first_feedback_on <= o.due_on


def _order_closed(o: OrderFact, p: Facts):
    return True if _in(o.closed_on, p) else None


def _head_reception(r: ReceptionFact, p: Facts):
    return r.by_head if _in(r.received_on, p) else None


def _head_handling(m: MatterFact, p: Facts):
    return m.drafted_by_head if _in(m.replied_on, p) and m.drafted_by_head is not None else None


def _execution_done(e: ExecutionFact, p: Facts):
    return True if _in(e.done_on, p) else None


def _screening_due(s: ScreeningFact, p: Facts) -> bool:
    # 应完成日期已过，或已经判定：还在 5 个工作日内且未判定的不能算没完成。
    return _in(s.due_on, p) and (s.marked_on is not None or s.due_on < p.as_of)


def _screened(s: ScreeningFact, p: Facts):
    return s.marked_on is not None if _screening_due(s, p) else None


def _screened_on_time(s: ScreeningFact, p: Facts):
    return s.on_time if _screening_due(s, p) else None


def _grassroots(m: MatterFact, p: Facts):
    if not _in(m.finished_on, p):
        return None
    return m.grassroots and m.review_requested_on is None


# -- 登记表 ------------------------------------------------------------------------------

THREE_RATES = ("response_rate", "resolution_rate", "satisfaction_rate")
# 北京市接诉即办"三率"考评的默认权重：响应率 10%、解决率 45%、满意率 45%。部署可改（合计须为 100）。
DEFAULT_THREE_RATE_WEIGHTS = {"response_rate": 10, "resolution_rate": 45, "satisfaction_rate": 45}

METRICS: tuple[Metric, ...] = (
    Metric("acceptance_notice_on_time", "按期受理告知率", "rate", "matters",
           "《信访工作条例》第二十三条：收到之日起15日内告知是否受理", "收到日期",
           "在告知期限内作出受理、不予受理、转送或分类处理决定的事项", "期间内收到的事项",
           "告知期限未到且尚未决定的不计", _notice_on_time),
    Metric("handling_on_time", "按期办结率", "rate", "matters",
           "《信访工作条例》第三十四条：受理之日起60日内办结（含依法延期）", "办理期限届满日",
           "处理意见在办理期限内作出的事项（看作出日期，不看送达日期）", "办理期限落在期间内的申诉求决类事项",
           "期限未到且未作出处理意见的不计；建议意见类、检举控告类没有60日办理期限，不计；"
           "不予受理、转送、分类处理的没有办理期限；办理中的听证不停钟，照常计", _handling_on_time),
    Metric("first_time_resolution", "初信初访一次性化解率", "rate", "matters",
           "初信初访一次性化解：答复后没有再来、没有请求复查、没有不满意评价", "答复送达日期",
           f"答复送达后{FIRST_RESOLUTION_WINDOW_DAYS}日内（及答复前）没有重复信访、没有请求复查、回访与网上评价没有不满意的事项",
           "期间内答复送达的事项", "窗口未满的按统计日的情况计", _first_time_resolved),
    Metric("repeat_rate", "重复信访率", "rate", "matters", "重复信访：同一事项再次来信来访", "收到日期",
           "有重复信访件的事项", "期间内收到的事项", "无", _repeat, higher_is_better=False),
    Metric("skip_level_count", "越级访件数", "count", "matters", "越级访（考核扣分项）", "收到日期",
           "期间内收到的越级访事项", "—", "无", _skip_level, higher_is_better=False),
    Metric("collective_count", "集体访件数", "count", "matters", "集体访（考核扣分项）", "收到日期",
           "期间内收到的集体访事项", "—", "无", _collective, higher_is_better=False),
    Metric("backlog_3m_resolution", "积案化解率（超3个月）", "rate", "matters", "信访积案化解：期初已超3个月未了结",
           "期间开始日（积案认定）与了结日期", "期间内办结或了结的积案", "期间开始时收到已满3个月、尚未了结的事项",
           "期间开始前已了结的不计", _backlog(3)),
    Metric("backlog_6m_resolution", "积案化解率（超6个月）", "rate", "matters", "信访积案化解：期初已超6个月未了结",
           "期间开始日（积案认定）与了结日期", "期间内办结或了结的积案", "期间开始时收到已满6个月、尚未了结的事项",
           "期间开始前已了结的不计", _backlog(6)),
    Metric("review_overturn_rate", "复查改变率", "rate", "matters",
           "《信访工作条例》第三十五条、第三十六条：复查（复核）变更或撤销原意见",
           "复查（复核）意见作出日期", "期间内最近一项复查（复核）意见的结论为变更或撤销并责令重新办理的事项",
           "期间内作出复查（复核）意见的事项", "结论为维持的只计分母", _overturned,
           higher_is_better=False),
    Metric("return_visit_rate", "回访率", "rate", "visits", "答复后回访（见回访规则）", "答复日期",
           "已完成回访的", "期间内答复、回访期限已到或已回访的回访任务", "回访期限未到且未回访的不计", _visited),
    Metric("response_rate", "响应率", "rate", "visits", "接诉即办“三率”：响应率", "答复日期",
           "回访期限内联系上信访人的", "期间内答复、回访期限已到或已回访的回访任务", "回访期限未到且未回访的不计",
           _responded),
    Metric("resolution_rate", "解决率", "rate", "visits", "接诉即办“三率”：解决率", "答复日期",
           "信访人答已解决的", "期间内答复、信访人答了是否解决的回访", "未答是否解决的不计", _solved),
    Metric("satisfaction_rate", "满意率", "rate", "visits", "接诉即办“三率”：满意率", "答复日期",
           "满意与基本满意", "期间内答复、作了评价的回访（回访评价优先，无则取网上评价）", "未评价的不计", _satisfied),
    Metric("three_rate_score", "“三率”综合得分", "composite", "visits",
           "接诉即办“三率”加权（默认响应率10%、解决率45%、满意率45%）", "答复日期",
           "三率按权重的加权和", "—", "任一率无数据时按有数据的率重新分配权重"),
    Metric("supervision_feedback_on_time", "督办按期反馈率", "rate", "orders",
           "《信访工作条例》第四十条：督办事项按期反馈", "签发日期", "在督办时限内首次书面反馈的督办单",
           "期间内签发的督办单", "时限未到且未反馈的不计", _feedback_on_time),
    Metric("supervision_closed_count", "督办事项办结数", "count", "orders", "督办事项真正解决后办结",
           "办结日期", "期间内办结的督办单", "—", "无", _order_closed),
    Metric("execution_items_closed", "落实事项办结数", "count", "executions",
           "《信访工作条例》第三十二条：支持意见应当督促有关机关、单位执行", "落实完成日期",
           "期间内记为落实完成（附证据）的赔偿、道歉、纠正事项", "—", "未落实的不计", _execution_done),
    Metric("head_reception_share", "负责人接待占比", "rate", "receptions",
           "信访工作领导责任制；防止“上热下冷、头重脚轻”", "收到日期", "由单位负责人登记接待的来访",
           "期间内的来访（含重复来访）", "无", _head_reception, higher_is_better=None),
    Metric("head_handling_share", "负责人亲自承办占比", "rate", "matters",
           "防止“领导唱独角戏”：承办落到基层民警", "答复送达日期", "答复由单位负责人亲自起草的事项",
           "期间内答复送达、有起草记录的事项", "无起草记录的不计", _head_handling, higher_is_better=None),
    Metric("screening_completion", "矛盾排查完成率", "rate", "screenings",
           "执法案件每月排查：各基层单位和执法民警对自己办理的案件每月排查一次", "应完成日期",
           "已作出有无隐患判定的案件", "应完成日期落在期间内的每月排查清单上的案件",
           "应完成日期未到且尚未判定的不计", _screened),
    Metric("screening_on_time", "矛盾排查及时率", "rate", "screenings",
           "每月排查下发后 5 个工作日内完成", "应完成日期",
           "在应完成日期当天结束前作出判定的案件", "应完成日期落在期间内的每月排查清单上的案件",
           "应完成日期未到且尚未判定的不计", _screened_on_time),
    Metric("grassroots_resolution_share", "基层化解率", "rate", "matters",
           "矛盾化解在基层：大队、中队办结且没有进入复查", "了结日期",
           "责任单位为大队或中队、没有请求复查的事项", "期间内了结的事项", "无", _grassroots),
)
BY_KEY = {m.key: m for m in METRICS}



def metric(key: str) -> Metric:
    try:
        return BY_KEY[key]
    except KeyError:
        raise ValidationError({"metric": f"没有名为“{key}”的指标"}) from None


def check_weights(weights: dict[str, float], *, allowed=None, label: str = "weights") -> dict[str, float]:
    """权重须为非负数，合计 100（%），只含已登记的指标；否则以中文说明拒绝。"""
    allowed = set(allowed or BY_KEY)
    unknown = sorted(set(weights) - allowed)
    if unknown:
        raise ValidationError({label: f"权重中有未登记的指标：{'、'.join(unknown)}"})
    if any(float(w) < 0 for w in weights.values()):
        raise ValidationError({label: "权重不能为负数"})
    total = sum(float(w) for w in weights.values())
    if abs(total - 100) > 1e-6:
        raise ValidationError({label: f"权重合计须为 100%，现为 {total:g}%"})
    return {k: float(w) for k, w in weights.items()}
