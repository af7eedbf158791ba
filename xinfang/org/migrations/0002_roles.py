from django.db import migrations

ROLE_CODES = ["clerk", "handler", "unit_head", "leader", "supervisor", "bureau_leader", "auditor", "admin"]


def create_roles(apps, schema_editor):
    Role = apps.get_model("org", "Role")
    for code in ROLE_CODES:
        Role.objects.get_or_create(code=code)


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
