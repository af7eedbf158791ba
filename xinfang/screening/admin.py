from django.contrib import admin

from xinfang.audit.services import record
from xinfang.ml.screening import WORDING

from .models import RiskModelVersion, RiskRule


@admin.register(RiskRule)
class RiskRuleAdmin(admin.ModelAdmin):
    """管理员调整规则的权重、措辞、启用；条件只能从固定目录中选（见 xinfang/ml/screening.py 的 FEATURES）。"""

    list_display = ("wording", "code", "weight", "enabled")
    list_editable = ("weight", "enabled")
    ordering = ("-weight",)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "code":
            from django import forms

            return forms.ChoiceField(label="条件", choices=sorted(WORDING.items(), key=lambda p: p[1]))
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        from django.db import transaction

        with transaction.atomic():
            super().save_model(request, obj, form, change)
            record(actor=request.user, action="screening.rule_saved", obj=obj,
                   changes={name: [None, form.cleaned_data.get(name)] for name in form.changed_data})


@admin.register(RiskModelVersion)
class RiskModelVersionAdmin(admin.ModelAdmin):
    list_display = ("created_at", "n_train", "n_positive", "precision_at_k", "rule_precision_at_k", "auc", "is_current")
    readonly_fields = [f.name for f in RiskModelVersion._meta.fields]

    def has_add_permission(self, request):
        return False


# 导入记录不是配置（后台只放配置）：导入进度与结果看 /screening/import/（系统管理员）。
