"""测试用：合法的身份证号、一件登记好的信访事项。"""

from __future__ import annotations

from datetime import datetime

from xinfang.core import clock

from .actions.intake import PetitionerInput, PetitionInput, register_petition
from .models import Channel, Matter
from .validators import _ID_CHECK, _ID_WEIGHTS


def id_number(first17: str = "43010519800101123") -> str:
    """给 17 位前缀补上正确的校验位。"""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS))
    return first17 + _ID_CHECK[total % 11]


def register(by, *, department=None, content: str = "对电子警察抓拍的闯红灯违法有异议，请求撤销处罚。",
             received_at: datetime | None = None, person: PetitionerInput | None = None, matter: Matter | None = None,
             **kwargs) -> Matter:
    person = person or PetitionerInput(name="张三", id_number=id_number(), phone="13800138000", address="示范市")
    petition = register_petition(PetitionInput(
        channel=kwargs.pop("channel", Channel.VISIT), received_at=received_at or clock.now(), content=content,
        petitioners=[person], involved_department=department, **kwargs,
    ), by=by, matter=matter)
    return petition.matter
