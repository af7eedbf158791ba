"""Xinfang 的唯一配置模块：一切取自环境变量（见 .env.example），非法取值令启动失败并指出变量名。"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

PACKAGE_DIR = Path(__file__).resolve().parent


def _default_var_dir() -> Path:
    # 源码检出（可编辑安装）时，var/ 放在仓库根目录；否则放在当前目录。
    repo = PACKAGE_DIR.parent
    return (repo if (repo / "pyproject.toml").exists() else Path.cwd()) / "var"


def env_bool(name: str, default: bool) -> bool:
    """只接受 true / false；其它任何取值都令启动失败，免得把 "ture" 当成 false。"""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value not in ("true", "false"):
        raise ImproperlyConfigured(f"环境变量 {name} 只能是 true 或 false，当前为 {raw!r}")
    return value == "true"


def env_int(name: str, default: int, *, minimum: int = 1) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"环境变量 {name} 必须是整数，当前为 {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"环境变量 {name} 不能小于 {minimum}，当前为 {value}")
    return value


def _secret_key(var_dir: Path) -> str:
    """取 XINFANG_SECRET_KEY；未设置时在 var/ 下生成一次（权限 0600），以后沿用。"""
    configured = os.environ.get("XINFANG_SECRET_KEY", "")
    if configured:
        if len(configured) < 32:
            raise ImproperlyConfigured("环境变量 XINFANG_SECRET_KEY 至少需要 32 个字符")
        return configured
    from xinfang.core.keys import generated_once

    return generated_once(var_dir / "secret_key", lambda: secrets.token_urlsafe(50)).strip()


VAR_DIR = Path(os.environ.get("XINFANG_VAR_DIR") or _default_var_dir())
VAR_DIR.mkdir(parents=True, exist_ok=True)
(VAR_DIR / "static").mkdir(exist_ok=True)

DEBUG = env_bool("XINFANG_DEBUG", False)
# 是否只经 HTTPS 访问：决定 Cookie 的 Secure 标记与 HSTS。默认与 DEBUG 相反。
HTTPS = env_bool("XINFANG_HTTPS", not DEBUG)
SECRET_KEY = _secret_key(VAR_DIR)
# 更换密钥时把旧的放在这里（逗号分隔）：登录会话与门户查询码在过渡期内照样有效。
# 个人资料（身份证号、电话、地址）的加密密钥：第一把写、全部可读（xinfang/core/keys.py）；换密钥后运行 xinfang rotate-keys。
from xinfang.core.keys import load_data_keys  # noqa: E402

DATA_KEYS, DATA_KEYS_GENERATED = load_data_keys(os.environ.get("XINFANG_DATA_KEYS", ""), VAR_DIR)
SECRET_KEY_FALLBACKS = [k.strip() for k in os.environ.get("XINFANG_SECRET_KEY_FALLBACKS", "").split(",") if k.strip()]
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("XINFANG_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]

_database_url = os.environ.get("XINFANG_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'xinfang.sqlite3'}"
try:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
except Exception as exc:  # dj_database_url 对未知协议抛出多种异常
    raise ImproperlyConfigured(f"环境变量 XINFANG_DATABASE_URL 无法解析：{exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # 页面查询都是带 LIMIT 的索引扫描：并行查询每条要多花约 10 ms 启动工作进程，还和网页进程抢 CPU
    # （百万件库上大队长的超期列表 13 ms → 2.4 ms）。连接串里给了 ?options= 的以连接串为准。
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c max_parallel_workers_per_gather=0")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE：写事务一开始就拿写锁，避免两个并发写在提交时才发现冲突。
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # 每个测试进程一个库文件：几个人（或几个 CI 步骤）同时跑测试时互不干扰；测试结束时删除。
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("XINFANG_REDIS_URL", "")
if REDIS_URL:
    if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("环境变量 XINFANG_REDIS_URL 必须以 redis://、rediss:// 或 unix:// 开头")
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Celery（xinfang/celery.py）只在配置了 Redis 时使用；周期任务的时间表来自 core.jobs.SCHEDULE。
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_IGNORE_RESULT = True
# 队列名：几套部署共用一个 Redis 时各用各的队列。
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("XINFANG_CELERY_QUEUE", "") or "xinfang"
CELERY_TIMEZONE = "Asia/Shanghai"
# 任务执行完才确认：worker 中途退出，任务交给别的 worker 重做（任务都可重复执行）。
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# 邮件（Django 6.1 的 MAILERS）：配置了 XINFANG_EMAIL_HOST 走 SMTP，否则写到 var/mail/ 下的文件（内网演示不外发）。
_email_host = os.environ.get("XINFANG_EMAIL_HOST", "")
if _email_host:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": {
        "host": _email_host,
        "port": env_int("XINFANG_EMAIL_PORT", 25),
        "username": os.environ.get("XINFANG_EMAIL_USER", ""),
        "password": os.environ.get("XINFANG_EMAIL_PASSWORD", ""),
        "use_tls": env_bool("XINFANG_EMAIL_TLS", False),
    }}}
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.filebased.EmailBackend",
                           "OPTIONS": {"file_path": str(VAR_DIR / "mail")}}}
DEFAULT_FROM_EMAIL = os.environ.get("XINFANG_EMAIL_FROM", "xinfang@localhost")
# 短信网关：一个有 send(phone, text) 方法的类的完整路径。默认把短信写进日志文件。
SMS_BACKEND = os.environ.get("XINFANG_SMS_BACKEND", "xinfang.supervision.sms.LogFileBackend")
if "." not in SMS_BACKEND.strip(".") or " " in SMS_BACKEND:
    raise ImproperlyConfigured(f"环境变量 XINFANG_SMS_BACKEND 须是类的完整路径，当前为 {SMS_BACKEND!r}")
SMS_LOG_FILE = Path(os.environ.get("XINFANG_SMS_LOG") or VAR_DIR / "sms.log")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "xinfang.core",
    "xinfang.org",
    "xinfang.audit",
    "xinfang.petitions",
    "xinfang.triage",
    "xinfang.supervision",
    "xinfang.portal",
    "xinfang.screening",
    "xinfang.assessment",
    "xinfang.warning",
    "xinfang.exchange",
    "xinfang.api",
    "xinfang.demo",
    "ninja",  # 只为它随包的接口说明页静态文件（Swagger UI），不用 CDN
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "xinfang.audit.context.AuditContextMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "xinfang.core.middleware.SessionRefreshMiddleware",
    "xinfang.core.middleware.RequestLimitsMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "xinfang.org.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "xinfang.core.middleware.NoStoreMiddleware",
]

ROOT_URLCONF = "xinfang.urls"
WSGI_APPLICATION = "xinfang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "xinfang.navigation.navigation",
                "xinfang.supervision.context.unread_notifications",
            ],
            # 全站模板都能用：{{ d|dept }} 写部门路径，{% include "core/_form.html" %} 的表单样式。
            "builtins": ["xinfang.org.templatetags.org_labels", "xinfang.core.templatetags.form_ui"],
        },
    },
]

AUTH_USER_MODEL = "org.Staff"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "xinfang.org.passwords.MixedCharactersValidator"},
    {"NAME": "xinfang.org.passwords.NoUsernameValidator"},
    {"NAME": "xinfang.org.passwords.NoRepeatedCharacterValidator"},
]

# 登录锁定：同一账号连续失败 N 次锁定；同一 IP 在窗口内失败 M 次锁定。管理员可随时解锁。
LOGIN_FAILURES_PER_ACCOUNT = env_int("XINFANG_LOGIN_FAILURES_PER_ACCOUNT", 5)
LOGIN_FAILURES_PER_IP = env_int("XINFANG_LOGIN_FAILURES_PER_IP", 20)
LOGIN_LOCK_MINUTES = env_int("XINFANG_LOGIN_LOCK_MINUTES", 30)

# 会话：无操作 N 分钟后失效；有请求就顺延，但至多每 SESSION_REFRESH_SECONDS 秒写一次会话行
# （core.middleware.SessionRefreshMiddleware；每个 GET 都写会话，SQLite 上就是每个页面都抢一次写锁）。
SESSION_COOKIE_AGE = env_int("XINFANG_SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "xinfang.core.views.csrf_failure"


def _trusted_proxy() -> str:
    """XINFANG_TRUSTED_PROXY：反向代理的 IP。只有来自它的 X-Forwarded-For/Proto/Host 才被采信。"""
    import ipaddress

    raw = os.environ.get("XINFANG_TRUSTED_PROXY", "").strip()
    if raw:
        try:
            ipaddress.ip_address(raw)
        except ValueError:
            raise ImproperlyConfigured(
                f"环境变量 XINFANG_TRUSTED_PROXY 须是反向代理的 IP 地址（如 127.0.0.1），当前为 {raw!r}") from None
    return raw


def _origins(name: str) -> list[str]:
    import re

    origins = [o.strip() for o in os.environ.get(name, "").split(",") if o.strip()]
    for origin in origins:
        if not re.fullmatch(r"https?://[^/\s]+", origin):
            raise ImproperlyConfigured(
                f"环境变量 {name} 的每一项须形如 https://xinfang.example.gov.cn（无路径），当前有 {origin!r}")
    return origins


# 反向代理（TLS 在代理上终止）：`xinfang serve` 把它交给 waitress 的 trusted_proxy，waitress 按代理给的
# 转发头改写 REMOTE_ADDR 与 wsgi.url_scheme，并丢弃其它来源带来的转发头。应用只读 REMOTE_ADDR。
TRUSTED_PROXY = _trusted_proxy()
TRUSTED_PROXY_HEADERS = ("x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port")
# 代理改了对外的域名或端口时，浏览器的 Origin 与本机看到的不同：在这里列出对外地址。
CSRF_TRUSTED_ORIGINS = _origins("XINFANG_CSRF_TRUSTED_ORIGINS")
if HTTPS:
    SECURE_HSTS_SECONDS = env_int("XINFANG_HSTS_SECONDS", 31536000)
    if TRUSTED_PROXY:
        # waitress 只保留受信任代理发来的 X-Forwarded-Proto，所以这里可以信它。
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("XINFANG_SSL_REDIRECT", False)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# 内容安全策略（Django 6 自带）：脚本只来自本站或带本次响应的 nonce；样式允许行内 style 属性
# （模板里有少量宽度、缩进），不允许外站。不连任何外网，所以一律 'self'。
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
if env_bool("XINFANG_CSP_REPORT_ONLY", False):
    # 上线新模板前可先只报告不拦截，看浏览器控制台里有无违例。
    SECURE_CSP_REPORT_ONLY, SECURE_CSP = SECURE_CSP, {}

def _deadline_limits() -> dict[str, int]:
    """XINFANG_DEADLINE_LIMITS="acceptance=7,handling=30"：本地可缩短法定时限，不可延长。"""
    from xinfang.petitions.deadlines import validate_limits

    raw = os.environ.get("XINFANG_DEADLINE_LIMITS", "").strip()
    limits: dict[str, int] = {}
    try:
        for item in filter(None, (part.strip() for part in raw.split(","))):
            code, _, days = item.partition("=")
            limits[code.strip()] = int(days)
        return validate_limits(limits)
    except ValueError as exc:
        raise ImproperlyConfigured(f"环境变量 XINFANG_DEADLINE_LIMITS 无效：{exc}") from None


DEADLINE_LIMITS = _deadline_limits()
# 听证开了多少日仍未结束即在事项页标出（办理期间的听证不停60日办理期限，《信访工作条例》第三十四条）。
HEARING_FLAG_DAYS = env_int("XINFANG_HEARING_FLAG_DAYS", 30)
# 黄牌：距期限不足 N 个工作日。
WARNING_WORKDAYS = env_int("XINFANG_WARNING_WORKDAYS", 3)
# 超期后每再过 N 个工作日，提醒再上溯一级部门的负责人（默认同黄牌天数）。
ESCALATION_WORKDAYS = env_int("XINFANG_ESCALATION_WORKDAYS", WARNING_WORKDAYS)
# 重大紧急事项（《信访工作条例》第二十五条）：多少人以上的集体访立即报告；报告后多少分钟无人确认即再上报一级。
URGENT_COLLECTIVE_SIZE = env_int("XINFANG_URGENT_COLLECTIVE_SIZE", 20)
URGENT_ACK_MINUTES = env_int("XINFANG_URGENT_ACK_MINUTES", 30)
# 共同诉求预警：近 N 天内同一问题的不同信访人达到 M 人即预警单位负责人与分管领导（集体访之前）。
HOT_ISSUE_WINDOW_DAYS = env_int("XINFANG_HOT_ISSUE_WINDOW_DAYS", 30)
HOT_ISSUE_PETITIONERS = env_int("XINFANG_HOT_ISSUE_PETITIONERS", 5)
# 附件：单个文件大小上限（MB）与允许的类型。
ATTACHMENT_MAX_MB = env_int("XINFANG_ATTACHMENT_MAX_MB", 20)
# 回访：答复后多少日内完成回访（默认 7）。
RETURN_VISIT_DAYS = env_int("XINFANG_RETURN_VISIT_DAYS", 7)
# 门户防滥用：同一来源每小时可成功提交几件、可尝试（提交、查询、评价）几次，同一查询码每小时可查询几次；
# 12345 回传（xinfang/exchange/outbox.py）：对端地址（未设置时消息留在队列里不发）、共享密钥与超时秒数。
EXCHANGE_12345_ENDPOINT = os.environ.get("XINFANG_12345_ENDPOINT", "").strip()
if EXCHANGE_12345_ENDPOINT and not EXCHANGE_12345_ENDPOINT.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"环境变量 XINFANG_12345_ENDPOINT 须以 http:// 或 https:// 开头，当前为 {EXCHANGE_12345_ENDPOINT!r}")
EXCHANGE_12345_SECRET = os.environ.get("XINFANG_12345_SECRET", "")
if EXCHANGE_12345_ENDPOINT and len(EXCHANGE_12345_SECRET) < 16:
    raise ImproperlyConfigured("设置了 XINFANG_12345_ENDPOINT 时，XINFANG_12345_SECRET（共享密钥）至少需要 16 个字符")
EXCHANGE_12345_TIMEOUT = env_int("XINFANG_12345_TIMEOUT", 10)

# 同一事项编号连续输错几次查询码后锁定多少分钟（到时自动解锁）。
PORTAL_SUBMISSIONS_PER_HOUR = env_int("XINFANG_PORTAL_SUBMISSIONS_PER_HOUR", 5)
PORTAL_REQUESTS_PER_HOUR = env_int("XINFANG_PORTAL_REQUESTS_PER_HOUR", 30)
PORTAL_WRONG_CODES = env_int("XINFANG_PORTAL_WRONG_CODES", 5)
PORTAL_LOCK_MINUTES = env_int("XINFANG_PORTAL_LOCK_MINUTES", 30)
# 对外接口：每个令牌每分钟的调用上限；每个 Open311 令牌（一个合作系统）每小时可提交的诉求件数。
API_CALLS_PER_MINUTE = env_int("XINFANG_API_CALLS_PER_MINUTE", 600)
OPEN311_SUBMISSIONS_PER_HOUR = env_int("XINFANG_PARTNER_SUBMISSIONS_PER_HOUR", 200)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# 直接从各应用的 static/ 提供静态文件，免去 collectstatic 这一步。
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"
# 上传与生成的文件：写于事务中、事务回滚了的，随即删除（xinfang/core/storage.py）。
STORAGES = {
    "default": {"BACKEND": "xinfang.core.storage.TransactionalFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"xinfang": {"level": "INFO"}},
}
