"""配置后台（中文）：部门、人员、角色、登录锁定。保存、改密码、解锁一律经 services，留审计记录。

配置后台只做配置（组织、人员、角色、类别、节假日、文书模板）；审计、责任追究、回访与通知不在这里。
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import update_session_auth_hash
from django.contrib.admin.forms import AdminPasswordChangeForm
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.models import Group
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from . import lockout, services
from .models import Department, LoginThrottle, Staff

# 角色是本系统自己的（Staff.roles，见 org/permissions.py）；Django 的用户组与逐项权限不用，不在后台出现。
admin.site.unregister(Group)


class OwnPasswordForm(AdminPasswordChangeForm):
    """后台“修改我的密码”：经 services.set_password（密码规则、审计），不直接存库。"""

    def save(self, commit=True):
        return services.set_password(self.user, by=self.user, password=self.cleaned_data["new_password1"])


admin.site.password_change_form = OwnPasswordForm


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "is_organ", "full_name", "parent", "head", "petition_leader", "is_active")
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

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # 人员页显示警号与联系电话：每次打开记一次个人资料查看。
        if request.method == "GET" and (staff := self.get_object(request, unquote(object_id))) is not None:
            services.record_staff_read(staff, by=request.user, purpose="配置后台查看人员资料")
        return super().change_view(request, object_id, form_url, extra_context)

    def user_change_password(self, request, id, form_url=""):
        """重设密码经 services.set_password：同样的密码规则，并留审计（Django 自带的页面直接存库，不留痕）。"""
        staff = self.get_object(request, unquote(id))
        if staff is None:
            raise Http404("人员不存在")
        form = SetPasswordForm(staff, request.POST or None)
        if request.method == "POST" and form.is_valid():
            services.set_password(staff, by=request.user, password=form.cleaned_data["new_password1"])
            if staff.pk == request.user.pk:
                update_session_auth_hash(request, staff)
            messages.success(request, f"已为 {staff} 重设密码（已记入审计）。")
            return redirect("admin:org_staff_change", staff.pk)
        context = {**self.admin_site.each_context(request), "title": f"重设密码：{staff.username}",
                   "form": form, "staff": staff, "opts": self.opts}
        return TemplateResponse(request, "admin/org/staff/set_password.html", context)


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
