"""信访人的身份证号、电话、地址改为加密存储：加密文列与盲索引列，逐批加密已有的行，删去明文列。"""

from django.db import migrations

import xinfang.core.crypto
import xinfang.core.fields

BATCH = 2_000
PLAIN = ("id_number", "phone", "address")
INDEXED = {"id_number": xinfang.core.crypto.normalise_id_number, "phone": xinfang.core.crypto.normalise_phone}


def _sealed(Petitioner, name):
    return Petitioner._meta.get_field(f"{name}_sealed")


def encrypt_existing(apps, schema_editor):
    from xinfang.core import crypto

    Petitioner = apps.get_model("petitions", "Petitioner")
    table = Petitioner._meta.db_table
    contexts = {name: _sealed(Petitioner, name).context for name in PLAIN}
    sets = ", ".join([f"{name}_enc = %s" for name in PLAIN] + [f"{name}_index = %s" for name in INDEXED])
    sql = f"UPDATE {table} SET {sets} WHERE id = %s"
    last = 0
    with schema_editor.connection.cursor() as cursor:
        while True:
            rows = list(Petitioner.objects.filter(pk__gt=last).order_by("pk").values_list("pk", *PLAIN)[:BATCH])
            if not rows:
                break
            params = []
            for pk, *values in rows:
                plain = dict(zip(PLAIN, values))
                params.append(
                    [crypto.encrypt(plain[n] or "", context=contexts[n]) for n in PLAIN]
                    + [crypto.blind_index(norm(plain[n] or ""), context=contexts[n]) for n, norm in INDEXED.items()]
                    + [pk])
            cursor.executemany(sql, params)
            last = rows[-1][0]


def decrypt_back(apps, schema_editor):
    Petitioner = apps.get_model("petitions", "Petitioner")
    last = 0
    while True:
        batch = list(Petitioner.objects.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not batch:
            break
        for person in batch:
            for name in PLAIN:
                setattr(person, name, getattr(person, f"{name}_sealed"))
        Petitioner.objects.bulk_update(batch, list(PLAIN))
        last = batch[-1].pk


class Migration(migrations.Migration):

    dependencies = [
        ("petitions", "0009_matter_discipline_body_matter_matter_type"),
    ]

    operations = [
        migrations.AddField(
            model_name="petitioner",
            name="id_number_index",
            field=xinfang.core.fields.BlindIndexField(blank=True, db_index=True, default="", editable=False,
                                                      max_length=32, source="id_number"),
        ),
        migrations.AddField(
            model_name="petitioner",
            name="phone_index",
            field=xinfang.core.fields.BlindIndexField(blank=True, db_index=True, default="", editable=False,
                                                      max_length=32, source="phone"),
        ),
        migrations.AddField(
            model_name="petitioner",
            name="id_number_sealed",
            field=xinfang.core.fields.EncryptedField(blank=True, db_column="id_number_enc", default="",
                                                     index_field="id_number_index", max_length=18,
                                                     normalise=xinfang.core.crypto.normalise_id_number,
                                                     verbose_name="身份证号码或统一社会信用代码"),
        ),
        migrations.AddField(
            model_name="petitioner",
            name="phone_sealed",
            field=xinfang.core.fields.EncryptedField(blank=True, db_column="phone_enc", default="",
                                                     index_field="phone_index", max_length=20,
                                                     normalise=xinfang.core.crypto.normalise_phone,
                                                     verbose_name="联系电话"),
        ),
        migrations.AddField(
            model_name="petitioner",
            name="address_sealed",
            field=xinfang.core.fields.EncryptedField(blank=True, db_column="address_enc", default="",
                                                     max_length=200, verbose_name="通讯地址"),
        ),
        migrations.RunPython(encrypt_existing, decrypt_back, elidable=False),
        migrations.RemoveField(model_name="petitioner", name="id_number"),
        migrations.RemoveField(model_name="petitioner", name="phone"),
        migrations.RemoveField(model_name="petitioner", name="address"),
        migrations.RenameField(model_name="petitioner", old_name="id_number_sealed", new_name="id_number"),
        migrations.RenameField(model_name="petitioner", old_name="phone_sealed", new_name="phone"),
        migrations.RenameField(model_name="petitioner", old_name="address_sealed", new_name="address"),
    ]
