"""信访时限：法定期限作为数据，计算函数只依赖参数并注明法律依据。

不引用 Django、ORM 或设置，也不读取当前时间；调用方传入起算日期与工作日历。

计算规则（《中华人民共和国民法典》第二百零一条、第二百零三条）：
- 按日计算的期间，开始的当日不计入，自下一日开始计算；
- 听证等中止事由所用的天数不计入期间，顺延相应天数；
- 期间的最后一日是法定休假日（含周末，不含调休上班日）的，以休假日结束的次日为最后一日；
- 以"工作日"计的期限（转送、交办异议），从起算日之后逐个数工作日。

交警业务中有专门法定救济途径的事项（事故认定复核、非现场违法记录异议、行政复议、
行政诉讼等）不进入信访时限，而是依法分类处理，见 ``STATUTORY_CHANNELS``。
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from types import MappingProxyType

from xinfang.core.workcalendar import WorkCalendar

__all__ = [
    "DayUnit", "RuleCode", "DeadlineRule", "RULES", "Due", "UnknownRule", "due",
    "validate_limits", "acceptance_due", "handling_due", "review_request_closes", "review_due",
    "re_review_request_closes", "re_review_due", "transfer_objection_due",
    "PeriodUnit", "StatutoryChannel", "STATUTORY_CHANNELS", "channel_notice_text",
]

Limits = Mapping[str, int] | None  # 本地时限表（规则代码 → 天数），None 即法定期限
_REGULATION = "《信访工作条例》"  # 中共中央、国务院2022年印发，2022年5月1日起施行


class DayUnit(StrEnum):
    """期限的计日单位。"""

    CALENDAR = "calendar"
    WORKING = "working"

    @property
    def label(self) -> str:
        """界面上显示的名称。"""
        return {"calendar": "自然日", "working": "工作日"}[self.value]

    @property
    def counter(self) -> str:
        """跟在数字后面的量词："15日""5个工作日"。"""
        return {"calendar": "日", "working": "个工作日"}[self.value]


class RuleCode(StrEnum):
    """期限规则代码；代码里用这些常量比较，不写字面字符串。"""

    ACCEPTANCE = "acceptance"
    HANDLING = "handling"
    EXTENSION = "extension"
    REVIEW_REQUEST = "review_request"
    REVIEW = "review"
    RE_REVIEW_REQUEST = "re_review_request"
    RE_REVIEW = "re_review"
    TRANSFER_OBJECTION = "transfer_objection"


@dataclass(frozen=True, slots=True)
class DeadlineRule:
    """一条法定期限：多长、从什么事件起算、什么事由中止、依据哪一条。"""

    code: str
    name: str
    days: int  # 法定最长期限；部署只能缩短
    unit: DayUnit
    starts_from: str
    paused_by: tuple[str, ...]
    basis: str
    # 信访人的请求期限（复查、复核请求）：是信访人的权利，部署不能缩短（只有机关自己的办理时限可以收紧）。
    petitioner_right: bool = False


def _rule(
    code: RuleCode, name: str, days: int, starts_from: str, basis: str,
    *, unit: DayUnit = DayUnit.CALENDAR, paused_by: tuple[str, ...] = (), petitioner_right: bool = False,
) -> tuple[str, DeadlineRule]:
    return code.value, DeadlineRule(code.value, name, days, unit, starts_from, paused_by, basis, petitioner_right)


RULES: Mapping[str, DeadlineRule] = MappingProxyType(dict([
    # 第二十三条：不能当场告知的，自收到信访事项之日起15日内书面告知（转送、交办来的同样15日）。
    _rule(RuleCode.ACCEPTANCE, "告知受理与否", 15, "收到信访事项之日",
          f"{_REGULATION}第二十三条"),
    # 第三十四条：自受理之日起60日内办结。办理期间的听证不中止这一期限：条例只在第三十六条
    # 对复核明文规定听证时间不计入期限（DESIGN.md §3"听证"已据此更正）。
    _rule(RuleCode.HANDLING, "办理答复", 60, "受理之日", f"{_REGULATION}第三十四条"),
    # 第三十四条：情况复杂的，经本机关、单位负责人批准，可以适当延长，延长期限不得超过30日。
    _rule(RuleCode.EXTENSION, "延长办理期限", 30, "原办理期限届满之日",
          f"{_REGULATION}第三十四条"),
    # 第三十五条：自收到书面答复之日起30日内请求复查；收到复查请求之日起30日内提出复查意见。
    _rule(RuleCode.REVIEW_REQUEST, "请求复查", 30, "信访人收到书面答复之日",
          f"{_REGULATION}第三十五条", petitioner_right=True),
    _rule(RuleCode.REVIEW, "复查", 30, "收到复查请求之日", f"{_REGULATION}第三十五条"),
    # 第三十六条：自收到复查意见之日起30日内请求复核；收到复核请求之日起30日内提出
    # 复核意见；听证所需时间不计算在期限内。
    _rule(RuleCode.RE_REVIEW_REQUEST, "请求复核", 30, "信访人收到复查意见之日",
          f"{_REGULATION}第三十六条", petitioner_right=True),
    _rule(RuleCode.RE_REVIEW, "复核", 30, "收到复核请求之日", f"{_REGULATION}第三十六条",
          paused_by=("听证",)),
    # 第二十三条：转送、交办的事项不属于本机关职权范围的，自收到之日起5个工作日内提出异议。
    _rule(RuleCode.TRANSFER_OBJECTION, "对转送、交办事项提出异议", 5,
          "收到转送、交办的信访事项之日", f"{_REGULATION}第二十三条",
          unit=DayUnit.WORKING),
]))

_STATUTORY_LIMITS: Mapping[str, int] = MappingProxyType({c: r.days for c, r in RULES.items()})


class UnknownRule(ValueError):
    """未知的期限规则代码。"""

    def __init__(self, code: object) -> None:
        valid = "、".join(f"{c}（{r.name}）" for c, r in RULES.items())
        super().__init__(f"未知的期限规则“{code}”，可用的规则：{valid}")
        self.code = code


@dataclass(frozen=True, slots=True)
class Due:
    """期限届满日；``provisional`` 为真表示计算涉及的某一年尚未录入放假安排，日期暂定。"""

    day: date
    provisional: bool


def _get_rule(code: str) -> DeadlineRule:
    rule = RULES.get(code)
    if rule is None:
        raise UnknownRule(code)
    return rule


def validate_limits(limits: Mapping[str, int]) -> dict[str, int]:
    """校验本地时限并返回完整的时限表（规则代码 → 天数，未指定的取法定期限）。

    部署可以缩短机关自己的办理时限（如初信初访7日内答复），但不得超过法定期限，也不得改动
    信访人的请求期限（复查、复核请求30日）——那会剥夺信访人的权利；
    未知代码、非正整数、超过法定期限或改动请求期限的，抛出带中文说明的 ``ValueError``。
    """
    table = dict(_STATUTORY_LIMITS)
    for code, days in limits.items():
        rule = _get_rule(code)
        if rule.petitioner_right and days != rule.days:
            raise ValueError(
                f"“{rule.name}”的期限{rule.days}{rule.unit.counter}是信访人的权利（{rule.basis}），"
                "部署只能收紧机关自己的办理时限，不能缩短信访人的请求期限"
            )
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise ValueError(f"“{rule.name}”的本地时限必须是正整数，收到：{days!r}")
        if days > rule.days:
            raise ValueError(
                f"“{rule.name}”的本地时限{days}{rule.unit.counter}超过法定期限"
                f"{rule.days}{rule.unit.counter}（{rule.basis}），只能缩短不能延长"
            )
        table[rule.code] = days
    return table


def _provisional(calendar: WorkCalendar, start: date, end: date) -> bool:
    return not all(calendar.covers(y) for y in range(start.year, end.year + 1))


def due(
    code: str, start: date, *, calendar: WorkCalendar, paused_days: int = 0,
    limits: Limits = None, extension_days: int = 0,
) -> Due:
    """按规则 ``code`` 计算自 ``start``（起算事件发生之日）起的期限届满日。

    自然日规则：届满日 = start + 期限天数 + 中止天数 (+ 延期天数)，
    落在休息日的顺延至其后第一个工作日。工作日规则：start 之后的第 N 个工作日
    （中止天数也按工作日计）。延期只适用于办理期限（``handling``），规则见
    ``handling_due``。
    """
    rule = _get_rule(code)
    if paused_days < 0:
        raise ValueError(f"中止天数不能为负数：{paused_days}")
    if paused_days and not rule.paused_by:
        raise ValueError(f"“{rule.name}”期限不因听证等事由中止（{rule.basis}）")
    if extension_days < 0:
        raise ValueError(f"延期天数不能为负数：{extension_days}")
    if extension_days and rule.code != RuleCode.HANDLING:
        raise ValueError(f"只有办理期限可以延期，“{rule.name}”期限不能延期")
    table = _STATUTORY_LIMITS if limits is None else validate_limits(limits)
    max_extension = table[RuleCode.EXTENSION]
    if extension_days > max_extension:
        raise ValueError(
            f"延期不得超过{max_extension}日（{RULES[RuleCode.EXTENSION].basis}），"
            f"收到：{extension_days}日"
        )
    days = table[rule.code]
    if rule.unit is DayUnit.WORKING:
        day = calendar.add_workdays(start, days + paused_days)
    else:
        # 民法典第二百零一条：开始的当日不计入；第二百零三条：最后一日遇休息日顺延。
        last = start + timedelta(days=days + paused_days + extension_days)
        day = calendar.next_workday(last)
    return Due(day, _provisional(calendar, start, day))


def acceptance_due(
    received_on: date, *, calendar: WorkCalendar, limits: Limits = None
) -> Due:
    """自收到信访事项之日起15日内书面告知信访人是否受理（《信访工作条例》第二十三条）。

    来访能当场告知的应当场告知；这里给出不能当场告知时的最迟日期。
    """
    return due(RuleCode.ACCEPTANCE, received_on, calendar=calendar, limits=limits)


def handling_due(
    accepted_on: date, *, calendar: WorkCalendar, extension_days: int = 0, limits: Limits = None,
) -> Due:
    """自受理之日起60日内办结；经负责人批准可延长，延长不超过30日（《信访工作条例》第三十四条）。

    计算方法：先算出未顺延的原届满日（受理次日起第60日），延期天数从原届满日的次日接着数，
    最后一日落在休息日的再顺延到其后第一个工作日。也就是说，原届满日遇节假日的顺延不叠加进
    延期：受理后总期限为 60 + 延期天数个自然日，只顺延一次。办理期间的听证不中止这一期限。
    """
    return due(RuleCode.HANDLING, accepted_on, calendar=calendar, limits=limits, extension_days=extension_days)


def review_request_closes(
    reply_received_on: date, *, calendar: WorkCalendar, limits: Limits = None
) -> Due:
    """信访人自收到书面答复之日起30日内可以请求复查（《信访工作条例》第三十五条）。

    返回请求复查的最后一日；此后提出的复查请求不予受理。
    """
    return due(RuleCode.REVIEW_REQUEST, reply_received_on, calendar=calendar, limits=limits)


def review_due(
    request_received_on: date, *, calendar: WorkCalendar, limits: Limits = None
) -> Due:
    """自收到复查请求之日起30日内提出复查意见并书面答复（《信访工作条例》第三十五条）。"""
    return due(RuleCode.REVIEW, request_received_on, calendar=calendar, limits=limits)


def re_review_request_closes(
    review_opinion_received_on: date, *, calendar: WorkCalendar, limits: Limits = None
) -> Due:
    """信访人自收到复查意见之日起30日内可以请求复核（《信访工作条例》第三十六条）。"""
    code = RuleCode.RE_REVIEW_REQUEST
    return due(code, review_opinion_received_on, calendar=calendar, limits=limits)


def re_review_due(
    request_received_on: date, *, calendar: WorkCalendar, paused_days: int = 0,
    limits: Limits = None,
) -> Due:
    """自收到复核请求之日起30日内提出复核意见，听证所需时间不计算在内（《信访工作条例》第三十六条）。

    复核后信访人仍以同一事实和理由提出投诉请求的，不再受理。
    """
    return due(
        RuleCode.RE_REVIEW, request_received_on, calendar=calendar,
        paused_days=paused_days, limits=limits,
    )


def transfer_objection_due(
    transfer_received_on: date, *, calendar: WorkCalendar, limits: Limits = None
) -> Due:
    """转送、交办的事项不属于本单位职权范围的，自收到之日起5个工作日内提出异议（《信访工作条例》第二十三条）。"""
    return due(RuleCode.TRANSFER_OBJECTION, transfer_received_on, calendar=calendar, limits=limits)


# -- 不走信访时限的法定途径 ----------------------------------------------------


class PeriodUnit(StrEnum):
    """申请期限的单位。"""

    DAYS = "days"
    MONTHS = "months"

    @property
    def label(self) -> str:
        return {"days": "日", "months": "个月"}[self.value]


@dataclass(frozen=True, slots=True)
class StatutoryChannel:
    """一条有专门法定程序的救济途径：依法分类处理告知书据此写明去向和期限。"""

    code: str
    name: str
    applies_to: str  # 适用情形，作告知句的主语部分
    apply_to: str  # 向谁提出
    action: str  # 提出什么
    apply_within: int | None  # 申请期限；None 表示法律未规定专门期限或另适用诉讼时效
    apply_unit: PeriodUnit | None
    apply_from: str  # 申请期限的起算事件
    handling: str  # 受理机关的办理时限（原文表述），没有则为空
    handling_days: int | None
    note: str
    basis: str


_CHANNEL_LIST = (
    StatutoryChannel(
        code="accident_review", name="道路交通事故认定复核",
        applies_to="当事人对道路交通事故认定或者道路交通事故证明有异议的",
        apply_to="上一级公安机关交通管理部门", action="提出书面复核申请",
        apply_within=3, apply_unit=PeriodUnit.DAYS,
        apply_from="道路交通事故认定书或者道路交通事故证明送达之日",
        handling="上一级公安机关交通管理部门自受理复核申请之日起三十日内作出复核结论",
        handling_days=30, note="逾期申请的不予受理；同一事故的复核以一次为限",
        basis="《道路交通事故处理程序规定》第七十一条、第七十四条",
    ),
    StatutoryChannel(
        code="camera_violation_objection", name="交通技术监控记录违法行为异议",
        applies_to="对交通技术监控设备（电子警察）记录的违法行为事实有异议的",
        apply_to="违法行为发生地或者机动车登记地公安机关交通管理部门（或通过交通安全综合服务管理平台）",
        action="提出异议", apply_within=None, apply_unit=None, apply_from="",
        handling="公安机关交通管理部门应当自收到异议之日起五日内进行审查，异议成立的予以消除",
        handling_days=5, note="",
        basis="《道路交通安全违法行为处理程序规定》",
    ),
    StatutoryChannel(
        code="administrative_reconsideration", name="行政复议",
        applies_to="对公安机关交通管理部门作出的行政处罚等行政行为不服的",
        apply_to="行政复议机关", action="申请行政复议",
        apply_within=60, apply_unit=PeriodUnit.DAYS,
        apply_from="知道或者应当知道该行政行为之日",
        handling="行政复议机关一般应当自受理申请之日起六十日内作出行政复议决定",
        handling_days=60, note="",
        basis="《中华人民共和国行政复议法》第二十条、第六十二条",
    ),
    StatutoryChannel(
        code="administrative_litigation", name="行政诉讼",
        applies_to="对公安机关交通管理部门作出的行政行为不服的",
        apply_to="人民法院", action="提起行政诉讼",
        apply_within=6, apply_unit=PeriodUnit.MONTHS,
        apply_from="知道或者应当知道作出行政行为之日",
        handling="人民法院一般应当在立案之日起六个月内作出第一审判决",
        handling_days=None,
        note="经行政复议的，可以在收到复议决定书之日起十五日内提起诉讼",
        basis="《中华人民共和国行政诉讼法》第四十五条、第四十六条、第八十一条",
    ),
    StatutoryChannel(
        code="civil_litigation", name="民事诉讼",
        applies_to="对道路交通事故损害赔偿等民事争议，当事人协商、调解不成的",
        apply_to="人民法院", action="提起民事诉讼",
        apply_within=None, apply_unit=None, apply_from="", handling="", handling_days=None,
        note="", basis="《中华人民共和国道路交通安全法》第七十四条、《中华人民共和国民事诉讼法》",
    ),
    StatutoryChannel(
        code="arbitration", name="仲裁",
        applies_to="合同纠纷和其他财产权益纠纷的当事人之间订有仲裁协议的",
        apply_to="协议选定的仲裁委员会", action="申请仲裁",
        apply_within=None, apply_unit=None, apply_from="", handling="", handling_days=None,
        note="", basis="《中华人民共和国仲裁法》",
    ),
)

STATUTORY_CHANNELS: Mapping[str, StatutoryChannel] = MappingProxyType(
    {c.code: c for c in _CHANNEL_LIST}
)

_DIGITS = "零一二三四五六七八九"


def _cn_number(n: int) -> str:
    """1–99 的中文小写数字（法律文书中的期限写法，如"三日""六十日""十五日"）。"""
    if not 0 < n < 100:
        raise ValueError(f"超出范围：{n}")
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    head = "" if tens == 1 else _DIGITS[tens]  # 十五，不写"一十五"
    return head + "十" + (_DIGITS[ones] if ones else "")


def channel_notice_text(code: str) -> str:
    """依法分类处理告知书中的一句话：该途径向谁、在多长期限内提出，受理机关多久办结，依据哪条。"""
    channel = STATUTORY_CHANNELS.get(code)
    if channel is None:
        valid = "、".join(f"{c}（{ch.name}）" for c, ch in STATUTORY_CHANNELS.items())
        raise ValueError(f"未知的法定途径“{code}”，可用的途径：{valid}")
    if channel.apply_within is not None and channel.apply_unit is not None:
        when = f"应当自{channel.apply_from}起{_cn_number(channel.apply_within)}{channel.apply_unit.label}内"
    else:
        when = "可以依法"
    parts = [f"{channel.applies_to}，{when}向{channel.apply_to}{channel.action}"]
    parts += [p for p in (channel.note, channel.handling) if p]
    return "；".join(parts) + f"（依据{channel.basis}）。"
