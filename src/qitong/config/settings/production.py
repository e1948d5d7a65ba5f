"""Production: refuses unsafe configurations at start-up instead of running with them."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, DEBUG, DEFAULT_SECRET_KEY, QITONG_LEDGER_KEY, SECRET_KEY, env_bool

if DEBUG:
    raise ImproperlyConfigured("生产环境不得开启 DEBUG (unset DEBUG)")
# The same bar as Django's deploy check (security.W009): 50+ characters, 5+ distinct ones.
if SECRET_KEY == DEFAULT_SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured(
        "生产环境必须设置至少 50 个字符的随机 SECRET_KEY"
        '（可用 python -c "import secrets; print(secrets.token_urlsafe(50))" 生成）'
    )
# The ledger checkpoints' key must not be derivable from anything the application stores.
if len(QITONG_LEDGER_KEY) < 32 or QITONG_LEDGER_KEY == SECRET_KEY:
    raise ImproperlyConfigured(
        "生产环境必须设置至少 32 个字符、不同于 SECRET_KEY 的 QITONG_LEDGER_KEY（台账检查点签名密钥，"
        "保存在数据库之外，如密钥管理系统）"
    )
if str(DATABASES["default"]["ENGINE"]).endswith("sqlite3") and not env_bool("QITONG_ALLOW_SQLITE"):
    raise ImproperlyConfigured(
        "生产环境应使用 PostgreSQL (DATABASE_URL)；确需 SQLite 请设置 QITONG_ALLOW_SQLITE=1"
    )

# The second factor is required of the roles that change configuration or read everything.
QITONG_OTP_REQUIRED_ROLES = tuple(
    r.strip()
    for r in os.environ.get("QITONG_OTP_REQUIRED_ROLES", "admin,auditor").split(",")
    if r.strip()
)

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
