"""任务游标合为 core.JobCursor：督办、分诊、门户原来各有一张同样的游标表。先建新表、复制已有进度；
各应用随后的迁移删去自己的旧表。回退时按任务名把进度复制回去。"""

from django.db import migrations, models

# (应用, 旧模型, 旧进度字段, 该应用的任务名)
OLD_CURSORS = (
    ("supervision", "JobCursor", "position", ("sweep", "matter-events")),
    ("triage", "Cursor", "last_id", ("triage-feedback",)),
    ("portal", "PortalCursor", "last_event_id", ("return_visits",)),
)


def to_core(apps, schema_editor):
    JobCursor = apps.get_model("core", "JobCursor")
    for app, model, field, _ in OLD_CURSORS:
        for row in apps.get_model(app, model).objects.all():
            JobCursor.objects.update_or_create(
                name=row.name, defaults={"position": getattr(row, field), "ran_at": getattr(row, "ran_at", None)})


def back_from_core(apps, schema_editor):
    JobCursor = apps.get_model("core", "JobCursor")
    for app, model, field, names in OLD_CURSORS:
        Old = apps.get_model(app, model)
        extra = {"ran_at"} & {f.name for f in Old._meta.get_fields()}
        for row in JobCursor.objects.filter(name__in=names):
            Old.objects.update_or_create(
                name=row.name, defaults={field: row.position, **{name: getattr(row, name) for name in extra}})


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0001_initial"),
        ("supervision", "0002_event_cursor"),
        ("triage", "0001_initial"),
        ("portal", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="JobCursor",
            fields=[
                ("name", models.CharField(max_length=40, primary_key=True, serialize=False, verbose_name="任务")),
                ("position", models.BigIntegerField(default=0, verbose_name="读到的记录 id")),
                ("ran_at", models.DateTimeField(blank=True, null=True, verbose_name="上次运行")),
            ],
            options={"verbose_name": "任务游标", "verbose_name_plural": "任务游标"},
        ),
        migrations.RunPython(to_core, back_from_core),
    ]
