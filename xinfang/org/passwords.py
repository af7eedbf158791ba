"""密码规则中 Django 自带校验器没有的几条：字母与数字都要有；不得含用户名；不得连续重复同一字符。"""

import re

from django.core.exceptions import ValidationError


class MixedCharactersValidator:
    def validate(self, password: str, user=None) -> None:
        if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
            raise ValidationError("密码必须同时包含字母和数字。", code="password_not_mixed")

    def get_help_text(self) -> str:
        return "密码必须同时包含字母和数字。"


class NoUsernameValidator:
    """Django 的 UserAttributeSimilarityValidator 只比"相似度"，"zhangsan2026x" 这样含用户名的照样能过。"""

    def validate(self, password: str, user=None) -> None:
        username = (getattr(user, "username", "") or "").lower()
        if len(username) >= 3 and username in password.lower():
            raise ValidationError("密码不得包含用户名。", code="password_contains_username")

    def get_help_text(self) -> str:
        return "密码不得包含用户名。"


class NoRepeatedCharacterValidator:
    """同一字符连续出现 3 次及以上（aaa、111）的密码容易猜，也包括整串只是一个字符重复。"""

    RUN = 3

    def validate(self, password: str, user=None) -> None:
        if re.search(r"(.)\1{%d,}" % (self.RUN - 1), password):
            raise ValidationError(f"密码不得连续 {self.RUN} 次以上重复同一字符。", code="password_repeats_character")

    def get_help_text(self) -> str:
        return f"密码不得连续 {self.RUN} 次以上重复同一字符。"
