"""网上信访的提交：经 petitions 的登记写入，另发一个查询码（只存散列）。"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from xinfang.audit.services import record
from xinfang.core import clock
from xinfang.org.models import Department
from xinfang.petitions.actions.intake import PetitionerInput, PetitionInput, register_petition
from xinfang.petitions.models import Channel, Petition

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
        attachments=list(data.attachments or []),
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
    })
    return petition, code
