"""登记时认出交警业务的法定途径：信访内容或关联的执法案件指向事故认定、电子警察记录的违法、处罚决定或扣车时，
提示该走的法定途径与申请期限（数据来自 petitions.deadlines.STATUTORY_CHANNELS，依法分类处理告知书用的同一份）。

只是提示：是否依法分类处理由登记员决定（登记页上勾选后，登记完即打开“依法分类处理”表单并预选该途径）。
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta

from xinfang.core import clock
from xinfang.core.calendar import current_calendar
from xinfang.petitions.deadlines import PeriodUnit, STATUTORY_CHANNELS, StatutoryChannel, channel_notice_text

CASE_NO_SPLIT = re.compile(r"[\s,，、;；/]+")

# (途径, 文字线索, 说明)：按顺序，一件信访可以同时指向几条途径。
TEXT_RULES: tuple[tuple[tuple[str, ...], re.Pattern, str], ...] = (
    (("accident_review",), re.compile(r"事故认定|责任认定|认定书|事故证明"), "道路交通事故认定"),
    (("camera_violation_objection",), re.compile(r"电子警察|电子眼|抓拍|非现场|技术监控|监控设备|测速"),
     "交通技术监控设备记录的违法行为"),
    (("administrative_reconsideration", "administrative_litigation"),
     re.compile(r"处罚决定|行政处罚|罚款|罚单|扣分|记分|吊销|暂扣驾驶证"), "行政处罚决定"),
    (("administrative_reconsideration", "administrative_litigation"),
     re.compile(r"扣车|扣留|扣押|暂扣车辆|拖车|停车场"), "扣留车辆（行政强制措施）"),
)


@dataclass(frozen=True)
class ChannelHint:
    channel: StatutoryChannel
    because: str  # 为什么提示：内容提到了什么，或关联案件是什么
    notice: str  # 告知书里的那句话：向谁、多长期限、依据
    closes: date | None = None  # 按关联案件的决定日期估算的申请期限届满日（以实际送达之日为准）

    @property
    def code(self) -> str:
        return self.channel.code

    @property
    def limit(self) -> str:
        c = self.channel
        if c.apply_within is None or c.apply_unit is None:
            return "法律未规定专门的申请期限" if not c.handling else c.handling
        return f"自{c.apply_from}起 {c.apply_within} {c.apply_unit.label}内"

    @property
    def lapsed(self) -> bool:
        return self.closes is not None and self.closes < clock.today()


def window_closes(channel: StatutoryChannel, start: date) -> date | None:
    """自 start（不含当日）起算的申请期限届满日，最后一日遇休息日顺延（民法典第二百零一条、第二百零三条）。"""
    if channel.apply_within is None or channel.apply_unit is None:
        return None
    if channel.apply_unit is PeriodUnit.DAYS:
        last = start + timedelta(days=channel.apply_within)
    else:
        month = start.month - 1 + channel.apply_within
        year, month = start.year + month // 12, month % 12 + 1
        day = min(start.day, monthrange(year, month)[1])  # 期间最后一月没有对应日的，以该月末日为期间最后一日
        last = date(year, month, day)
    return current_calendar().next_workday(last)


def _case_channels(case) -> tuple[tuple[str, ...], str]:
    from xinfang.screening.models import CaseType

    if case.case_type == CaseType.ACCIDENT:
        return ("accident_review",), f"关联案件 {case.case_no} 是交通事故"
    if case.case_type == CaseType.IMPOUND:
        return ("administrative_reconsideration", "administrative_litigation"), f"关联案件 {case.case_no} 是扣留车辆"
    if case.non_site:
        return ("camera_violation_objection", "administrative_reconsideration"), \
            f"关联案件 {case.case_no} 是交通技术监控记录的违法"
    return ("administrative_reconsideration", "administrative_litigation"), f"关联案件 {case.case_no} 是违法处罚"


def hints(text: str, case_numbers: str = "", *, user=None) -> list[ChannelHint]:
    """内容与关联案件编号指向的法定途径（去重，按提示的先后）。关联案件只查用户可见单位的。"""
    found: dict[str, ChannelHint] = {}
    for numbers, reason in _from_cases(case_numbers, user):
        for code, closes in numbers:
            if code not in found:
                channel = STATUTORY_CHANNELS[code]
                found[code] = ChannelHint(channel, reason, channel_notice_text(code), closes)
    for codes, pattern, what in TEXT_RULES:
        match = pattern.search(text or "")
        if not match:
            continue
        for code in codes:
            if code not in found:
                found[code] = ChannelHint(STATUTORY_CHANNELS[code], f"内容提到“{match.group(0)}”（{what}）",
                                          channel_notice_text(code))
    return list(found.values())


def _from_cases(case_numbers: str, user) -> list[tuple[list[tuple[str, date | None]], str]]:
    numbers = [n for n in CASE_NO_SPLIT.split(case_numbers or "") if n][:10]
    if not numbers:
        return []
    from xinfang.org.access import visible_department_ids
    from xinfang.screening.models import EnforcementCase

    cases = EnforcementCase.objects.filter(case_no__in=numbers)
    ids = visible_department_ids(user) if user is not None else frozenset()
    if ids is not None:
        cases = cases.filter(department_id__in=ids)
    out = []
    for case in cases.order_by("case_no"):
        codes, reason = _case_channels(case)
        decided = clock.local_date(case.decided_at)
        out.append(([(code, window_closes(STATUTORY_CHANNELS[code], decided)) for code in codes],
                    f"{reason}（{decided:%Y-%m-%d} 作出决定）"))
    return out
