"""机关：谁以自己的名义作出决定，复查、复核由哪一级作出（《信访工作条例》第三十五条、第三十六条）。

- 支队、大队是机关；中队、科室以所属机关的名义办理（见 ``Department.acts_as_organ``）。
- 处理意见以承办单位所属机关的名义作出；复查由作出处理意见的机关的上一级机关作出，
  复核由复查机关的上一级机关作出。上一级机关不在系统内（如支队的上级公安局）时，
  请求按名称转送该机关（``ExternalOrgan``）。
- 原办理机关的人员不能对本机关的意见作出复查、复核决定（``may_decide``）。

本模块只读，不写库。
"""

from __future__ import annotations

from dataclasses import dataclass

from xinfang.org.access import role_codes
from xinfang.org.models import Department, RoleCode

from .models import Matter, Opinion, OpinionKind, Status

DECIDERS = frozenset({RoleCode.UNIT_HEAD, RoleCode.LEADER})
REVIEW_PENDING = frozenset({Status.REVIEWING, Status.REVIEW_FORWARDED})
RE_REVIEW_PENDING = frozenset({Status.RE_REVIEWING, Status.RE_REVIEW_HEARING, Status.RE_REVIEW_FORWARDED})


@dataclass(frozen=True)
class ExternalOrgan:
    """系统外的机关，只有名称：请求转送给它，它的答复由登记员录入。"""

    name: str

    def __str__(self) -> str:
        return self.name


Organ = Department | ExternalOrgan


def _ancestors(department: Department) -> list[Department]:
    """从自身往上到根的部门（含自身）。"""
    ids = department.ancestor_ids()
    if not ids:  # 尚未写入路径（刚建、未保存）：逐级取上级
        chain, node = [], department
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain
    by_id = {d.pk: d for d in Department.objects.filter(pk__in=ids)}
    return [by_id[i] for i in reversed(ids) if i in by_id]


def organ_of(department: Department) -> Department:
    """部门所属的机关：自身是机关即自身，否则最近的上级机关；整条链上都不是机关时取树根。"""
    chain = _ancestors(department)
    return next((d for d in chain if d.acts_as_organ), chain[-1])


def superior_organ(organ: Department | ExternalOrgan) -> Department | ExternalOrgan | None:
    """上一级机关：系统内最近的上级机关；没有时为登记的系统外上级（按名称），都没有为 None。"""
    if isinstance(organ, ExternalOrgan):
        return ExternalOrgan(f"{organ.name}的上一级机关")
    for d in _ancestors(organ)[1:]:
        if d.acts_as_organ:
            return d
    return ExternalOrgan(organ.superior_external_name) if organ.superior_external_name.strip() else None


def full_name(organ: Department | ExternalOrgan | None) -> str:
    """文书上的机关全称："示范市公安局交通警察支队一大队"。

    机关填了全称用全称；否则为上一级系统内机关的全称加本名称；都没有时用本名称。
    中队、科室先换成所属机关——文书上不会出现光秃秃的"一中队"。
    """
    if organ is None:
        return "本机关的上一级机关"
    if isinstance(organ, ExternalOrgan):
        return organ.name
    organ = organ if organ.acts_as_organ else organ_of(organ)
    if organ.full_name.strip():
        return organ.full_name.strip()
    parent = next((d for d in _ancestors(organ)[1:] if d.acts_as_organ), None)
    return f"{full_name(parent)}{organ.name}" if parent is not None else organ.name


def latest_opinion(matter: Matter, kind: str) -> Opinion | None:
    return matter.opinions.filter(kind=kind).order_by("-decided_on", "-id").select_related("deciding_organ").first()


def _organ_of_opinion(opinion: Opinion) -> Organ | None:
    if opinion.deciding_organ_id:
        return opinion.deciding_organ
    return ExternalOrgan(opinion.external_organ) if opinion.external_organ else None


def replying_organ(matter: Matter) -> Department:
    """作出（或将作出）处理意见的机关：已有处理意见取其作出机关，否则为责任单位所属机关。"""
    reply = latest_opinion(matter, OpinionKind.REPLY)
    if reply is not None and reply.deciding_organ_id:
        return reply.deciding_organ
    return organ_of(matter.department)


def review_organ(matter: Matter) -> Organ | None:
    """复查机关：作出处理意见的机关的上一级机关（第三十五条）。"""
    return superior_organ(replying_organ(matter))


def re_review_organ(matter: Matter) -> Organ | None:
    """复核机关：复查机关的上一级机关（第三十六条）。"""
    review = latest_opinion(matter, OpinionKind.REVIEW)
    organ = _organ_of_opinion(review) if review is not None else review_organ(matter)
    return superior_organ(organ) if organ is not None else None


def pending_organ(matter: Matter) -> Organ | None:
    """事项此刻待作决定的复查或复核机关；不在复查、复核中为 None。"""
    if matter.status in REVIEW_PENDING:
        return review_organ(matter)
    if matter.status in RE_REVIEW_PENDING:
        return re_review_organ(matter)
    return None


def may_decide(user, matter: Matter) -> bool:
    """该用户能否对事项待作的复查或复核作出决定。

    须是复查（复核）机关本身的负责人或分管领导：本人所属机关就是该机关，或是该机关登记的一把手、
    分管信访领导。原办理机关（及复查机关）的人员所属机关不同，因此不能复查（复核）自己的意见。
    机关在系统外时谁也不能在系统内作出，只能转送。
    """
    organ = pending_organ(matter)
    if not isinstance(organ, Department) or user is None or not getattr(user, "is_authenticated", False):
        return False
    if not role_codes(user) & DECIDERS:
        return False
    if user.pk in (organ.head_id, organ.petition_leader_id):
        return True
    return user.department_id is not None and organ_of(user.department).pk == organ.pk


def decider_refusal(matter: Matter) -> str:
    """不是决定机关的人要作复查、复核决定时给的中文说明（含机关全称与条文）。"""
    name = full_name(pending_organ(matter))
    if matter.status in RE_REVIEW_PENDING:
        return (f"复核意见由复查机关的上一级机关（{name}）的负责人作出，原办理机关和复查机关的人员不能作出"
                "（《信访工作条例》第三十六条）。")
    return f"复查意见由作出处理意见的机关的上一级机关（{name}）的负责人作出，原办理机关的人员不能作出（《信访工作条例》第三十五条）。"
