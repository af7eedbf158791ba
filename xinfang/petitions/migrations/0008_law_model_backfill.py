"""旧数据换到新的法律模型上：

- "部分支持"不是《信访工作条例》第三十二条的决定：部分符合规定的请求"予以支持"（写明支持哪部分），
  旧值一律改为"予以支持"；"不支持"的写法改为"不予支持"只是标签，值不变。
- 已答复的事项补上处理意见行（Opinion），已复查、复核的补上复查、复核意见行；作出机关为责任单位
  所属机关（迁移时无法知道当年的复查机关，复查、复核意见的作出机关留空并注明），送达日期取原来的列。
"""

from django.db import migrations

ORGAN_KINDS = {"detachment", "brigade"}
REPLIED = {"replied", "closed", "reviewing", "reviewed", "re_reviewing", "re_review_hearing", "terminated"}


def _organ(department, by_id):
    node = department
    while node is not None:
        organ = node.is_organ if node.is_organ is not None else node.kind in ORGAN_KINDS
        if organ:
            return node
        node = by_id.get(node.parent_id)
    return department


def forwards(apps, schema_editor):
    Matter = apps.get_model("petitions", "Matter")
    MatterEvent = apps.get_model("petitions", "MatterEvent")
    Opinion = apps.get_model("petitions", "Opinion")
    Document = apps.get_model("petitions", "Document")
    Department = apps.get_model("org", "Department")
    Matter.objects.filter(outcome="partial").update(outcome="support")
    by_id = {d.pk: d for d in Department.objects.all()}
    for matter in Matter.objects.filter(status__in=REPLIED).exclude(outcome="").iterator():
        if Opinion.objects.filter(matter=matter).exists():
            continue
        approve = MatterEvent.objects.filter(matter=matter, action="approve_reply").order_by("at", "id").first()
        decided = approve.at.date() if approve else (matter.reply_delivered_on or matter.received_on)
        doc = Document.objects.filter(matter=matter, kind="reply").order_by("created_at", "id").first()
        organ = _organ(by_id[matter.department_id], by_id)
        Opinion.objects.create(
            matter=matter, kind="reply", deciding_organ=organ, decision=matter.outcome, text=matter.reply_text or "（迁移前记录）",
            remedy_compensation=matter.remedy_compensation, remedy_apology=matter.remedy_apology,
            remedy_correction=matter.remedy_correction, decided_on=min(decided, matter.reply_delivered_on or decided),
            delivered_on=matter.reply_delivered_on, delivery_method="other" if matter.reply_delivered_on else "",
            delivery_proof="迁移前记录" if matter.reply_delivered_on else "", document=doc,
            created_at=approve.at if approve else matter.created_at,
        )
        for kind, delivered in (("review", matter.review_delivered_on), ("re_review", None)):
            event = MatterEvent.objects.filter(matter=matter, action=f"issue_{kind}").order_by("at", "id").first()
            if event is None:
                continue
            old = (event.data or {}).get(f"{kind}_outcome", "")
            old = "support" if old == "partial" else old
            same = old == matter.outcome
            Opinion.objects.create(
                matter=matter, kind=kind, external_organ="（迁移前记录，复查、复核机关未记载）",
                review_outcome="uphold" if same or not old else "vary", decision=old or matter.outcome,
                text=(event.data or {}).get(f"{kind}_text", "") or "（迁移前记录）",
                decided_on=event.at.date(), delivered_on=delivered,
                delivery_method="other" if delivered else "", delivery_proof="迁移前记录" if delivered else "",
                document=Document.objects.filter(matter=matter, kind=kind).order_by("created_at", "id").first(),
                created_at=event.at,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0007_matter_deciding_organ_matter_reply_items_and_more"),
        ("org", "0003_department_full_name_department_is_organ_and_more"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
