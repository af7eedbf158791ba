from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from . import lockout


class LoginForm(AuthenticationForm):
    """登录表单：先看锁定，再验密码；失败计数。"""

    error_messages = {
        "invalid_login": "用户名或密码不正确。连续多次失败后账号将被暂时锁定。",
        "inactive": "该账号已停用，请联系系统管理员。",
    }

    username = forms.CharField(label="用户名", max_length=150, widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}))
    password = forms.CharField(label="密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        ip = lockout.client_ip(self.request)
        # 查锁定与计数是同一步（锁住计数行），并发的猜测不能都赶在计数之前通过。
        message = lockout.claim_attempt(username, ip)
        if message:
            raise ValidationError(message, code="locked")
        try:
            return super().clean()
        except ValidationError:
            lockout.register_failure(username, ip)
            # 这一次失败刚好触发锁定时，直接告诉用户已被锁定。
            raise ValidationError(lockout.refusal(username, ip) or self.error_messages["invalid_login"],
                                  code="invalid_login") from None


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label="原密码", strip=False, max_length=128, widget=forms.PasswordInput)
    new_password1 = forms.CharField(label="新密码", strip=False, max_length=128, widget=forms.PasswordInput)
    new_password2 = forms.CharField(label="再输一次新密码", strip=False, max_length=128, widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("new_password1") and data.get("new_password2") and data["new_password1"] != data["new_password2"]:
            self.add_error("new_password2", "两次输入的新密码不一致。")
        return data
