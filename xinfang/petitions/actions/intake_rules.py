"""登记与交办时能看出来的规则（《信访工作条例》），各为一个纯函数，返回给人看的中文问题说明。

- 第二十条：多人采用走访形式提出共同的信访事项的，应当推选代表，代表人数不超过5人——
  五人以上的来访必须写明代表（1至5人），不只是"不超过5人"。
- 第二十八条（回避）：与信访事项有直接利害关系的工作人员应当回避——被反映的民警不能承办该事项。
- 第十九条：信访事项已经受理或者正在办理的，信访人在规定期限内向受理、办理机关的上级机关又提出
  同一信访事项的，上级机关不予受理——登记后提示"不予受理"，写明正在办理的单位及其期限（由登记员决定）。
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from xinfang.core import clock

from ..models import Channel, Matter, Petition, Petitioner, Status

COLLECTIVE_HEAD_COUNT = 5
MAX_REPRESENTATIVES = 5


def representative_problems(*, channel: str, head_count: int, representatives: int) -> list[str]:
    """多人走访的代表人数问题；没有问题为空表。"""
    if head_count < COLLECTIVE_HEAD_COUNT:
        return []
    if representatives > MAX_REPRESENTATIVES:
        return [f"多人走访提出共同信访事项的，应当推选代表，代表人数不超过 {MAX_REPRESENTATIVES} 人"
                f"（《信访工作条例》第二十条），现有 {representatives} 名代表"]
    if channel == Channel.VISIT and representatives == 0:
        return [f"{head_count} 人走访提出共同信访事项，应当推选代表（不超过 {MAX_REPRESENTATIVES} 人，"
                "《信访工作条例》第二十条）：请在信访人中勾选代表"]
    return []


def _same_person(officer: str, handler) -> bool:
    officer = officer.strip()
    if not officer:
        return False
    names = {handler.name.strip(), (handler.police_number or "").strip()} - {""}
    return any(name and name in officer for name in names)


def recusal_problem(involved_officers: Iterable[str], handler) -> str:
    """承办人是否就是被反映的民警（第二十八条 回避）；不是为空串。"""
    if handler is None:
        return ""
    if any(_same_person(officer, handler) for officer in involved_officers):
        return (f"{handler.name}是本事项反映的民警，应当回避，不能承办（《信访工作条例》第二十八条）")
    return ""


def not_accepted_again_notice(status: str) -> str:
    """挂到已复核终结的事项上的信访：照样登记、事项状态不变，提示出具不再受理告知书（第三十六条）；其余为空串。"""
    from ..models import Status

    if status != Status.TERMINATED:
        return ""
    return ("该事项已经复核终结：同一事实和理由不再受理（《信访工作条例》第三十六条）。"
            "本次信访已登记，请出具不再受理告知书。")
# 第十九条的"已经受理或者正在办理"：已受理、交办、办理中、听证中、答复待审批。
BEING_HANDLED = frozenset({Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS, Status.HEARING, Status.REPLY_DRAFTED})


@dataclass(frozen=True)
class SuperiorRepeatOffer:
    """登记到上级的事项，信访人的同一诉求正由下级单位在期限内办理：可不予受理（第十九条）。"""

    matter: Matter  # 下级正在办理的那一件
    unit: str  # 办理单位（机关全称）
    due: date

    @property
    def due_text(self) -> str:
        return f"{self.due.year}年{self.due.month}月{self.due.day}日"

    @property
    def reason(self) -> str:
        return (f"你（单位）反映的问题已由{self.unit}受理（事项编号 {self.matter.number}），"
                f"正在规定的办理期限内（至{self.due_text}）。依照《信访工作条例》第十九条，"
                "信访事项已经受理或者正在办理的，在规定期限内向其上级机关又提出同一信访事项的，上级机关不予受理")

    @property
    def where_to_go(self) -> str:
        return f"向{self.unit}了解办理情况，该事项的办理期限至{self.due_text}"


def _same_people(matter: Matter):
    mine = Petitioner.objects.filter(petitions__matter=matter)
    indexes = [i for i in mine.values_list("id_number_index", flat=True) if i]
    same = Petitioner.objects.filter(pk__in=mine.values("pk"))
    if indexes:
        same = same | Petitioner.objects.filter(id_number_index__in=indexes)
    return same


def superior_repeat_offers(matter: Matter, today: date | None = None) -> list[SuperiorRepeatOffer]:
    """尚待决定受理与否的事项：同一信访人另有一件正由登记单位的下级单位在期限内办理的事项时，逐件列出。"""
    from .. import organs

    if matter.status != Status.REGISTERED:
        return []
    today = today or clock.today()
    here = (matter.registered_by.department if matter.registered_by_id and matter.registered_by.department_id
            else matter.department)
    # 上级是机关一级的：中队与所属大队是同一机关，大队登记中队在办的事项不算"向上级又提出"。
    here = organs.organ_of(here)
    # 先取出同一人（几个）与其信访件所属事项（几件），再按主键筛事项：一条连接查询里 PostgreSQL 会先按状态与
    # 期限扫过几十万件在办事项再逐件回查信访人（百万件库上事项页的主要耗时，见 benchmarks/results.md 负载一节）。
    people = list(_same_people(matter).values_list("pk", flat=True))
    theirs = set(Petition.objects.filter(petitioners__in=people).values_list("matter_id", flat=True)) - {matter.pk}
    others = (Matter.objects.filter(pk__in=theirs, status__in=BEING_HANDLED, current_due__gte=today,
                                    department__path__startswith=here.path)
              .select_related("department").order_by("current_due", "id"))
    offers = []
    for m in others[:20]:
        organ = organs.organ_of(m.department)
        if organ.pk != here.pk:
            offers.append(SuperiorRepeatOffer(m, organs.full_name(organ), m.current_due))
    return offers[:5]
