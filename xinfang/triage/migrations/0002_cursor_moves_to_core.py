"""本应用的游标搬到 core.JobCursor（三个应用各有一张同样的游标表，合为一张）：先复制已有的进度，再删表。"""

from django.db import migrations


def to_core(apps, schema_editor):
    JobCursor = apps.get_model("core", "JobCursor")
    for row in apps.get_model("triage", "Cursor").objects.all():
        JobCursor.objects.update_or_create(name=row.name, defaults=dict(position=row.last_id))


def back_from_core(apps, schema_editor):
    Old = apps.get_model("triage", "Cursor")
    for name in CURSOR_NAMES:
        row = apps.get_model("core", "JobCursor").objects.filter(name=name).first()
        if row is not None:
            Old.objects.update_or_create(name=name, defaults=dict(last_id=row.position))


CURSOR_NAMES = ("triage-feedback",)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0002_job_cursor"),
        ("triage", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(to_core, back_from_core),
        migrations.DeleteModel(name="Cursor"),
    ]
