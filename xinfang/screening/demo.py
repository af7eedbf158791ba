"""示范数据：示范组织上一年的执法案件与由其引发的信访、评分、上月的排查（可重复执行，已有案件就不再生成）。"""

from __future__ import annotations

from django.db import transaction

from xinfang.core import clock
from xinfang.ml.errors import ModelError
from xinfang.org.models import Staff
from xinfang.org.services import update_staff

from . import monthly, risk
from .generate import generate_cases
from .models import EnforcementCase

DEMO_CASES = 4000
DEMO_OFFICER_NUMBER = "010001"


def seed_demo_cases() -> str:
    """返回一句给 seed-demo 打印的话。"""
    if EnforcementCase.objects.exists():
        return "示范执法案件已存在，未重新生成。"
    handler = Staff.objects.filter(username="handler").first()
    if handler is not None and not handler.police_number:
        with transaction.atomic():
            update_staff(handler, by=None, police_number=DEMO_OFFICER_NUMBER)
    summary = generate_cases(DEMO_CASES, months=12, seed=1)
    try:
        version = risk.train_model()
        trained = f"模型{'已启用' if version.is_current else '未启用（不如规则）'}"
    except ModelError as exc:
        trained = str(exc)
    risk.score_cases()
    monthly.open_due_rounds(today=clock.today())
    return (f"已生成示范执法案件 {summary.cases:,} 件（其中 {summary.petitions} 件已引发信访），{trained}；"
            f"上月排查已下发，示范承办人（警号 {DEMO_OFFICER_NUMBER}）可在「我的排查」中排查。")
