"""事项全文检索表（见 petitions/search.py）：两种数据库各用其所长，切词在 Python 中统一完成。

不设外键：检索结果总要再经事项表（及权限）过滤，而外键会让 PostgreSQL 拒绝 TRUNCATE 事项表。
"""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE TABLE petitions_matter_search (matter_id bigint PRIMARY KEY, tokens text[] NOT NULL)"
        )
        schema_editor.execute("CREATE INDEX petitions_matter_search_tokens ON petitions_matter_search USING gin (tokens)")
    else:
        schema_editor.execute(
            'CREATE VIRTUAL TABLE petitions_matter_search USING fts5(doc, tokenize = "unicode61 remove_diacritics 0", detail = none)'
        )


def drop(apps, schema_editor):
    schema_editor.execute("DROP TABLE IF EXISTS petitions_matter_search")


class Migration(migrations.Migration):
    dependencies = [("petitions", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
