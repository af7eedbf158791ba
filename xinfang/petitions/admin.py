from django import forms
from django.contrib import admin

from . import documents
from .actions import config
from .models import Category, DocumentTemplate


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("__str__", "sort_order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)

    def save_model(self, request, obj, form, change):
        config.save_category(obj, by=request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # 类别只停用：已有事项仍指向它。


class DocumentTemplateForm(forms.ModelForm):
    class Meta:
        model = DocumentTemplate
        fields = ("kind", "file")

    def clean(self):
        data = super().clean()
        upload, kind = data.get("file"), data.get("kind")
        if upload and kind and hasattr(upload, "read"):
            try:
                used = documents.placeholders_in(upload.read())
            except ValueError as exc:
                raise forms.ValidationError(str(exc)) from None
            finally:
                upload.seek(0)
            unknown = [name for name in used if name not in documents.template_placeholders(kind)]
            if unknown:
                raise forms.ValidationError(
                    f"模板中有本系统不认识的占位符：{'、'.join(unknown)}。可用的有："
                    + "、".join(documents.template_placeholders(kind))
                )
        return data


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(admin.ModelAdmin):
    form = DocumentTemplateForm
    list_display = ("kind", "file", "updated_at")

    def save_model(self, request, obj, form, change):
        config.save_document_template(obj, by=request.user)
