"""例行清理：过期会话、已过期的登录锁定。"""

from django.contrib.sessions.models import Session

from xinfang.core import clock


def purge_expired() -> dict[str, int]:
    from xinfang.org.lockout import purge_expired_locks

    sessions, _ = Session.objects.filter(expire_date__lt=clock.now()).delete()
    return {"sessions": sessions, "locks": purge_expired_locks()}
