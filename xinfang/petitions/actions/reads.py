"""读个人资料留痕：查看事项、下载文书、登记时查同一信访人的历史。

页面与 selectors 只调这里，不直接写审计（每个读个人资料的动作都是有名字的一次记录）。
"""

from __future__ import annotations

from django.db import transaction

from xinfang.audit.services import record
from xinfang.core.crypto import mask_id_number, mask_phone


@transaction.atomic
def personal_data_read(user, obj, *, purpose: str, **extra) -> None:
    """记一次对信访人个人资料的查看：谁、看了哪个对象、为了什么。"""
    changes = {"purpose": [None, purpose], **{name: [None, value] for name, value in extra.items()}}
    record(actor=user, action="personal_data.read", obj=obj, changes=changes)


@transaction.atomic
def petitioner_lookup(user, *, id_number: str = "", phone: str = "", matter_ids: list[int]) -> None:
    """登记时按身份证号或电话查到此人以前的信访：审计里只记脱敏后的号码。"""
    record(actor=user, action="personal_data.read", object_type="petitions.petitioner",
           object_repr=mask_id_number(id_number) if id_number else mask_phone(phone),
           changes={"purpose": [None, "登记时查询同一信访人的历史"], "matters": [None, matter_ids]})


def mask_name(value: str) -> str:
    """王**：姓名只留第一个字。"""
    return value[:1] + "*" * (len(value) - 1) if value else ""


def mask_plate(value: str) -> str:
    """A1***5：号牌只留前两位与末位。"""
    return value[:2] + "*" * (len(value) - 3) + value[-1:] if len(value) > 3 else "*" * len(value)


def masked_terms(terms) -> str:
    """检索词（search.Terms）的脱敏形式：审计里只存它。"""
    from xinfang.core.crypto import normalise_phone

    if terms.id_number:
        return mask_id_number(terms.id_number)
    if terms.phone:
        return mask_phone(normalise_phone(terms.phone))
    if terms.plate:
        return mask_plate(terms.plate)
    return mask_name(terms.name)


@transaction.atomic
def personal_search(user, terms, *, matter_ids: list[int], purpose: str = "在事项列表检索信访人") -> None:
    """在事项列表（或接口）按身份证号、电话、号牌或姓名检索：不论查到与否都记一条，审计里只有脱敏后的检索词。"""
    masked = masked_terms(terms)
    record(actor=user, action="personal_data.search", object_type="petitions.petitioner", object_repr=masked,
           changes={"purpose": [None, purpose], "kind": [None, terms.kind],
                    "query": [None, masked], "matters": [None, matter_ids]})
