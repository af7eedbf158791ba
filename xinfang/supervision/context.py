"""页头的未读通知数（注册在 settings.TEMPLATES 的 context_processors 里）。"""

from .notifications import unread_count


def unread_notifications(request) -> dict:
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    return {"unread_notifications": unread_count(user)}
