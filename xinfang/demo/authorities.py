"""示范数据的"主管机关"：按每件示范事项的去向，写上登记员会选的主管机关，供演示主管机关分诊模型。

示范信访是造出来的（petitions/generate.py），造数时不填主管机关。这里按事项已有的事实推定，
与登记员的判断方式一致：转送的，是接收转送的机关；依法分类处理的，是法定途径的受理机关；
车辆、驾驶证业务归车辆管理所；其余由本支队主管。只用于示范库，不用于真实部署。
"""

from __future__ import annotations

from django.db import transaction

from xinfang.petitions.models import Matter, Status

DIVERTED_TO = {
    "accident_review": "上一级公安机关交通管理部门",
    "administrative_reconsideration": "行政复议机关",
    "administrative_litigation": "人民法院",
    "civil_litigation": "人民法院",
    "arbitration": "仲裁委员会",
}
VEHICLE_OFFICE_CATEGORIES = ("车辆管理", "驾驶人管理")


def demo_authority(matter: Matter) -> str:
    disposal = matter.disposal or {}
    if matter.status == Status.TRANSFERRED and disposal.get("authority"):
        return disposal["authority"]
    if matter.status == Status.DIVERTED and disposal.get("channel") in DIVERTED_TO:
        return DIVERTED_TO[disposal["channel"]]
    category = matter.category
    top = category.parent.name if category is not None and category.parent_id else (category.name if category else "")
    if top in VEHICLE_OFFICE_CATEGORIES and category is not None and category.name != "扣留车辆":
        return "车辆管理所"
    return "本支队"


@transaction.atomic
def label_demo_authorities() -> dict[str, int]:
    """给没有主管机关的示范事项写上推定的主管机关；返回各机关的件数。示范造数本身也是批量写入，不逐件记审计。"""
    counts: dict[str, int] = {}
    by_label: dict[str, list[int]] = {}
    for matter in Matter.objects.filter(competent_authority="").select_related("category__parent").iterator(chunk_size=5000):
        label = demo_authority(matter)
        by_label.setdefault(label, []).append(matter.pk)
    for label, pks in by_label.items():
        # 分批：SQLite 一条语句最多 32766 个参数，百万件的库上一次 IN 不下。
        for start in range(0, len(pks), 10000):
            Matter.objects.filter(pk__in=pks[start:start + 10000]).update(competent_authority=label)
        counts[label] = len(pks)
    return counts
