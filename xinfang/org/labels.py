"""部门怎么写给人看：按它在树上的位置（"一大队 / 一中队"），不只写本名——三个大队都有"一中队"。

所有页面、徽章、下拉框都经这里：`department_label(d)`、模板过滤器 `{{ d|dept }}`、分组的选择框
`GroupedDepartmentChoiceField`（按大队分组的 optgroup）。部门表很小（几百行），名称缓存在进程里，
部门保存或删除时清空，另有 60 秒的过期以便多进程部署里别的进程改名后也能跟上。
"""

from __future__ import annotations

import threading
import time

from django import forms

from .models import Department

SEPARATOR = " / "
_TTL_SECONDS = 60.0
_lock = threading.Lock()
_cache: dict[int, tuple[str, str]] = {}  # id -> (名称, 路径)
_loaded_at = 0.0


def clear_cache(**_kwargs) -> None:
    global _loaded_at
    with _lock:
        _cache.clear()
        _loaded_at = 0.0


def _names(ids: list[int], own: Department | None = None) -> dict[int, str]:
    global _loaded_at
    stale = time.monotonic() - _loaded_at > _TTL_SECONDS
    missing = any(i not in _cache for i in ids)
    mismatch = own is not None and _cache.get(own.pk) not in (None, (own.name, own.path))
    if stale or missing or mismatch:
        rows = Department.objects.values_list("pk", "name", "path")
        with _lock:
            _cache.clear()
            _cache.update({pk: (name, path) for pk, name, path in rows})
            _loaded_at = time.monotonic()
    return {i: _cache[i][0] for i in ids if i in _cache}


def department_path(department: Department | None) -> list[str]:
    """从大队（根之下第一级）到本部门的名称；根部门（支队）只有自己。"""
    if department is None:
        return []
    ids = department.ancestor_ids() or [department.pk]
    names = _names(ids, department)
    parts = [names.get(i, "") for i in ids]
    if ids and ids[-1] == department.pk:
        parts[-1] = department.name
    if len(parts) > 1:
        parts = parts[1:]  # 全系统同属一个支队：路径从大队写起
    return [p for p in parts if p]


def department_label(department: Department | None, default: str = "") -> str:
    """"一大队 / 一中队"；根部门写本名；None 写 default。"""
    if department is None:
        return default
    return SEPARATOR.join(department_path(department)) or department.name


def department_label_for_id(pk: int | None, default: str = "") -> str:
    """只有部门 id 时（列表按 values() 取数）：从缓存的名称与路径写出同样的"一大队 / 一中队"。"""
    if pk is None:
        return default
    _names([pk])
    if pk not in _cache:
        return default
    name, path = _cache[pk]
    return department_label(Department(pk=pk, name=name, path=path), default)


class _GroupedIterator(forms.models.ModelChoiceIterator):
    """按第一级部门（大队、科室）分组：每组的组名是那一级部门的名称，组内选项写路径。"""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        queryset = self.queryset.order_by("path")
        groups: dict[str, list] = {}
        order: list[str] = []
        for obj in queryset.iterator() if not queryset._prefetch_related_lookups else queryset:
            path = department_path(obj)
            group = path[0] if obj.depth >= 1 and path else obj.name
            if group not in groups:
                groups[group] = []
                order.append(group)
            groups[group].append(self.choice(obj))
        for group in order:
            yield (group, groups[group])


class GroupedDepartmentChoiceField(forms.ModelChoiceField):
    """单选部门：下拉框按大队分组，选项写路径（一大队 / 一中队）。"""

    iterator = _GroupedIterator

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("empty_label", "请选择")
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return department_label(obj)


class GroupedDepartmentMultipleChoiceField(forms.ModelMultipleChoiceField):
    """多选部门：同上，按大队分组。"""

    iterator = _GroupedIterator

    def label_from_instance(self, obj):
        return department_label(obj)
