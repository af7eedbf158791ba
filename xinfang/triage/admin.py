from django.contrib import admin
from django.utils.html import format_html_join

from xinfang.core.admin import ReadOnlyAdmin

from . import services
from .models import AuthorityLabel, ModelVersion


@admin.register(AuthorityLabel)
class AuthorityLabelAdmin(admin.ModelAdmin):
    list_display = ("name", "is_active", "sort_order")

    def save_model(self, request, obj, form, change):
        services.save_authority_label(obj, by=request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # 停用即可：历史事项与反馈仍引用它。


@admin.register(ModelVersion)
class ModelVersionAdmin(ReadOnlyAdmin):
    """模型版本只读：看每个版本的指标、分类别报告与启用决定。"""

    list_display = ("task", "version", "macro_f1", "accuracy", "n_train", "n_test", "is_current", "created_at")
    list_filter = ("task", "is_current")
    readonly_fields = ("per_class",)
    exclude = ("report",)

    @admin.display(description="分类别报告")
    def per_class(self, obj):
        rows = [(label, f"{v['precision']:.3f}", f"{v['recall']:.3f}", f"{v['f1-score']:.3f}", int(v["support"]))
                for label, v in obj.report.items() if isinstance(v, dict) and "support" in v]
        return format_html_join("", "<div>{}：精确率 {} · 召回率 {} · F1 {} · 条数 {}</div>", rows)
