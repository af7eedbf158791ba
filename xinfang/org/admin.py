"""配置后台（中文）：部门、人员、角色、登录锁定。保存一律经 services，留审计记录。"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin

from . import lockout, services
from .models import Department, LoginThrottle, Staff


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "parent", "head", "petition_leader", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "code")
    ordering = ("path",)
    autocomplete_fields = ("parent", "head", "petition_leader")

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in services.DEPARTMENT_FIELDS if name in form.cleaned_data}
        if change:
            services.update_department(obj, by=request.user, **values)
        else:
            saved = services.create_department(by=request.user, **{k: v for k, v in values.items() if k != "is_active"})
            obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None):
        return False  # 部门只停用、不删除：历史信访件仍指向它。


class StaffCreationForm(forms.ModelForm):
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput, help_text="至少 10 位，须含字母和数字。")

    class Meta:
        model = Staff
        fields = ("username", "name", "department")


@admin.register(Staff)
class StaffAdmin(UserAdmin):
    list_display = ("username", "name", "department", "is_active")
    list_filter = ("is_active", "roles", "department__kind")
    search_fields = ("username", "name", "police_number")
    ordering = ("username",)
    autocomplete_fields = ("department",)
    filter_horizontal = ("roles", "oversees")
    fieldsets = (
        (None, {"fields": ("username", "name", "police_number", "phone", "department", "is_active")}),
        ("角色与分管", {"fields": ("roles", "oversees")}),
    )
    add_form = StaffCreationForm
    add_fieldsets = ((None, {"fields": ("username", "name", "department", "password")}),)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            values = {name: data[name] for name in services.STAFF_FIELDS if name in data and name != "is_staff"}
            services.update_staff(obj, by=request.user, **values)
        else:
            saved = services.create_staff(by=request.user, username=data["username"], name=data["name"],
                                          password=data["password"], department=data.get("department"))
            obj.pk = saved.pk

    def save_related(self, request, form, formsets, change):
        staff = Staff.objects.get(pk=form.instance.pk)
        if "roles" in form.cleaned_data:
            services.set_roles(staff, by=request.user, roles=[r.code for r in form.cleaned_data["roles"]])
        if "oversees" in form.cleaned_data:
            services.set_oversight(staff, by=request.user, departments=form.cleaned_data["oversees"])

    def has_delete_permission(self, request, obj=None):
        return False  # 人员只停用、不删除：审计与办理记录要能追溯到人。


@admin.register(LoginThrottle)
class LoginThrottleAdmin(admin.ModelAdmin):
    list_display = ("kind", "key", "failures", "locked_until")
    actions = ["unlock"]

    @admin.action(description="解锁所选账号或地址")
    def unlock(self, request, queryset):
        throttles = list(queryset)
        for throttle in throttles:
            lockout.unlock(throttle, by=request.user)
        messages.success(request, f"已解锁 {len(throttles)} 项")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
