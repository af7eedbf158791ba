from django.db import migrations


def add_default_rules(apps, schema_editor):
    from xinfang.ml.screening import DEFAULT_RULES

    RiskRule = apps.get_model("screening", "RiskRule")
    for rule in DEFAULT_RULES:
        RiskRule.objects.get_or_create(code=rule.code, defaults={"wording": rule.wording, "weight": rule.weight})


class Migration(migrations.Migration):
    dependencies = [("screening", "0001_initial")]
    operations = [migrations.RunPython(add_default_rules, migrations.RunPython.noop)]
