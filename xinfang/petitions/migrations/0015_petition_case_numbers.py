"""信访件的「关联执法案件编号」另存一张有索引的表（信访件 × 规范化的编号），按案件编号检索不再逐行扫描。

已有的信访件在这里补齐：按 id 分批用原生 SQL 读出带编号的信访件、拆开后成批插入（百万件的库约四十万件带编号，
逐行经 ORM 要几十分钟）。number 的索引在补齐之后再建，只建一次。
拆分与规范化与 petitions/case_numbers.py 相同（在此冻结一份，迁移不随以后的代码改变）。
"""

import re
import unicodedata

import django.db.models.deletion
from django.db import migrations, models

SPLIT = re.compile(r"[\s,，、;；/]+")
BATCH = 20_000


def _parse(text):
    text = unicodedata.normalize("NFKC", text or "").upper()
    return list(dict.fromkeys(n for n in SPLIT.split(text) if n and len(n) <= 200))


def fill(apps, schema_editor):
    connection = schema_editor.connection
    last = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT id, case_numbers FROM petitions_petition WHERE id > %s AND case_numbers <> '' "
                "ORDER BY id LIMIT %s", [last, BATCH])
            rows = cursor.fetchall()
            if not rows:
                break
            last = rows[-1][0]
            pairs = [(pk, number) for pk, text in rows for number in _parse(text)]
            if connection.vendor == "postgresql":  # 一批一条语句：executemany 在 PostgreSQL 上逐行往返
                cursor.execute("INSERT INTO petitions_petitioncasenumber (petition_id, number) "
                               "SELECT * FROM unnest(%s::bigint[], %s::text[])",
                               [[pk for pk, _ in pairs], [number for _, number in pairs]])
            else:
                cursor.executemany("INSERT INTO petitions_petitioncasenumber (petition_id, number) VALUES (%s, %s)",
                                   pairs)


class Migration(migrations.Migration):

    dependencies = [
        ('petitions', '0014_petitioner_name_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='PetitionCaseNumber',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(max_length=200, verbose_name='案件编号（规范化）')),
                ('petition', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='case_number_rows', to='petitions.petition')),
            ],
            options={
                'verbose_name': '信访件关联的案件编号',
                'verbose_name_plural': '信访件关联的案件编号',
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='petitioncasenumber',
            index=models.Index(fields=['number', 'petition'], name='petition_case_number_idx'),
        ),
    ]
