from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import access, lockout, permissions
from .forms import LoginForm
from .models import LoginThrottle


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        lockout.register_success(form.get_user(), lockout.client_ip(self.request))
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
