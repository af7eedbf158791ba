"""事件游标从装上本应用那一刻起算：已有的历史事件不回头追究（新库从 0 起）。"""

from django.db import migrations
from django.db.models import Max


def start_cursor(apps, schema_editor):
    MatterEvent = apps.get_model("petitions", "MatterEvent")
    JobCursor = apps.get_model("supervision", "JobCursor")
    last = MatterEvent.objects.aggregate(last=Max("id"))["last"] or 0
    JobCursor.objects.update_or_create(name="matter-events", defaults={"position": last})


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial"), ("petitions", "0002_search")]
    operations = [migrations.RunPython(start_cursor, migrations.RunPython.noop)]
