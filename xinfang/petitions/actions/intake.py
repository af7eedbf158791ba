"""登记：把收到的信访件记下来，挂到已有事项上或新开一件事项。"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from xinfang.audit.services import record
from xinfang.core import clock
from xinfang.core.crypto import mask_address, mask_phone
from xinfang.org.models import Department

from .. import case_numbers, clocks, search
from ..models import (
    Attachment, Category, Matter, MatterEvent, Petition, PetitionPetitioner, Petitioner, PetitionerKind, Status,
)
from . import intake_rules
from ..attachments import CONTENT_TYPES, check_upload, suffix_of
from ..validators import id_number_problem, phone_problem, sha256_of, uscc_problem

COLLECTIVE_HEAD_COUNT = 5
MAX_REPRESENTATIVES = 5


@dataclass
class PetitionerInput:
    name: str
    kind: str = PetitionerKind.PERSON
    id_number: str = ""
    phone: str = ""
    address: str = ""
    is_representative: bool = False
    # 已登记过的信访人，本次留的联系方式不同：登记员确认后才改原记录（见 _petitioner）。
    update_contact: bool = False


@dataclass
class PetitionInput:
    channel: str
    received_at: datetime
    content: str
    petitioners: list[PetitionerInput]
    title: str = ""
    requests: str = ""
    head_count: int = 1
    involved_department: Department | None = None
    involved_officer: str = ""
    case_numbers: str = ""
    category: Category | None = None
    competent_authority: str = ""
    is_skip_level: bool = False
    consents_electronic_delivery: bool = False  # 信访人提交时同意电子送达（门户下载才算送达）
    attachments: list = field(default_factory=list)


def validate(data: PetitionInput) -> None:
    """逐项检查，所有问题一次说清（字段名 → 说明）。"""
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if not data.content.strip():
        add("content", "请填写信访内容")
    if not data.petitioners:
        add("petitioners", "至少需要一名信访人")
    for i, person in enumerate(data.petitioners, start=1):
        if not person.name.strip():
            add("petitioners", f"第 {i} 名信访人未填姓名或名称")
        if person.id_number:
            check = uscc_problem if person.kind == PetitionerKind.ORGANISATION else id_number_problem
            problem = check(person.id_number)
            if problem:
                add("id_number", f"{person.name}：{problem}")
        if person.phone and (problem := phone_problem(person.phone)):
            add("phone", f"{person.name}：{problem}")
    if data.head_count < 1:
        add("head_count", "人数至少为 1")
    for problem in intake_rules.representative_problems(
            channel=data.channel, head_count=data.head_count,
            representatives=sum(p.is_representative for p in data.petitioners)):
        add("petitioners", problem)
    if data.received_at > clock.now():
        add("received_at", "收到时间不能晚于现在")
    for upload in data.attachments:
        try:
            check_upload(upload)
        except ValidationError as exc:
            add("attachments", exc.messages[0])
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def register_petition(data: PetitionInput, *, by, matter: Matter | None = None) -> Petition:
    """登记一件信访：新开事项（或挂到已有事项，记为重复访），设好告知受理期限，记事件与审计。

    挂到已终结（复核后不再受理）的事项上时，信访件照样记下，事项状态不变，事件中注明"不再受理"，
    由登记员出具不再受理告知书。
    """
    validate(data)
    received_on = clock.local_date(data.received_at)
    collective = data.head_count >= COLLECTIVE_HEAD_COUNT
    if matter is None:
        matter = Matter(
            number=f"tmp-{uuid.uuid4().hex[:16]}",
            title=(data.title or data.content.strip().splitlines()[0])[:120],
            summary=data.content, requests=data.requests, category=data.category,
            competent_authority=data.competent_authority.strip(),
            department=data.involved_department or by.department,
            received_on=received_on, registered_by=by,
            is_collective=collective, is_skip_level=data.is_skip_level,
        )
        clocks.recompute(matter)
        matter.save()
        matter.number = f"XF{received_on.year}{matter.pk:08d}"
        Matter.objects.filter(pk=matter.pk).update(number=matter.number)
        repeat, event_action = False, "register"
    else:
        matter = Matter.objects.select_for_update(of=("self",)).get(pk=matter.pk)
        repeat = True
        event_action = "repeat_after_termination" if matter.status == Status.TERMINATED else "repeat"
        matter.is_collective = matter.is_collective or collective
        matter.is_skip_level = matter.is_skip_level or data.is_skip_level
    matter.petition_count += 1
    matter.save(update_fields=["petition_count", "is_collective", "is_skip_level", "updated_at"])

    petition = Petition.objects.create(
        matter=matter, channel=data.channel, received_at=data.received_at, content=data.content,
        requests=data.requests, involved_department=data.involved_department,
        involved_officer=data.involved_officer, case_numbers=data.case_numbers,
        head_count=data.head_count, is_collective=collective, is_skip_level=data.is_skip_level,
        is_repeat=repeat, registered_by=by, consents_electronic_delivery=data.consents_electronic_delivery,
    )
    case_numbers.insert([(petition.pk, petition.case_numbers)])
    for person in data.petitioners:
        PetitionPetitioner.objects.create(
            petition=petition, petitioner=_petitioner(person, by=by),
            is_representative=person.is_representative,
        )
    for upload in data.attachments:
        Attachment.objects.create(
            petition=petition, file=upload, name=upload.name[:200], size=upload.size,
            # 不存浏览器给的 Content-Type（可长可假）：内容已按扩展名核对过，类型由扩展名定。
            content_type=CONTENT_TYPES[suffix_of(upload.name)], sha256=sha256_of(upload),
        )
    search.index_matters([(matter.pk, search.matter_text(matter))])
    MatterEvent.objects.create(
        matter=matter, at=clock.now(), actor=by, action=event_action,
        from_status=matter.status, to_status=matter.status,
        data={"petition_id": petition.pk, "channel": data.channel, "collective": collective,
              "skip_level": data.is_skip_level},
    )
    record(actor=by, action=f"petition.{event_action}", obj=petition, changes={
        "matter": [None, matter.number], "channel": [None, data.channel], "head_count": [None, data.head_count],
    })
    return petition


def register_new_petitions(items: list[PetitionInput], *, by, note: str = "") -> list[Petition]:
    """成批登记（导入台账用）：每件新开一件事项、信访人都是新建的——register_petition 最常见的那一支，成批插入。

    与 register_petition 同样逐件校验（validate，含 intake_rules）、同样算告知受理期限、编号、全文索引与"登记"事件；
    审计为一条列出全部事项编号的记录（逐件各记一条在一万件上要多花一倍时间）。调用方须先确认：不挂到已有事项、
    信访人的身份证号都未登记过、同一批里不重复、没有附件（否则逐件用 register_petition）。须在调用方的事务中调用。
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("register_new_petitions 必须在事务中调用")
    if not items:
        return []
    for data in items:
        validate(data)
        if data.attachments:
            raise ValueError("成批登记不带附件")
    from xinfang.core.calendar import current_calendar

    calendar, now = current_calendar(), clock.now()
    matters = []
    for data in items:
        received_on = clock.local_date(data.received_at)
        matter = Matter(
            number=f"tmp-{uuid.uuid4().hex[:16]}",
            title=(data.title or data.content.strip().splitlines()[0])[:120],
            summary=data.content, requests=data.requests, category=data.category,
            competent_authority=data.competent_authority.strip(),
            department=data.involved_department or by.department,
            received_on=received_on, registered_by=by, petition_count=1,
            is_collective=data.head_count >= COLLECTIVE_HEAD_COUNT, is_skip_level=data.is_skip_level,
        )
        clocks.recompute(matter, calendar=calendar)
        matters.append(matter)
    Matter.objects.bulk_create(matters)
    for matter in matters:
        matter.number = f"XF{matter.received_on.year}{matter.pk:08d}"
    Matter.objects.bulk_update(matters, ["number"])
    petitions = Petition.objects.bulk_create([Petition(
        matter=matter, channel=data.channel, received_at=data.received_at, content=data.content,
        requests=data.requests, involved_department=data.involved_department,
        involved_officer=data.involved_officer, case_numbers=data.case_numbers, head_count=data.head_count,
        is_collective=matter.is_collective, is_skip_level=data.is_skip_level, is_repeat=False, registered_by=by,
        consents_electronic_delivery=data.consents_electronic_delivery,
    ) for matter, data in zip(matters, items)])
    case_numbers.insert((p.pk, p.case_numbers) for p in petitions)
    people = [(petition, person, Petitioner(kind=person.kind, name=person.name.strip(),
                                            id_number=person.id_number.strip().upper(), phone=person.phone.strip(),
                                            address=person.address.strip()))
              for petition, data in zip(petitions, items) for person in data.petitioners]
    Petitioner.objects.bulk_create([row for _, _, row in people])
    PetitionPetitioner.objects.bulk_create([PetitionPetitioner(petition=petition, petitioner=row,
                                                               is_representative=person.is_representative)
                                            for petition, person, row in people])
    search.index_matters([(m.pk, " ".join(filter(None, [m.number, m.title, m.summary, m.requests])))
                          for m in matters])
    MatterEvent.objects.bulk_create([MatterEvent(
        matter=matter, at=now, actor=by, action="register", from_status=matter.status, to_status=matter.status,
        data={"petition_id": petition.pk, "channel": data.channel, "collective": matter.is_collective,
              "skip_level": data.is_skip_level},
    ) for matter, petition, data in zip(matters, petitions, items)])
    record(actor=by, action="petition.register_many", object_type="petitions.matter",
           object_id=f"{matters[0].pk}-{matters[-1].pk}", object_repr=f"{len(matters)} 件{note}",
           changes={"matters": [None, [m.number for m in matters]]})
    return petitions


CONTACT_FIELDS = ("phone", "address")
CONTACT_LABELS = {"phone": "联系电话", "address": "通讯地址"}


def _in_scope(by, petitioner: Petitioner) -> bool:
    """信访人的每件事项都在登记员的可见范围内：改他的联系方式只影响登记员自己管得着的记录。"""
    from ..selectors import visible_matters

    theirs = Matter.objects.filter(petitions__petitioners=petitioner)
    return not theirs.exclude(pk__in=visible_matters(by).filter(petitions__petitioners=petitioner)).exists()


def _petitioner(person: PetitionerInput, *, by) -> Petitioner:
    """同一身份证号（或统一社会信用代码）的信访人只建一次；信访人的记录不是谁都能改的公共数据。

    - 网上提交（by 为 None，无人核实身份）总是新建一条：否则知道别人身份证号的人就能改掉别人的联系方式。
    - 已登记过、本次留的联系方式不同：
      在登记员范围内（此人每件事项都看得到）——须勾选“更新”确认，改动前 → 后记入审计；未确认即报错，不写；
      不在范围内——原记录一字不改；要求更新的报错、不写；没要求的，本次的联系方式另建一条
      （按身份证号查历史时两条都会查到）。
    """
    id_number = person.id_number.strip().upper()
    existing = Petitioner.objects.filter(id_number=id_number).first() if id_number and by is not None else None
    given = {name: getattr(person, name).strip() for name in CONTACT_FIELDS}
    if existing is None:
        return Petitioner.objects.create(kind=person.kind, name=person.name.strip(), id_number=id_number, **given)
    changes = {name: [getattr(existing, name), value] for name, value in given.items()
               if value and value != getattr(existing, name)}
    if not changes:
        return existing
    field = next(iter(changes))
    if not _in_scope(by, existing):
        if person.update_contact:
            raise ValidationError({field: f"{person.name}：此信访人另有不在您可见范围内的信访事项，您不能修改其已登记的"
                                          "联系方式；请取消“更新已登记的联系方式”，本次的联系方式将随本件另行记录。"})
        return Petitioner.objects.create(kind=person.kind, name=person.name.strip(), id_number=id_number, **given)
    if not person.update_contact:
        changed = "、".join(CONTACT_LABELS[name] for name in changes)
        raise ValidationError({field: f"{person.name}：此人已登记过，本次填写的{changed}与已登记的不同。"
                                      "请勾选“更新已登记的联系方式”确认修改，或清空该项沿用已登记的。"})
    for name, (_, value) in changes.items():
        setattr(existing, name, value)
    existing.save(update_fields=list(changes))
    # 审计行本身不加密：记脱敏后的前 → 后，够追查是谁改的，又不在审计里留下完整号码。
    masks = {"phone": mask_phone, "address": mask_address}
    record(actor=by, action="petitioner.update_contact", obj=existing,
           changes={name: [masks[name](a), masks[name](b)] for name, (a, b) in changes.items()})
    return existing
