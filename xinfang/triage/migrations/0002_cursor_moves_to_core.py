"""游标已搬到 core.JobCursor（进度由 core 的 0002 迁移复制过去），删去本应用的旧表。"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0002_job_cursor"),
        ("triage", "0001_initial"),
    ]

    operations = [
        migrations.DeleteModel(name="Cursor"),
    ]
