"""网上信访的提交：经 petitions 的登记写入，另发一个查询码（只存散列）。

工作人员登记的信访（来信、来访、来电等）也可以发查询码（`issue_code`），信访人同样凭它在门户上查进度。
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from xinfang.audit.services import record
from xinfang.core import clock
from xinfang.org.access import has_role
from xinfang.org.models import Department, RoleCode, Staff
from xinfang.petitions.actions.intake import PetitionerInput, PetitionInput, register_petition
from xinfang.petitions.models import Channel, Petition
from xinfang.petitions.selectors import visible_matters

from .. import security
from ..models import PortalAccess

CONSENT_TEXT = (
    "我同意交警部门为登记、办理、答复和回访本信访事项，处理我在此提交的个人信息（姓名、身份证号码、"
    "联系电话、通讯地址及附件）。这些信息只用于办理本事项，不用于其他目的；工作人员每次查看都有记录。"
)


@dataclass
class Submission:
    name: str
    id_number: str
    phone: str
    content: str
    requests: str
    address: str = ""
    case_numbers: str = ""
    involved_department: Department | None = None
    attachments: list | None = None
    # 信访人选了电子送达：门户下载意见书才算送达（第三十五条，见 petitions.actions.opinions）。
    electronic_delivery: bool = False


def intake_department(chosen: Department | None) -> Department:
    """网上信访受理单位：信访人选了涉及单位就交该单位，否则交组织树的根（支队）。"""
    if chosen is not None:
        return chosen
    root = Department.objects.filter(parent__isnull=True, is_active=True).order_by("sort_order", "pk").first()
    if root is None:
        raise RuntimeError("尚未建立组织机构，门户无法受理网上信访")
    return root


@transaction.atomic
def submit_petition(data: Submission) -> tuple[Petition, str]:
    """登记一件网上信访（登记人为空），返回（信访件, 查询码原文）。查询码原文只此一次，库里只存散列。

    任何一项校验失败都抛 ValidationError，整件不保存（同一事务）。
    """
    petition = register_petition(PetitionInput(
        channel=Channel.ONLINE, received_at=clock.now(), content=data.content.strip(),
        requests=data.requests.strip(), case_numbers=data.case_numbers.strip(),
        involved_department=intake_department(data.involved_department),
        attachments=list(data.attachments or []), consents_electronic_delivery=data.electronic_delivery,
        petitioners=[PetitionerInput(name=data.name.strip(), id_number=data.id_number.strip().upper(),
                                     phone=data.phone.strip(), address=data.address.strip())],
    ), by=None)
    code = security.new_code()
    access = PortalAccess.objects.create(
        matter=petition.matter, petition=petition, consent_text=CONSENT_TEXT, consented_at=clock.now(),
        **security.new_access_fields(code),
    )
    record(actor=None, action="portal.submit", obj=access, changes={
        "matter": [None, petition.matter.number], "consent": [None, "已同意个人信息处理说明"],
        "electronic_delivery": [None, data.electronic_delivery],
    })
    return petition, code


# 工作人员代信访人取得查询码时，告知并记下的说明（网上提交的由信访人自己勾选 CONSENT_TEXT）。
STAFF_CONSENT_TEXT = (
    "工作人员已告知信访人：凭事项编号和查询码可以在网上查询本事项的办理进度、下载给本人的文书、评价答复和"
    "请求复查；个人信息只用于办理本事项。查询码由工作人员当面或电话告知信访人本人。"
)
CODE_ISSUERS = (RoleCode.CLERK, RoleCode.UNIT_HEAD, RoleCode.LEADER)


def can_issue_code(user: Staff) -> bool:
    return has_role(user, *CODE_ISSUERS)


def staff_registered(petition: Petition) -> bool:
    """工作人员登记的（信访人自己网上提交的除外：提交页已告诉信访人查询码无法找回，不由工作人员另发）。"""
    return not (petition.channel == Channel.ONLINE and petition.registered_by_id is None)


def code_offers(user: Staff, petitions) -> dict[int, bool]:
    """事项页上本人可以为哪些信访件发查询码 → 是否已经发过。"""
    if not can_issue_code(user):
        return {}
    eligible = [p.pk for p in petitions if staff_registered(p)]
    issued = set(PortalAccess.objects.filter(petition_id__in=eligible).values_list("petition_id", flat=True))
    return {pk: pk in issued for pk in eligible}


@transaction.atomic
def issue_code(petition: Petition, *, by: Staff) -> str:
    """给工作人员登记的信访件发查询码；已发过的重发一个，旧码随即失效。返回原码（只显示这一次，库里只存散列）。"""
    if not can_issue_code(by):
        raise ValidationError("只有登记员、单位负责人和分管领导可以发查询码。")
    if not visible_matters(by).filter(pk=petition.matter_id).exists():
        raise ValidationError("您无权为该事项发查询码。")
    if not staff_registered(petition):
        raise ValidationError("网上提交的信访件在提交时已取得查询码，不能由工作人员另发。")
    code = security.new_code()
    access = PortalAccess.objects.select_for_update().filter(petition=petition).first()
    if access is None:
        access = PortalAccess.objects.create(
            matter=petition.matter, petition=petition, consent_text=STAFF_CONSENT_TEXT, consented_at=clock.now(),
            **security.new_access_fields(code),
        )
        action = "portal.code_issued"
    else:
        for field, value in security.new_access_fields(code).items():
            setattr(access, field, value)
        access.save(update_fields=["salt", "code_hash"])
        action = "portal.code_reissued"
    record(actor=by, action=action, obj=access, changes={"matter": [None, petition.matter.number]})
    return code
