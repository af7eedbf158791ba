"""门户的防滥用：查询码、限流与锁定、提交表单上的算术题。全部自备，不调用任何外部服务。"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction

from xinfang.audit.services import record
from xinfang.core import clock

from .models import PortalAccess, PortalThrottle, ThrottleScope, UsedChallenge

# -- 查询码 ---------------------------------------------------------------------

# 去掉易混的 0/O、1/I/L：信访人抄写、电话里念都不会错。31 个字符 × 12 位 ≈ 59 位随机性。
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
_NOT_CODE = re.compile(r"[^0-9A-Z]")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """显示用：每 4 位一组，"ABCD-EFGH-JKMN"。"""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalize_code(raw: str) -> str:
    """去掉空格和连字符、转大写；信访人照抄时多打的符号不算错。"""
    return _NOT_CODE.sub("", (raw or "").upper())[:64]


def normalize_number(raw: str) -> str:
    return _NOT_CODE.sub("", (raw or "").upper())[:20]


def _mac(purpose: str, value: str, key: str = "") -> str:
    key = key or settings.SECRET_KEY
    return hmac.new(key.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def hash_code(salt: str, code: str, key: str = "") -> str:
    """查询码只存这个：以系统密钥为键、加每码一盐的 HMAC-SHA256。"""
    return _mac(f"portal-code:{salt}", code, key)


def new_access_fields(code: str) -> dict:
    salt = secrets.token_hex(16)
    return {"salt": salt, "code_hash": hash_code(salt, code)}


_DUMMY_SALT = "0" * 32


def matching_access(accesses: list[PortalAccess], code: str) -> PortalAccess | None:
    """与查询码相符的那条查询码记录，没有则 None。常数时间比较；编号不存在时也算一次散列，使两种情形用时相当。

    更换系统密钥后，旧密钥放进 XINFANG_SECRET_KEY_FALLBACKS，已经发出的查询码照样能用。
    """
    found = None
    for access in accesses or [None]:
        salt, stored = (access.salt, access.code_hash) if access else (_DUMMY_SALT, "0" * 64)
        for key in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS):
            if hmac.compare_digest(hash_code(salt, code, key), stored) and access is not None:
                found = access
    return found


# -- 限流与锁定 -----------------------------------------------------------------

HOUR = timedelta(hours=1)


def key_of(scope: str, raw: str) -> str:
    """计数键只存散列：数据库里没有原始 IP、编号或查询码。"""
    return _mac(f"throttle:{scope}", raw)


def _row(scope: str, key: str) -> PortalThrottle:
    rows = PortalThrottle.objects.select_for_update()
    row = rows.filter(scope=scope, key=key).first()
    if row is not None:
        return row
    try:
        # 保存点：两个请求同时建同一行时，后到者撞唯一约束，只回滚这一步，改取先到者的行。
        with transaction.atomic():
            return PortalThrottle.objects.create(scope=scope, key=key, window_started_at=clock.now())
    except IntegrityError:
        return rows.get(scope=scope, key=key)


def _fresh(row: PortalThrottle, window: timedelta) -> PortalThrottle:
    now = clock.now()
    if row.locked_until and row.locked_until <= now:
        row.locked_until, row.count, row.window_started_at = None, 0, now
    elif not row.locked_until and now - row.window_started_at >= window:
        row.count, row.window_started_at = 0, now
    return row


def blocked(scope: str, raw: str, *, limit: int, window: timedelta = HOUR) -> bool:
    """不计数，只看：窗口内次数已满或正被锁定。"""
    row = PortalThrottle.objects.filter(scope=scope, key=key_of(scope, raw)).first()
    if row is None:
        return False
    row = _fresh(row, window)
    return bool(row.locked_until) or row.count >= limit


@transaction.atomic
def hit(scope: str, raw: str, *, limit: int, window: timedelta = HOUR, lock_for: timedelta | None = None) -> bool:
    """计一次；返回这一次是否仍在限额内。给了 lock_for 时，次数用满即锁定该时长（到时自动解锁）。"""
    row = _fresh(_row(scope, key_of(scope, raw)), window)
    if row.locked_until:
        row.save()
        return False
    row.count += 1
    allowed = row.count <= limit
    if lock_for is not None and row.count >= limit:
        row.locked_until = clock.now() + lock_for
        record(actor=None, action="portal.lockout", object_type="portal.portalthrottle", object_id=row.pk or "",
               object_repr=f"{row.get_scope_display()}（键已散列）",
               changes={"locked_until": [None, row.locked_until.isoformat()]})
    row.save()
    return allowed


# 同一事项编号（不论来源）错码多了只退避、不锁定：否则任何人输几次错码就能把信访人本人挡在门外。
BACKOFF_MAX = timedelta(seconds=60)


def _backoff(count: int, limit: int) -> timedelta:
    return min(timedelta(seconds=2 ** max(0, count - limit + 1)), BACKOFF_MAX)


@transaction.atomic
def claim_lookup(number: str, ip: str, *, limit: int, lock_for: timedelta) -> str | None:
    """凭码查询之前先占一次：锁住（编号, 来源）与（编号）两行，一步完成"查锁定 + 计数"。

    先按输错计数，码对了再由 lookup_succeeded 清掉；所以同时发来的一批猜测不会都赶在计数之前。
    （编号, 来源）连错 limit 次锁定 lock_for；编号本身超过 limit 次后每次须等一段递增的时间（最多一分钟）。
    被挡时返回给人看的中文说明（这次不计数），否则 None。不论编号是否存在都一样计数，不泄露编号是否存在。
    """
    now = clock.now()
    pair = _fresh(_row(ThrottleScope.WRONG_CODE, key_of(ThrottleScope.WRONG_CODE, f"{number}|{ip}")), HOUR)
    whole = _row(ThrottleScope.WRONG_CODE_NUMBER, key_of(ThrottleScope.WRONG_CODE_NUMBER, number))
    if now - whole.window_started_at >= HOUR and not (whole.locked_until and whole.locked_until > now):
        whole.count, whole.window_started_at = 0, now
    if pair.locked_until:
        pair.save()
        minutes = max(1, int((pair.locked_until - now).total_seconds() // 60) + 1)
        return f"该事项编号的查询码输错次数过多，查询已暂停，请 {minutes} 分钟后再试。"
    if whole.locked_until and whole.locked_until > now:
        seconds = max(1, int((whole.locked_until - now).total_seconds()) + 1)
        return f"该事项编号近期查询码错误较多，请 {seconds} 秒后再试。"
    pair.count += 1
    whole.count += 1
    if pair.count >= limit:
        pair.locked_until = now + lock_for
    if whole.count >= limit:
        whole.locked_until = now + _backoff(whole.count, limit)
    pair.save()
    whole.save()
    return None


def wrong_code_locked(number: str, ip: str) -> None:
    """码不对（已计过数）：这一次刚好锁定了（编号, 来源）时记审计。"""
    row = PortalThrottle.objects.filter(scope=ThrottleScope.WRONG_CODE,
                                        key=key_of(ThrottleScope.WRONG_CODE, f"{number}|{ip}"),
                                        locked_until__gt=clock.now()).first()
    if row is not None:
        with transaction.atomic():
            record(actor=None, action="portal.lockout", object_type="portal.portalthrottle", object_id=row.pk,
                   object_repr=f"{row.get_scope_display()}（键已散列）",
                   changes={"locked_until": [None, row.locked_until.isoformat()]})


def lookup_succeeded(number: str, ip: str) -> None:
    """码对了：退回本次占的计数，清掉这个编号的错误计数（本人证明了自己）。"""
    PortalThrottle.objects.filter(scope=ThrottleScope.WRONG_CODE,
                                  key=key_of(ThrottleScope.WRONG_CODE, f"{number}|{ip}")).delete()
    PortalThrottle.objects.filter(scope=ThrottleScope.WRONG_CODE_NUMBER,
                                  key=key_of(ThrottleScope.WRONG_CODE_NUMBER, number)).delete()


def clear(scope: str, raw: str) -> None:
    PortalThrottle.objects.filter(scope=scope, key=key_of(scope, raw), locked_until__isnull=True).delete()


def purge_throttles() -> int:
    """删除早已过期的计数行（可重复执行，供周期任务调用）。"""
    cutoff = clock.now() - timedelta(days=1)
    deleted, _ = PortalThrottle.objects.filter(window_started_at__lt=cutoff).exclude(
        locked_until__gt=clock.now()).delete()
    used, _ = UsedChallenge.objects.filter(used_at__lt=clock.now() - timedelta(seconds=CHALLENGE_MAX_AGE)).delete()
    return deleted + used


def client_ip(request) -> str:
    # 只认 REMOTE_ADDR：X-Forwarded-For 可被伪造。部署在反向代理后时由代理改写 REMOTE_ADDR。
    return request.META.get("REMOTE_ADDR", "") or "unknown"


# -- 算术题 ---------------------------------------------------------------------

_DIGITS = "零一二三四五六七八九"
CHALLENGE_MAX_AGE = 2 * 3600


def chinese_number(n: int) -> str:
    """0–99 的中文读法：十二、二十、三十五。"""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + ("" if ones == 0 else _DIGITS[ones])


def new_challenge() -> tuple[str, str]:
    """返回（题目, 签名令牌）。令牌里只有答案的 HMAC，不含题目数字。"""
    a, b = secrets.randbelow(20) + 1, secrets.randbelow(9) + 1
    if secrets.randbelow(2):
        question, answer = f"{chinese_number(a)}加{chinese_number(b)}等于几？", a + b
    else:
        a = max(a, b)
        question, answer = f"{chinese_number(a)}减{chinese_number(b)}等于几？", a - b
    nonce = secrets.token_hex(8)
    token = signing.dumps({"n": nonce, "h": _mac(f"challenge:{nonce}", str(answer))}, salt="portal.challenge")
    return question, token


def consume_challenge(nonce: str) -> bool:
    """把令牌记为已用；已经用过的返回 False。插入即判定（唯一约束），两个同时重放的请求只有一个成功。"""
    if not nonce or len(nonce) > 32:
        return False
    try:
        with transaction.atomic():
            UsedChallenge.objects.create(nonce=nonce, used_at=clock.now())
    except IntegrityError:
        return False
    return True


def challenge_passed(token: str, answer: str) -> bool:
    """签名有效、未过期、没用过（用一次即作废，答错也作废）且答案正确。"""
    try:
        data = signing.loads(token or "", salt="portal.challenge", max_age=CHALLENGE_MAX_AGE)
    except signing.BadSignature:
        return False
    if not isinstance(data, dict) or not consume_challenge(str(data.get("n", ""))):
        return False
    answer = (answer or "").strip()
    if not answer.isdigit():
        return False
    return hmac.compare_digest(_mac(f"challenge:{data.get('n', '')}", str(int(answer))), str(data.get("h", "")))
