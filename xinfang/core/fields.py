"""加密存储的模型字段与它的盲索引字段（算法见 core.crypto）。

    id_number = EncryptedField("身份证号码", max_length=18, db_column="id_number_enc",
                               index_field="id_number_index", normalise=crypto.normalise_id_number)
    id_number_index = BlindIndexField(source="id_number")

Python 里照旧读写明文（`petitioner.id_number`），库里只有密文与索引。`filter(id_number=…)` 与
`filter(id_number__in=…)` 改查索引列（规范化后精确匹配）；密文上做不了的查找（包含、前缀、排序比较）一律报错，
免得静默地查不到。`QuerySet.update()` 不经过 save，不会更新索引：改这些字段请用 save()。
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import FieldError
from django.db import models
from django.db.models.expressions import Col
from django.db.models.lookups import Lookup

from . import crypto


def _same(value: str) -> str:
    return value


class EncryptedField(models.TextField):
    description = "加密存储的文本"

    def __init__(self, *args, index_field: str = "", normalise=None, **kwargs):
        self.index_field = index_field
        self.normalise = normalise or _same
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.index_field:
            kwargs["index_field"] = self.index_field
        if self.normalise is not _same:
            kwargs["normalise"] = self.normalise
        return name, path, args, kwargs

    @property
    def context(self) -> str:
        """附加数据：表名.列名。列名不随 Python 里的字段改名而变。"""
        return f"{self.model._meta.db_table}.{self.column}"

    def from_db_value(self, value, expression, connection):
        return crypto.decrypt(value, context=self.context) if value else (value if value is None else "")

    def to_python(self, value):
        return "" if value is None else str(value)

    def get_prep_value(self, value):
        if value is None:
            return None
        return crypto.encrypt(str(value), context=self.context)

    def formfield(self, **kwargs):
        return forms.CharField(label=self.verbose_name, max_length=self.max_length, required=not self.blank,
                               **kwargs)

    def get_lookup(self, lookup_name):
        if lookup_name in ("exact", "in", "isnull"):
            return super().get_lookup(lookup_name)
        raise FieldError(f"{self.model.__name__}.{self.name} 加密存储，只能按整个值精确查找（{lookup_name} 不支持）")

    def get_transform(self, name):
        return None

    def index_values(self, value) -> list[str]:
        return crypto.blind_indexes(self.normalise(str(value or "")), context=self.context)

    def current_index(self, value) -> str:
        return crypto.blind_index(self.normalise(str(value or "")), context=self.context)


class BlindIndexField(models.CharField):
    """某个 EncryptedField 的盲索引列：保存时由那个字段的当前值算出。"""

    description = "盲索引"

    def __init__(self, *args, source: str = "", **kwargs):
        self.source = source
        kwargs.setdefault("max_length", crypto.INDEX_CHARS)
        kwargs.setdefault("db_index", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        source = model_instance._meta.get_field(self.source)
        value = source.current_index(getattr(model_instance, source.attname))
        setattr(model_instance, self.attname, value)
        return value


def with_index_fields(model: type[models.Model], update_fields):
    """save(update_fields=["phone"]) 也要写 phone 的索引列：补上随之变化的索引字段。"""
    if update_fields is None:
        return None
    extra = {f.index_field for f in model._meta.concrete_fields
             if isinstance(f, EncryptedField) and f.index_field and f.name in update_fields}
    return set(update_fields) | extra


class _BlindLookup(Lookup):
    prepare_rhs = False  # 不要把查找值当作字段值加密

    def _index_column(self, compiler):
        if not isinstance(self.lhs, Col):
            raise FieldError("加密字段只能直接按列精确查找")
        field = self.lhs.target
        index = field.model._meta.get_field(field.index_field) if field.index_field else None
        if index is None:
            raise FieldError(f"{field.model.__name__}.{field.name} 没有盲索引，不能查找")
        return field, compiler.compile(Col(self.lhs.alias, index))

    def _values(self, field) -> list[str]:
        raise NotImplementedError

    def as_sql(self, compiler, connection):
        field, (column, params) = self._index_column(compiler)
        values = self._values(field)
        if not values:
            return "1 = 0", []
        return f"{column} IN ({', '.join(['%s'] * len(values))})", [*params, *values]


@EncryptedField.register_lookup
class BlindExact(_BlindLookup):
    lookup_name = "exact"

    def _values(self, field):
        if hasattr(self.rhs, "resolve_expression"):
            raise FieldError("加密字段不能与表达式比较")
        return field.index_values(self.rhs)


@EncryptedField.register_lookup
class BlindIn(_BlindLookup):
    lookup_name = "in"

    def _values(self, field):
        if hasattr(self.rhs, "resolve_expression"):
            raise FieldError("加密字段不能用子查询查找")
        return list(dict.fromkeys(v for item in self.rhs for v in field.index_values(item)))
