from django.contrib import messages
from django.contrib.auth import password_validation, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST


from . import access, lockout, permissions
from .forms import LoginForm, PasswordChangeForm
from .models import LoginThrottle


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        lockout.register_success(form.get_user(), lockout.client_ip(self.request),
                                 username=form.cleaned_data.get("username") or "")
        return response


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            lockout.register_logout(request.user, lockout.client_ip(request))
        return super().post(request, *args, **kwargs)


@login_not_required
def admin_login_redirect(request):
    """配置后台的登录页。已登录却不是系统管理员的，明说不能进，而不是再送回登录页（那会来回跳转）。"""
    if request.user.is_authenticated and permissions.allows(request.user, "admin.site"):
        return redirect(request.GET.get("next") if url_has_allowed_host_and_scheme(
            request.GET.get("next"), allowed_hosts={request.get_host()}) else "admin:index")
    if request.user.is_authenticated:
        raise PermissionDenied("配置后台只对系统管理员开放：您的账号没有“系统管理员”角色。"
                               "如需修改组织机构、人员或节假日，请联系系统管理员。")
    return redirect_to_login(request.GET.get("next") or "/admin/")


def department_list(request):
    departments = access.departments(request.user).annotate(staff_count=Count("staff")).select_related(
        "head", "petition_leader"
    )
    return render(request, "org/department_list.html", {"departments": departments})


def department_detail(request, pk: int):
    department = access.access_department(request.user, pk)
    staff = Paginator(
        department.staff.prefetch_related("roles").order_by("username"), 50
    ).get_page(request.GET.get("page"))
    children = department.children.annotate(staff_count=Count("staff"))
    return render(request, "org/department_detail.html",
                  {"department": department, "staff_page": staff, "children": children})


def _require_admin(request) -> None:
    permissions.require(request.user, "org.lockouts")


def lockout_list(request):
    _require_admin(request)
    return render(request, "org/lockouts.html", {"locks": lockout.current_locks()})


@require_POST
def lockout_unlock(request, pk: int):
    _require_admin(request)
    throttle = get_object_or_404(LoginThrottle, pk=pk)
    lockout.unlock(throttle, by=request.user)
    messages.success(request, f"已解锁：{throttle}")
    return redirect("org:lockouts")


def password_change(request):
    """本人修改密码（初始密码、被重置的密码登录后必须先来这里）。"""
    from . import services

    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            staff = services.change_own_password(request.user, old_password=data["old_password"],
                                                 new_password=data["new_password1"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field, error)
        else:
            update_session_auth_hash(request, staff)  # 改密码会让别的会话失效，本会话保留
            messages.success(request, "密码已修改。")
            return redirect("/")
    return render(request, "registration/password_change.html", {
        "form": form, "rules": password_validation.password_validators_help_texts()})
